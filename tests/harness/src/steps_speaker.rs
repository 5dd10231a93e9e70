//! Step phrases of flow B: the nickname, the device list, and the parties around the speaker —
//! the AiSEG2, the Google Home app and the smart speaker itself (all simulated).

use cucumber::{given, then, when};
use smarthems::Action;

use crate::world::QaWorld;

type Step = Result<(), String>;

// ── The app's own fields and check boxes ─────────────────────────────────────────────

#[when(regex = r"^ニックネーム「(.*)」を入力する$")]
async fn type_nickname(w: &mut QaWorld, text: String) -> Step {
    crate::report::note(&format!("ニックネーム「{text}」を入力"));
    let screen = w.screen()?;
    screen.input.ok_or_else(|| format!("「{}」 has no text field", screen.title))?;
    w.app()?.tap(Action::EditNickname { text }).await;
    w.after_step().await
}

#[then(regex = r"^入力欄に「(.*)」が入っている$")]
async fn nickname_kept(w: &mut QaWorld, text: String) -> Step {
    let input = w.screen()?.input.ok_or("no text field")?;
    if input.value == text {
        Ok(())
    } else {
        Err(format!("the field holds 「{}」", input.value))
    }
}

#[then(regex = r"^入力欄に「(.+)」というエラーが表示される$")]
async fn nickname_error(w: &mut QaWorld, text: String) -> Step {
    let input = w.screen()?.input.ok_or("no text field")?;
    match input.error {
        Some(e) if e.contains(&text) => Ok(()),
        other => Err(format!("the field's error is {other:?}")),
    }
}

#[when(regex = r"^(\d+)つ目の「(.+)」をタップする$")]
async fn tap_nth(w: &mut QaWorld, n: usize, label: String) -> Step {
    let view = w.screen()?;
    let button = view
        .buttons
        .iter()
        .filter(|b| b.label == label)
        .nth(n.saturating_sub(1))
        .ok_or(format!("no {n}つ目の「{label}」"))?;
    crate::report::note(&format!("{n}つ目の「{label}」をタップ"));
    w.app()?.tap(button.action.clone()).await;
    w.after_step().await
}

#[then(regex = r"^「(.+)」にチェックが(付いている|付いていない)$")]
async fn checked(w: &mut QaWorld, label: String, state: String) -> Step {
    let view = w.screen()?;
    let button = view.buttons.iter().find(|b| b.label == label).ok_or(format!("no 「{label}」"))?;
    let want = state == "付いている";
    if button.checked == Some(want) {
        Ok(())
    } else {
        Err(format!("「{label}」 is checked: {:?}", button.checked))
    }
}

#[then(regex = r"^「(.+)」に「(.+)」という注意が表示される$")]
async fn hint_shown(w: &mut QaWorld, label: String, text: String) -> Step {
    let view = w.screen()?;
    let button = view.buttons.iter().find(|b| b.label == label).ok_or(format!("no 「{label}」"))?;
    match &button.hint {
        Some(h) if h.contains(&text) => Ok(()),
        other => Err(format!("「{label}」 shows {other:?}")),
    }
}

#[then(regex = r"^「(.+)」に注意は表示されない$")]
async fn no_hint(w: &mut QaWorld, label: String) -> Step {
    let view = w.screen()?;
    let button = view.buttons.iter().find(|b| b.label == label).ok_or(format!("no 「{label}」"))?;
    match &button.hint {
        None => Ok(()),
        Some(h) => Err(format!("「{label}」 shows 「{h}」")),
    }
}

#[then(regex = r"^「(.+)」ボタンは押せない$")]
async fn disabled(w: &mut QaWorld, label: String) -> Step {
    let view = w.screen()?;
    let button = view.buttons.iter().find(|b| b.label == label).ok_or(format!("no 「{label}」"))?;
    if button.enabled {
        Err(format!("「{label}」 can be tapped"))
    } else {
        Ok(())
    }
}

// ── The phone: Google Home app and coming back ─────────────────────────────────────────

#[then(regex = r"^Google Homeアプリが開く$")]
async fn google_home_opened(w: &mut QaWorld) -> Step {
    let n = w.phone.google_home_opened.load(std::sync::atomic::Ordering::SeqCst);
    if n > w.google_home_seen {
        w.google_home_seen = n;
        crate::report::note("Google Homeアプリが開く");
        Ok(())
    } else {
        Err("the app did not ask the phone to open Google Home".into())
    }
}

#[then(regex = r"^Google Homeアプリがこのサービスの連携画面で開く$")]
async fn google_home_opened_on_linking(w: &mut QaWorld) -> Step {
    google_home_opened(w).await?;
    let link = w.phone.google_home_links.lock().unwrap().last().cloned().unwrap_or_default();
    // This service's agent id, as the cloud (simulated or real) publishes it in the app config.
    let url = format!("{}/app-config", w.config().cloud_base_url.trim_end_matches('/'));
    let config: serde_json::Value =
        reqwest::get(&url).await.map_err(|e| e.to_string())?.json().await.map_err(|e| format!("{url}: {e}"))?;
    let agent = config["google_home_agent_id"].as_str().ok_or(format!("{url} names no google_home_agent_id"))?;
    let deeplink: String =
        url::form_urlencoded::byte_serialize(format!("setup/ha_linking?agent_id={agent}").as_bytes()).collect();
    let url = url::Url::parse(&link).map_err(|e| format!("Google Home was opened with {link}: {e}"))?;
    let opened = url.query_pairs().find(|(k, _)| k == "deeplink").map(|(_, v)| v.into_owned());
    if opened.as_deref() == Some(&*format!("setup/ha_linking?agent_id={agent}")) && link.contains(&deeplink) {
        Ok(())
    } else {
        Err(format!("Google Home was opened with {link}, not at agent {agent}'s linking page"))
    }
}

#[when(regex = r"^Google Homeアプリから(?:スマートHEMSサービス)?アプリに戻る$")]
async fn back_to_app(w: &mut QaWorld) -> Step {
    crate::report::note("アプリに戻る（フォアグラウンド）");
    w.app()?.app_foregrounded().await;
    w.after_step().await
}

#[when(regex = r"^Google Homeアプリでログインして「許可」をタップし、機器を追加する$")]
async fn link_in_google_home(w: &mut QaWorld) -> Step {
    crate::report::note("Google Home: ログイン → 「許可」 → 機器・家・場所を選ぶ（手順19〜24）");
    w.sim()?.google_link(&w.web_linker(None)).await.map(drop)
}

#[when(regex = r"^Google Homeアプリでログインし、ニックネーム「(.+)」を選んで「許可」をタップし、機器を追加する$")]
async fn link_choosing_nickname(w: &mut QaWorld, nickname: String) -> Step {
    crate::report::note(&format!("Google Home: ログイン → ニックネーム「{nickname}」を選ぶ → 「許可」"));
    w.sim()?.google_link(&w.web_linker(Some(&nickname))).await.map(drop)
}

#[when(regex = r"^Google Homeアプリで連携の「キャンセル」をタップする$")]
async fn cancel_in_google_home(w: &mut QaWorld) -> Step {
    crate::report::note("Google Home: 「キャンセル」");
    w.sim()?.google_cancel_link(&w.web_linker(None)).await.map(drop)
}

#[given(regex = r"^Google Homeでの連携がうまくいかない状態である$")]
#[when(regex = r"^Google Homeでの連携がうまくいかない状態である$")]
async fn linking_fails(w: &mut QaWorld) -> Step {
    w.sim()?.set_google_linking_fails(true);
    Ok(())
}

#[when(regex = r"^Google Homeでの連携がうまくいく状態に戻る$")]
async fn linking_works(w: &mut QaWorld) -> Step {
    w.sim()?.set_google_linking_fails(false);
    Ok(())
}

#[when(regex = r"^Google Homeアプリで「AISEG」の「アカウントのリンクを解除」をタップする$")]
async fn unlink(w: &mut QaWorld) -> Step {
    crate::report::note("Google Home: アカウントのリンクを解除");
    w.sim()?.google_unlink(w.google_account()).await.map(drop)
}

#[then(regex = r"^Google Homeに(\d+)台の機器が同期されている$")]
async fn synced(w: &mut QaWorld, n: usize) -> Step {
    let got = w.sim()?.google_synced_devices(w.google_account()).len();
    if got == n {
        Ok(())
    } else {
        Err(format!("Google Home has {got} device(s)"))
    }
}

// ── The smart speaker ───────────────────────────────────────────────────────────────────

async fn say_as(w: &mut QaWorld, google_account: &str, utterance: &str) -> Step {
    let answer = w.sim()?.google_say(google_account, utterance).await;
    crate::report::note(&format!(
        "🗣 「{utterance}」 → {}",
        match &answer {
            Ok(a) | Err(a) => a,
        }
    ));
    w.last_answer = Some(answer);
    Ok(())
}

#[when(regex = r"^スマートスピーカーに「(.+)」と話しかける$")]
async fn say(w: &mut QaWorld, utterance: String) -> Step {
    let google_account = w.google_account().to_owned();
    say_as(w, &google_account, &utterance).await
}

/// The ID's owner's speaker, while a household member's phone is in use (their Google account is
/// named after the ID).
#[when(regex = r"^CLUB Panasonic IDの持ち主のスマートスピーカーに「(.+)」と話しかける$")]
async fn owner_says(w: &mut QaWorld, utterance: String) -> Step {
    let owner = w.email.clone();
    say_as(w, &owner, &utterance).await
}

#[then(regex = r"^スマートスピーカーが「(.+)」と答える$")]
async fn answered(w: &mut QaWorld, text: String) -> Step {
    match &w.last_answer {
        Some(Ok(a)) if a.contains(&text) => Ok(()),
        other => Err(format!("the speaker answered {other:?}")),
    }
}

#[then(regex = r"^スマートスピーカーは機器を操作できない$")]
async fn not_operated(w: &mut QaWorld) -> Step {
    match &w.last_answer {
        Some(Err(_)) => Ok(()),
        other => Err(format!("the speaker answered {other:?}")),
    }
}

// ── The AiSEG2 and the cloud ────────────────────────────────────────────────────────────

#[then(regex = r"^AiSEG2の「(.+)」が「(.+)」になっている$")]
async fn device_state(w: &mut QaWorld, name: String, expected: String) -> Step {
    let sim = w.sim()?;
    let device = sim
        .aiseg_devices(&w.panel_email())
        .into_iter()
        .find(|d| d.name == name)
        .ok_or(format!("the AiSEG2 has no 「{name}」"))?;
    let state = sim.device_state(&w.panel_email(), &device.id).ok_or("no state")?;
    let described = crate::describe_state(&state);
    if described.contains(&expected) {
        Ok(())
    } else {
        Err(format!("「{name}」 is {described}"))
    }
}

#[given(regex = r"^AiSEG2から「(.+)」が外され、「(.+)」（(.+)）が登録される$")]
#[when(regex = r"^AiSEG2から「(.+)」が外され、「(.+)」（(.+)）が登録される$")]
async fn aiseg_changes(w: &mut QaWorld, removed: String, added: String, category: String) -> Step {
    crate::report::note(&format!("AiSEG2: 「{removed}」を外し「{added}」を登録"));
    let sim = w.sim()?;
    let mut devices = sim.aiseg_devices(&w.email);
    devices.retain(|d| d.name != removed);
    // An id no device has (two changes in a row must not give the same one).
    let id = (0..).map(|n| format!("new-{n}")).find(|id| devices.iter().all(|d| &d.id != id)).unwrap_or_default();
    devices.push(smarthems_simcloud::AisegDevice {
        id,
        name: added,
        category: category.clone(),
        echonet_class: String::new(),
    });
    sim.set_aiseg_devices(&w.email, devices);
    Ok(())
}

#[then(regex = r"^クラウドのスマートスピーカー連携サービスの登録は(\d+)件である$")]
async fn registrations(w: &mut QaWorld, n: u32) -> Step {
    let got = w.sim()?.registrations_made(&w.email);
    if got == n {
        Ok(())
    } else {
        Err(format!("{got} registration(s) were made"))
    }
}

#[then(regex = r"^クラウドはスマートスピーカー連携サービスの登録を(\d+)回受け取り、登録IDは最初のまま変わっていない$")]
async fn registration_puts(w: &mut QaWorld, n: usize) -> Step {
    let sim = w.sim()?;
    let puts = sim.registration_puts(&w.email);
    if puts.len() != n {
        return Err(format!("the cloud received {} registration PUT(s)", puts.len()));
    }
    let first = puts.first().cloned().flatten().ok_or("the first PUT registered nothing")?;
    if let Some(other) = puts.iter().find(|id| id.as_ref() != Some(&first)) {
        return Err(format!("a later PUT left {other:?} instead of the first registration id"));
    }
    match sim.speaker_registration(&w.email) {
        Some(r) if r.registration_id == first => Ok(()),
        other => Err(format!("the cloud now holds {other:?}")),
    }
}

#[then(regex = r"^クラウドに登録されたニックネームは「(.+)」、機器は(\d+)台である$")]
async fn registered_as(w: &mut QaWorld, nickname: String, n: usize) -> Step {
    let r = w.sim()?.speaker_registration(&w.email).ok_or("nothing is registered")?;
    if r.nickname == nickname && r.device_ids.len() == n {
        Ok(())
    } else {
        Err(format!("registered {r:?}"))
    }
}

#[given(regex = r"^スマートスピーカー連携サービスの登録の応答が一度届かない$")]
#[when(regex = r"^スマートスピーカー連携サービスの登録の応答が一度届かない$")]
async fn lose_answer(w: &mut QaWorld) -> Step {
    crate::report::note("登録の応答が失われる");
    w.sim()?.lose_next_response("/api/v1/me/speaker-registrations/");
    Ok(())
}

#[given(regex = r"^以前のPanasonic IDでスマートスピーカー連携サービスを使っていた$")]
async fn legacy(w: &mut QaWorld) -> Step {
    w.sim()?.set_legacy_speaker_user(&w.email, true);
    Ok(())
}

// ── Rooms (sent to Google as roomHint) ──────────────────────────────────────────────────

async fn set_room_of(w: &mut QaWorld, n: usize, label: &str, room: String) -> Step {
    let view = w.screen()?;
    let Some(Action::ToggleDevice { id }) =
        view.buttons.iter().filter(|b| b.label == label).nth(n.saturating_sub(1)).map(|b| b.action.clone())
    else {
        return Err(format!("no device 「{label}」 on 「{}」", view.title));
    };
    crate::report::note(&format!("「{label}」の部屋を「{room}」にする"));
    w.app()?.tap(Action::SetRoom { id, room }).await;
    w.after_step().await
}

#[when(regex = r"^「(.+)」の部屋を「(.*)」にする$")]
async fn set_room(w: &mut QaWorld, label: String, room: String) -> Step {
    set_room_of(w, 1, &label, room).await
}

#[when(regex = r"^(\d+)つ目の「(.+)」の部屋を「(.*)」にする$")]
async fn set_room_nth(w: &mut QaWorld, n: usize, label: String, room: String) -> Step {
    set_room_of(w, n, &label, room).await
}

#[then(regex = r"^「(.+)」の部屋は「(.+)」と表示される$")]
async fn room_shown(w: &mut QaWorld, label: String, room: String) -> Step {
    let view = w.screen()?;
    let button = view.buttons.iter().find(|b| b.label == label).ok_or(format!("no 「{label}」"))?;
    match &button.detail {
        Some(d) if d.contains(&room) => Ok(()),
        other => Err(format!("「{label}」 shows {other:?}")),
    }
}

#[then(regex = r"^Google Homeに部屋「(.+)」の機器が(\d+)台同期されている$")]
async fn synced_in_room(w: &mut QaWorld, room: String, n: usize) -> Step {
    let got = w
        .sim()?
        .google_synced_devices(w.google_account())
        .iter()
        .filter(|d| d.room_hint.as_deref() == Some(room.as_str()))
        .count();
    if got == n {
        Ok(())
    } else {
        Err(format!("{got} device(s) with roomHint {room}"))
    }
}

#[then(regex = r"^AiSEG2の(\d+)つ目の「(.+)」が「(.+)」になっている$")]
async fn nth_device_state(w: &mut QaWorld, n: usize, name: String, expected: String) -> Step {
    let sim = w.sim()?;
    let device = sim
        .aiseg_devices(&w.email)
        .into_iter()
        .filter(|d| d.name == name)
        .nth(n.saturating_sub(1))
        .ok_or(format!("no {n}つ目の「{name}」"))?;
    let described = crate::describe_state(&sim.device_state(&w.email, &device.id).ok_or("no state")?);
    if described.contains(&expected) {
        Ok(())
    } else {
        Err(format!("{n}つ目の「{name}」 is {described}"))
    }
}

#[then(regex = r"^このCLUB Panasonic IDのスマートスピーカー利用者は「(.+)」である$")]
async fn speaker_users_of_id(w: &mut QaWorld, expected: String) -> Step {
    let registrations = w.sim()?.speaker_registrations(&w.email);
    let got = registrations.iter().map(|r| r.nickname.as_str()).collect::<Vec<_>>().join("」「");
    if got == expected {
        Ok(())
    } else {
        Err(format!("the ID's speaker users are 「{got}」"))
    }
}

#[then(regex = r"^「(.+)」のスマートスピーカー連携サービスのニックネームは「(.+)」である$")]
async fn someone_registered(w: &mut QaWorld, email: String, nickname: String) -> Step {
    let r = w.sim()?.speaker_registration(&email).ok_or(format!("{email} has no registration"))?;
    if r.nickname == nickname {
        Ok(())
    } else {
        Err(format!("{email} is registered as 「{}」", r.nickname))
    }
}

// ── App Flip: Google Home asks this app to approve the link ───────────────────────────────

async fn send_app_flip(w: &mut QaWorld, request: smarthems_simcloud::AppFlipRequest) -> Step {
    let core_request = smarthems::flow::AppFlipRequest {
        client_id: request.client_id.clone(),
        scope: request.scope.clone(),
        state: request.state.clone(),
        redirect_uri: request.redirect_uri.clone(),
        caller_verified: true,
    };
    w.app_flip = Some(request);
    w.app()?.app_flip(core_request).await;
    w.after_step().await
}

/// The person starts linking in Google Home; Google decides how (App Flip or its browser).
async fn start_linking(w: &mut QaWorld) -> Result<smarthems_simcloud::LinkStart, String> {
    w.google_outcome = None;
    let start = w.sim()?.google_start_link(w.google_account()).await?;
    match &start {
        smarthems_simcloud::LinkStart::AppFlip(request) => {
            crate::report::note("Google Home: App Flip でこのアプリを開く");
            send_app_flip(w, request.clone()).await?;
        }
        smarthems_simcloud::LinkStart::Browser => {
            crate::report::note("Google Home: アプリを開けないため、CLUB Panasonicのログイン画面を表示");
        }
    }
    Ok(start)
}

#[given(regex = r"^Google HomeアプリからスマートHEMSサービスアプリを開けない$")]
#[when(regex = r"^Google HomeアプリからスマートHEMSサービスアプリを開けない$")]
async fn app_not_on_phone(w: &mut QaWorld) -> Step {
    w.sim()?.set_app_on_phone(w.google_account(), false);
    Ok(())
}

#[when(regex = r"^Google Homeアプリで連携を始める$")]
async fn begin_linking(w: &mut QaWorld) -> Step {
    start_linking(w).await.map(drop)
}

#[when(regex = r"^Google HomeアプリがApp Flipでこのアプリに連携の承認を求める$")]
async fn app_flip(w: &mut QaWorld) -> Step {
    match start_linking(w).await? {
        smarthems_simcloud::LinkStart::AppFlip(_) => Ok(()),
        smarthems_simcloud::LinkStart::Browser => {
            Err("Google Home could not open the app and showed its login page instead".into())
        }
    }
}

#[when(regex = r"^偽のアプリがApp Flipを装って連携の承認を求める（戻り先が違う）$")]
async fn forged_app_flip(w: &mut QaWorld) -> Step {
    crate::report::note("偽の App Flip 要求");
    let mut request = w.sim()?.google_app_flip_request();
    request.redirect_uri = "https://evil.example/a/jp.co.panasonic.smarthems".into();
    send_app_flip(w, request).await
}

/// Google Home reads the app's last answer: the redirect it was given, or none (the app refused).
async fn google_reads_answer(w: &mut QaWorld) -> Result<smarthems_simcloud::LinkOutcome, String> {
    let request = w.app_flip.clone().ok_or("no App Flip request was made")?;
    let answer = w.phone.app_flip_answers.lock().unwrap().last().cloned().ok_or("the app gave Google no answer")?;
    let redirect = match answer {
        smarthems::flow::AppFlipAnswer::Approved { redirect, .. }
        | smarthems::flow::AppFlipAnswer::Declined { redirect }
        | smarthems::flow::AppFlipAnswer::Unavailable { redirect } => Some(redirect),
        smarthems::flow::AppFlipAnswer::Refused => None,
    };
    let outcome = w.sim()?.google_finish_app_flip(w.google_account(), &request, redirect.as_deref()).await?;
    crate::report::note(&format!("Google Home: App Flip の結果 {outcome:?}"));
    w.google_outcome = Some(outcome);
    Ok(outcome)
}

#[when(regex = r"^Google Homeがアプリの答えを受け取る$")]
async fn google_takes_answer(w: &mut QaWorld) -> Step {
    google_reads_answer(w).await.map(drop)
}

#[when(regex = r"^Google Homeがアプリの答えを受け取り、機器を追加する$")]
async fn google_takes_answer_and_syncs(w: &mut QaWorld) -> Step {
    match google_reads_answer(w).await? {
        smarthems_simcloud::LinkOutcome::Finished => Ok(()),
        other => Err(format!("Google Home did not link: {other:?}")),
    }
}

#[then(regex = r"^Google Homeは連携が完了しなかったと表示する$")]
async fn google_says_not_linked(w: &mut QaWorld) -> Step {
    match w.google_outcome {
        Some(smarthems_simcloud::LinkOutcome::Cancelled) if !w.sim()?.google_shows_login(w.google_account()) => Ok(()),
        other => Err(format!(
            "Google Home ended with {other:?} (login page shown: {})",
            w.sim()?.google_shows_login(w.google_account())
        )),
    }
}

#[then(regex = r"^Google HomeにCLUB Panasonicのログイン画面が表示される$")]
async fn google_shows_login(w: &mut QaWorld) -> Step {
    if w.sim()?.google_shows_login(w.google_account()) {
        Ok(())
    } else {
        Err("Google Home shows no CLUB Panasonic login page".into())
    }
}

#[then(regex = r"^Google Homeへの答えは「(承認|拒否|ログインが必要|今は承認できない|受付不可)」である$")]
async fn google_answer_was(w: &mut QaWorld, kind: String) -> Step {
    let answer = w.phone.app_flip_answers.lock().unwrap().last().cloned().ok_or("the app gave Google no answer")?;
    let got = match answer {
        smarthems::flow::AppFlipAnswer::Approved { .. } => "承認",
        smarthems::flow::AppFlipAnswer::Declined { .. } => "拒否",
        smarthems::flow::AppFlipAnswer::Unavailable { redirect } if redirect.contains("error=login_required") => {
            "ログインが必要"
        }
        smarthems::flow::AppFlipAnswer::Unavailable { .. } => "今は承認できない",
        smarthems::flow::AppFlipAnswer::Refused => "受付不可",
    };
    if got == kind {
        Ok(())
    } else {
        Err(format!("the app answered {got}"))
    }
}
