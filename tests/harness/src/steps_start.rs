//! Step phrases around starting the app: the migration from the old Panasonic ID, step 1's
//! updates, and help — including the cloud changing the app config (minimum versions, support
//! hours) under a running app.

use cucumber::{given, then, when};

use crate::world::QaWorld;

type Step = Result<(), String>;

const OLD_SESSION: &str = "old-panasonic-id-session-7f3a";

#[given(regex = r"^以前のPanasonic IDのログイン情報とスマートHEMSクラブのデータがスマートフォンに残っている$")]
async fn old_id_left(w: &mut QaWorld) -> Step {
    use smarthems::SecureStore as _;
    w.secure.save("panasonic_id.session".into(), OLD_SESSION.into()).map_err(|e| e.to_string())?;
    let club = w.old_id_path();
    std::fs::create_dir_all(&club).map_err(|e| e.to_string())?;
    std::fs::write(club.join("members.json"), r#"{"club_member":"taro"}"#).map_err(|e| e.to_string())
}

#[then(regex = r"^以前のIDの情報はスマートフォンから削除され、Smart HEMSのAPIには何も送られていない$")]
async fn old_id_gone(w: &mut QaWorld) -> Step {
    if w.secure.values().iter().any(|v| v == OLD_SESSION) {
        return Err("the old session is still in the secure store".into());
    }
    if w.old_id_path().exists() {
        return Err("the スマートHEMSクラブ data is still on the phone".into());
    }
    old_session_sent_nowhere(w).await?;
    let sent: Vec<_> = w
        .sim()?
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/") && r.path != "/api/v1/app-config")
        .collect();
    if sent.is_empty() {
        Ok(())
    } else {
        Err(format!("the app called the API: {sent:?}"))
    }
}

#[then(regex = r"^以前のIDのログイン情報はどこにも送られていない$")]
async fn old_session_sent_nowhere(w: &mut QaWorld) -> Step {
    // In no request to any party (the login provider included), wherever in it and however
    // encoded, and in nothing the app asked the phone to open.
    let carrying = w.sim()?.requests_containing(OLD_SESSION);
    if !carrying.is_empty() {
        return Err(format!("the old session was sent in {carrying:?}"));
    }
    let phone = &w.phone;
    let opened: Vec<String> =
        phone.opened.lock().unwrap().iter().chain(phone.google_home_links.lock().unwrap().iter()).cloned().collect();
    if opened.iter().any(|u| u.contains(OLD_SESSION)) {
        return Err("the old session is in a URL the app opened".into());
    }
    Ok(())
}

#[given(regex = r"^インストールされているアプリのバージョンが「(.+)」である$")]
async fn installed_version(w: &mut QaWorld, version: String) -> Step {
    w.app_version = version;
    Ok(())
}

#[when(regex = r"^アプリを「(.+)」にアップデートする$")]
async fn update_app(w: &mut QaWorld, version: String) -> Step {
    crate::report::note(&format!("アプリを {version} にアップデート"));
    w.app_version = version;
    w.restart().await.map(drop)
}

#[then(regex = r"^ストアでこのアプリのページが開く$")]
async fn store_opened(w: &mut QaWorld) -> Step {
    // Each opening is seen once: the next check needs a new one.
    match w.phone.store_opened.swap(0, std::sync::atomic::Ordering::SeqCst) {
        0 => Err("the app did not ask the phone to open its store page".into()),
        _ => {
            crate::report::note("ストアでこのアプリのページが開く");
            Ok(())
        }
    }
}

#[given(regex = r"^日本時間が「(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})」である$")]
#[when(regex = r"^日本時間が「(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})」になる$")]
async fn japan_time(w: &mut QaWorld, y: i64, mo: i64, d: i64, h: i64, mi: i64) -> Step {
    // Days since the epoch of the civil date, then Japan time (UTC+9) to UTC.
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    // Before the launch it is the time the app starts with; after it, the clock moves under the app.
    w.set_time(days * 86_400 + (h - 9) * 3600 + mi * 60);
    Ok(())
}

#[given(regex = r"^AiSEG2のファームウェアのバージョンが「(.+)」である$")]
#[when(regex = r"^AiSEG2のファームウェアのバージョンが「(.+)」である$")]
#[when(regex = r"^AiSEG2のファームウェアを「(.+)」にアップデートする$")]
async fn firmware(w: &mut QaWorld, version: String) -> Step {
    crate::report::note(&format!("AiSEG2のファームウェア: {version}"));
    w.sim()?.set_firmware_version(&w.email, &version);
    Ok(())
}

#[when(regex = r"^クラウドでアプリの必要なバージョンが「(.+)」に変わる$")]
async fn min_app_version(w: &mut QaWorld, version: String) -> Step {
    crate::report::note(&format!("クラウド: アプリの必要なバージョン {version}"));
    w.sim()?.patch_app_config(&serde_json::json!({ "min_app_version": version }));
    Ok(())
}

#[when(regex = r"^クラウドで「(.+)」の受付時間が「(\d{1,2}:\d{2})」～「(\d{1,2}:\d{2})」に変わる$")]
async fn support_hours(w: &mut QaWorld, name: String, opens: String, closes: String) -> Step {
    crate::report::note(&format!("クラウド: 「{name}」の受付時間 {opens}～{closes}"));
    let sim = w.sim()?;
    // A merge patch replaces arrays whole: change the one line, send them all back.
    let mut lines = sim.app_config()["support"]["lines"].clone();
    let line = lines
        .as_array_mut()
        .and_then(|lines| lines.iter_mut().find(|l| l["name"] == name.as_str()))
        .ok_or(format!("the cloud has no support line 「{name}」"))?;
    line["opens"] = opens.into();
    line["closes"] = closes.into();
    sim.patch_app_config(&serde_json::json!({ "support": { "lines": lines } }));
    Ok(())
}
