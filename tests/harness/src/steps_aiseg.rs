//! Steps that change the household's AiSEG2 under the app (a device taken off, renamed, the list
//! emptied) and that read what the registration service kept.

use cucumber::{given, then, when};

use crate::world::QaWorld;

type Step = Result<(), String>;

#[given(regex = r"^AiSEG2から「(.+)」だけが外される$")]
#[when(regex = r"^AiSEG2から「(.+)」だけが外される$")]
async fn device_removed(w: &mut QaWorld, name: String) -> Step {
    crate::report::note(&format!("AiSEG2: 「{name}」を外す"));
    let sim = w.sim()?;
    let mut devices = sim.aiseg_devices(&w.panel_email());
    let before = devices.len();
    devices.retain(|d| d.name != name);
    if devices.len() == before {
        return Err(format!("the AiSEG2 has no 「{name}」"));
    }
    sim.set_aiseg_devices(&w.panel_email(), devices);
    Ok(())
}

#[given(regex = r"^AiSEG2の機器がすべて外される$")]
#[when(regex = r"^AiSEG2の機器がすべて外される$")]
async fn devices_emptied(w: &mut QaWorld) -> Step {
    crate::report::note("AiSEG2: 機器をすべて外す");
    w.sim()?.set_aiseg_devices(&w.panel_email(), Vec::new());
    Ok(())
}

#[given(regex = r"^AiSEG2の「(.+)」の名前が「(.+)」に変わる（IDはそのまま）$")]
#[when(regex = r"^AiSEG2の「(.+)」の名前が「(.+)」に変わる（IDはそのまま）$")]
async fn device_renamed(w: &mut QaWorld, name: String, new_name: String) -> Step {
    crate::report::note(&format!("AiSEG2: 「{name}」を「{new_name}」に名前変更"));
    let sim = w.sim()?;
    let mut devices = sim.aiseg_devices(&w.panel_email());
    let device = devices.iter_mut().find(|d| d.name == name).ok_or(format!("the AiSEG2 has no 「{name}」"))?;
    device.name = new_name;
    sim.set_aiseg_devices(&w.panel_email(), devices);
    Ok(())
}

#[then(regex = r"^最後の(\d+)回の登録の呼び出しは、どれも同じ登録IDを残した$")]
async fn last_puts_kept_one_id(w: &mut QaWorld, n: usize) -> Step {
    let sim = w.sim()?;
    let puts = sim.registration_puts(&w.panel_email());
    let last = puts
        .get(puts.len().saturating_sub(n)..)
        .filter(|last| last.len() == n)
        .ok_or(format!("the cloud received only {} registration call(s)", puts.len()))?;
    let first = last[0].clone().ok_or("the first of them registered nothing")?;
    if let Some(other) = last.iter().find(|id| id.as_ref() != Some(&first)) {
        return Err(format!("one of them left {other:?}, another {first:?}"));
    }
    match sim.speaker_registration(&w.panel_email()) {
        Some(r) if r.registration_id == first => Ok(()),
        other => Err(format!("the cloud now holds {other:?}")),
    }
}

#[when(regex = r"^AiSEG2の2次元コードの(スキーム|ホスト|ポート|パラメータ)を書き換えたリンクが届く$")]
async fn altered_code_link(w: &mut QaWorld, part: String) -> Step {
    let link = w.sim()?.panel_view(&w.panel_email()).link.ok_or("the panel shows no 2D code")?;
    let mut url = url::Url::parse(&link).map_err(|e| e.to_string())?;
    let changed = match part.as_str() {
        "スキーム" => url.set_scheme(if url.scheme() == "https" { "http" } else { "https" }).is_ok(),
        "ホスト" => url.set_host(Some("hems.example.jp.evil.example")).is_ok(),
        "ポート" => url.set_port(Some(8443)).is_ok(),
        _ => {
            url.query_pairs_mut().append_pair("next", "https://evil.example/");
            true
        }
    };
    if !changed {
        return Err(format!("the {part} of {link} cannot be changed"));
    }
    crate::report::note(&format!("2次元コードの{part}を書き換えたリンク"));
    w.outbound_before_link = w.outbound()?;
    w.hand_back(url.to_string()).await.map(drop)
}
