//! What the user sees while registering the smart speaker service (flow B, steps 12–25, p.10).

use super::screen::{finish, Button, Screen, ScreenView, TextInput};
use super::{nickname, voice, Action, Language, SpeakerDraft, SpeakerProvider, State};

/// The view of a speaker-registration screen.
pub(super) fn view(screen: &Screen, state: &State, lang: Language) -> ScreenView {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let button = |ja: &str, en: &str, action: Action, primary: bool| Button::new(t(ja, en), action, primary);
    let empty = SpeakerDraft::default();
    let draft = state.speaker.as_ref().unwrap_or(&empty);
    let mut input = None;

    let (title, body, buttons) = match screen {
        Screen::Nickname => {
            input = Some(TextInput {
                label: t("ニックネーム", "Nickname"),
                value: draft.nickname.clone(),
                max_chars: nickname::MAX_CHARS as u32,
                error: draft.nickname_error.map(|e| e.message(lang)),
            });
            let mut buttons = vec![button("登録する", "Register", Action::SubmitNickname, true)];
            // Only right after the cloud said another phone holds it, and only for that nickname.
            if draft.nickname_error == Some(nickname::NicknameError::TakenElsewhere) {
                buttons.push(button("このスマートフォンに移す", "Move to this phone", Action::MoveRegistrationHere, false));
            }
            buttons.push(button("登録をやめる", "Stop registering", Action::CancelSpeaker, false));
            (
                t("ニックネーム登録", "Nickname"),
                vec![t(
                    "スマートスピーカーを利用するアカウントのニックネームを設定してください。",
                    "Set the nickname of the account that will use the smart speaker.",
                )],
                buttons,
            )
        }
        Screen::PrivacyPolicy { terms } | Screen::SpeakerTerms { terms } => (
            terms.title.clone(),
            vec![
                t("内容をご確認のうえ「同意する」をタップしてください。", "Please read and tap 'Agree'."),
                terms.body.clone(),
            ],
            vec![
                button("同意する", "Agree", Action::AcceptTerms, true),
                button("同意しない", "Disagree", Action::DeclineTerms, false),
            ],
        ),
        Screen::DeviceSelection => {
            let selection = &draft.selection;
            let chosen = selection.chosen_devices();
            let warnings = voice::check(&chosen, &draft.rooms);
            let mut buttons = Vec::with_capacity(selection.devices.len() + 10);
            for (category, devices) in selection.groups() {
                let section = category.label(lang);
                buttons.push(Button {
                    checked: Some(selection.all_chosen(category)),
                    section: Some(section.clone()),
                    ..Button::new(format!("{section} {}", t("全て", "All")), Action::ToggleCategory { category }, false)
                });
                for device in devices {
                    let room = draft.rooms.get(&device.id);
                    let hint = warnings
                        .get(&device.id)
                        .and_then(|w| w.first())
                        .map(|w| voice::advice(device, *w, room.map(String::as_str), lang));
                    buttons.push(Button {
                        checked: Some(selection.chosen.contains(&device.id)),
                        section: Some(section.clone()),
                        hint,
                        detail: Some(match room {
                            Some(room) => lang.pick(&format!("部屋：{room}"), &format!("Room: {room}")),
                            None => t("部屋：未設定", "Room: not set"),
                        }),
                        ..Button::new(device.name.clone(), Action::ToggleDevice { id: device.id.clone() }, false)
                    });
                }
            }
            buttons.push(button(
                "AiSEGに登録されている機器と異なる場合は、こちらへ",
                "If this differs from the devices on your AiSEG, tap here",
                Action::RefreshDevices,
                false,
            ));
            buttons.push(Button { enabled: !chosen.is_empty(), ..button("次へ", "Next", Action::ConfirmDevices, true) });
            let mut body = vec![t("音声で操作する機器名称を指定してください。", "Choose the devices to control by voice.")];
            if selection.devices.is_empty() {
                body.push(t(
                    "AiSEG2に音声で操作できる機器が登録されていません。AiSEG2で機器を登録してから「こちらへ」をタップしてください。",
                    "The AiSEG2 has no devices that can be controlled by voice. Register devices on the AiSEG2, then tap the link below.",
                ));
            }
            (t("音声操作機器選択", "Voice-controlled devices"), body, buttons)
        }
        Screen::AccountLink => (
            t("アカウントリンク", "Account linking"),
            vec![t("スマートスピーカーとCLUB Panasonic IDを連携します。", "Link your smart speaker with your CLUB Panasonic ID.")],
            vec![Button::new("Google Home".into(), Action::ChooseSpeaker { provider: SpeakerProvider::GoogleHome }, true)],
        ),
        Screen::Utterances => {
            let chosen = draft.selection.chosen_devices();
            let mut body = vec![t("以下のように話しかけてください。", "Talk to your speaker like this:")];
            for (heading, lines) in voice::examples(&chosen, &draft.rooms, lang) {
                body.push(heading);
                body.extend(lines);
            }
            body.extend(voice::cautions(lang));
            let warnings = voice::check(&chosen, &draft.rooms);
            for device in &chosen {
                if let Some(w) = warnings.get(&device.id).and_then(|w| w.first()) {
                    let room = draft.rooms.get(&device.id).map(String::as_str);
                    body.push(format!("⚠ {}", voice::advice(device, *w, room, lang)));
                }
            }
            (t("発話例", "Example commands"), body, vec![button("登録", "Register", Action::Register, true)])
        }
        Screen::HandOff => (
            t("Google Home と連携", "Link with Google Home"),
            vec![
                t("Google Homeアプリを起動しスマートスピーカーと連携します。", "Open the Google Home app to link your smart speaker."),
                t(
                    "Google Homeアプリでログインし、「許可」をタップして、機器・家・場所を選んでください。終わったらこのアプリに戻ってください。",
                    "In Google Home, log in, tap 'Allow', and choose devices, home and rooms. Then come back to this app.",
                ),
            ],
            vec![button("Google Home 起動", "Open Google Home", Action::OpenGoogleHome, true)],
        ),
        Screen::WaitingForGoogleHome => (
            t("Google Homeで連携しています", "Linking in Google Home"),
            vec![t(
                "Google Homeアプリで連携を完了してから、このアプリに戻ってください。",
                "Finish linking in the Google Home app, then come back to this app.",
            )],
            vec![
                button("連携を確認する", "Check the link", Action::CheckLink, true),
                button("Google Home 起動", "Open Google Home", Action::OpenGoogleHome, false),
            ],
        ),
        Screen::SpeakerDone => (
            t("連携が完了しました", "Linked"),
            vec![
                t(
                    "スマートフォンでの操作は完了です。音声で機器操作ができるか確認してください。",
                    "You're all set on the phone. Try controlling a device by voice.",
                ),
                done_example(state, lang),
                t("※Google Homeアプリで機器のアイコンをタップしても、機器操作はできません。", "Note: tapping a device's icon in Google Home does not operate it."),
                t("※機器はオフライン表示になります。動作には影響ありません。", "Note: devices show as offline in Google Home. This does not affect voice control."),
            ],
            vec![
                button("ホームへ", "Go to home", Action::GoHome, true),
                button("音声で操作できないとき", "Voice control doesn't work", Action::VoiceNotWorking, false),
            ],
        ),
        Screen::Troubleshooting => (
            // p.10 covers both: the link never showed up, or it did and the speaker does not respond.
            if state.speaker_linked == Some(true) {
                t("音声で操作できないとき", "When voice control doesn't work")
            } else {
                t("連携が確認できませんでした", "The link could not be confirmed")
            },
            vec![
                t(
                    "Google Homeとの連携が完了していないか、音声で操作できない状態です。次の手順でリンクし直してください。",
                    "Linking with Google Home did not complete, or voice control does not work. Relink as follows.",
                ),
                t("1. Google Homeアプリをタップする", "1. Tap the Google Home app"),
                t("2. 画面右下の［設定］をタップする", "2. Tap [Settings] at the bottom right"),
                t("3. ［Google と連携させる］をタップする", "3. Tap [Works with Google]"),
                t("4. ［AISEG］をタップする", "4. Tap [AISEG]"),
                t("5. ［アカウントのリンクを解除］をタップする", "5. Tap [Unlink account]"),
                t(
                    "6. CLUB Panasonicのログイン画面が表示されたら、メールアドレスとパスワードを入力し［ログインする］をタップする（機種によってはこの画面が表示されず7に進みます）",
                    "6. When the CLUB Panasonic login page appears, enter your e-mail address and password and tap [Log in] (on some phones this page is skipped)",
                ),
                relink_step(state, lang),
            ],
            vec![
                button("Google Home 起動", "Open Google Home", Action::OpenGoogleHome, true),
                button("ホームへ", "Go to home", Action::GoHome, false),
            ],
        ),
        Screen::SpeakerCancelled => (
            t("スマートスピーカー連携サービスの登録を中止しました", "Smart speaker registration stopped"),
            vec![t(
                "同意いただけなかったため、登録は行われていません。登録するには、もう一度最初からお手続きください。",
                "Nothing was registered because you did not agree. To register, start again from the beginning.",
            )],
            vec![
                button("ホームへ", "Go to home", Action::GoHome, true),
                button("最初から登録する", "Start again", Action::RegisterSpeaker, false),
            ],
        ),
        // screen.rs sends only the screens above here; anything else gets a way home, not a crash.
        _ => (t("ホーム", "Home"), vec![], vec![button("ホームへ", "Go to home", Action::GoHome, true)]),
    };
    finish(state, lang, title, body, buttons, input)
}

/// Step 25's "try a voice command", with the first command the user's own devices allow.
fn done_example(state: &State, lang: Language) -> String {
    let example = state.registered.as_ref().and_then(|draft| {
        let chosen = draft.selection.chosen_devices();
        voice::examples(&chosen, &draft.rooms, lang).into_iter().next().and_then(|(_, lines)| lines.into_iter().next())
    });
    match example {
        Some(line) => lang.pick(&format!("例：{line}"), &format!("For example: {line}")),
        None => lang.pick("例：「OK Google、リビングのエアコンを冷房にして」", "For example: \"OK Google, set the living room air conditioner to cool\""),
    }
}

/// p.10's last step points back into the guide: B's steps 20–25, or C's 22–27.
fn relink_step(state: &State, lang: Language) -> String {
    if state.speaker_only {
        lang.pick("7. 許可の画面が表示されたら、手順書の C の 22～27 に従って操作する", "7. When the permission page appears, follow steps 22–27 of part C of the guide")
    } else {
        lang.pick("7. 許可の画面が表示されたら、手順書の B の 20～25 に従って操作する", "7. When the permission page appears, follow steps 20–25 of part B of the guide")
    }
}
