//! Speaker registration, transition by transition and screen by screen.

use crate::flow::testing::*;
use crate::flow::*;

#[test]
fn each_speaker_transition() {
    let devices = DEVICES;
    let none = || draft_with(&devices, &[]);
    let one = || draft_with(&devices, &["ac-1"]);
    let registration = Registration {
        nickname: "たろう".into(),
        device_ids: vec!["ac-1".into()],
        rooms: Default::default(),
        privacy_version: "p1".into(),
        speaker_terms_version: "s1".into(),
        provider: SpeakerProvider::GoogleHome,
        move_here: false,
    };
    let taken = SpeakerDraft { nickname_error: Some(NicknameError::TakenElsewhere), ..complete() };
    let home = Screen::Home { display_name: "太郎".into(), speaker_nickname: None, speaker_linked: None };

    #[rustfmt::skip]
    let cases: Vec<(&str, State, Event, Screen, Vec<Effect>)> = vec![
        ("登録する with a valid nickname loads the privacy policy",
            speaking(Screen::Nickname, none()), Event::Tap(Action::SubmitNickname), busy(Activity::LoadingPrivacyPolicy), vec![Effect::LoadTerms(TermsKind::Privacy)]),
        ("登録する with a blank nickname stays and explains",
            speaking(Screen::Nickname, SpeakerDraft { nickname: "　".into(), ..none() }), Event::Tap(Action::SubmitNickname), Screen::Nickname, vec![]),
        ("登録をやめる: home, nothing registered",
            speaking(Screen::Nickname, none()), Event::Tap(Action::CancelSpeaker), home.clone(), vec![]),
        ("the privacy policy arrives",
            speaking(busy(Activity::LoadingPrivacyPolicy), none()), Event::TermsLoaded { kind: TermsKind::Privacy, terms: terms("p1") }, Screen::PrivacyPolicy { terms: terms("p1") }, vec![]),
        ("同意する on the privacy policy reads the AiSEG2's devices",
            speaking(Screen::PrivacyPolicy { terms: terms("p1") }, none()), Event::Tap(Action::AcceptTerms), busy(Activity::LoadingDevices), vec![Effect::LoadDevices]),
        ("同意しない on the privacy policy stops the registration",
            speaking(Screen::PrivacyPolicy { terms: terms("p1") }, none()), Event::Tap(Action::DeclineTerms), Screen::SpeakerCancelled, vec![]),
        ("the devices arrive",
            speaking(busy(Activity::LoadingDevices), none()), Event::DevicesLoaded(vec![]), Screen::DeviceSelection, vec![]),
        ("次へ is disabled while nothing is chosen",
            speaking(Screen::DeviceSelection, none()), Event::Tap(Action::ConfirmDevices), Screen::DeviceSelection, vec![]),
        ("次へ with a device chosen: account link",
            speaking(Screen::DeviceSelection, one()), Event::Tap(Action::ConfirmDevices), Screen::AccountLink, vec![]),
        ("こちらへ reads the AiSEG2 again",
            speaking(Screen::DeviceSelection, one()), Event::Tap(Action::RefreshDevices), busy(Activity::LoadingDevices), vec![Effect::LoadDevices]),
        ("Google Home loads the speaker terms",
            speaking(Screen::AccountLink, one()), Event::Tap(Action::ChooseSpeaker { provider: SpeakerProvider::GoogleHome }), busy(Activity::LoadingSpeakerTerms), vec![Effect::LoadTerms(TermsKind::Speaker)]),
        ("同意する on the speaker terms: example utterances",
            speaking(Screen::SpeakerTerms { terms: terms("s1") }, one()), Event::Tap(Action::AcceptTerms), Screen::Utterances, vec![]),
        ("同意しない on the speaker terms stops the registration",
            speaking(Screen::SpeakerTerms { terms: terms("s1") }, one()), Event::Tap(Action::DeclineTerms), Screen::SpeakerCancelled, vec![]),
        ("登録 registers everything at once",
            speaking(Screen::Utterances, complete()), Event::Tap(Action::Register), busy(Activity::Registering), vec![Effect::Register(registration.clone())]),
        ("killed while registering: register again (the PUT is idempotent)",
            speaking(busy(Activity::Registering), complete()), Event::VersionsChecked { need: None }, busy(Activity::Registering), vec![Effect::Register(registration.clone())]),
        ("registered: hand off to Google Home",
            speaking(busy(Activity::Registering), complete()), Event::Registered, Screen::HandOff, vec![]),
        ("the cloud refuses the nickname: back to it",
            speaking(busy(Activity::Registering), complete()), Event::Failed(Failure::NicknameRefused), Screen::Nickname, vec![]),
        ("another phone under the ID holds the nickname: back to it, to move it here or choose another",
            speaking(busy(Activity::Registering), complete()), Event::Failed(Failure::NicknameTaken), Screen::Nickname, vec![]),
        ("このスマートフォンに移す registers again, taking the nickname over",
            speaking(Screen::Nickname, taken.clone()), Event::Tap(Action::MoveRegistrationHere), busy(Activity::Registering),
            vec![Effect::Register(Registration { move_here: true, ..registration.clone() })]),
        ("a chosen device vanished: read the list again",
            speaking(busy(Activity::Registering), complete()), Event::Failed(Failure::DevicesChanged), busy(Activity::LoadingDevices), vec![Effect::LoadDevices]),
        ("terms changed while registering: the privacy policy again",
            speaking(busy(Activity::Registering), complete()), Event::Failed(Failure::TermsOutdated), busy(Activity::LoadingPrivacyPolicy), vec![Effect::LoadTerms(TermsKind::Privacy)]),
        ("Google Home 起動",
            speaking(Screen::HandOff, complete()), Event::Tap(Action::OpenGoogleHome), Screen::WaitingForGoogleHome, vec![Effect::OpenGoogleHome]),
        ("back in the foreground: check the link",
            speaking(Screen::WaitingForGoogleHome, complete()), Event::Foregrounded, busy(Activity::CheckingLink), vec![Effect::CheckLink]),
        ("foreground elsewhere does nothing",
            speaking(Screen::HandOff, complete()), Event::Foregrounded, Screen::HandOff, vec![]),
        ("killed while in Google Home: look quietly on launch",
            speaking(Screen::WaitingForGoogleHome, complete()), Event::VersionsChecked { need: None }, Screen::WaitingForGoogleHome, vec![Effect::CheckLink]),
        ("the quiet look finds the link: done (25)",
            speaking(Screen::WaitingForGoogleHome, complete()), Event::LinkChecked { linked: true }, Screen::SpeakerDone, vec![]),
        ("the quiet look finds none: the screen stays as it was",
            speaking(Screen::WaitingForGoogleHome, complete()), Event::LinkChecked { linked: false }, Screen::WaitingForGoogleHome, vec![]),
        ("the quiet look fails: the screen stays as it was",
            speaking(Screen::WaitingForGoogleHome, complete()), Event::Failed(Failure::Offline), Screen::WaitingForGoogleHome, vec![]),
        ("linked: done (25)",
            speaking(busy(Activity::CheckingLink), complete()), Event::LinkChecked { linked: true }, Screen::SpeakerDone, vec![]),
        ("not linked: troubleshooting (p.10)",
            speaking(busy(Activity::CheckingLink), complete()), Event::LinkChecked { linked: false }, Screen::Troubleshooting, vec![]),
        ("troubleshooting opens Google Home again",
            speaking(Screen::Troubleshooting, complete()), Event::Tap(Action::OpenGoogleHome), Screen::WaitingForGoogleHome, vec![Effect::OpenGoogleHome]),
    ];
    for (name, state, event, screen, effects) in cases {
        let (next, got) = update(&state, event);
        assert_eq!(next.screen, screen, "{name}");
        assert_eq!(got, effects, "{name}");
    }
}

#[test]
fn typed_text_and_choices_survive_and_refresh_keeps_what_still_exists() {
    let devices = [("ac-1", "リビングのエアコン", Category::AirConditioner), ("li-1", "照明", Category::Light)];
    let state = speaking(Screen::Nickname, draft_with(&devices, &[]));
    let (typed, _) = update(&state, Event::Tap(Action::EditNickname { text: " たろう\u{202E}".into() }));
    let (refused, _) = update(&typed, Event::Tap(Action::SubmitNickname));
    let shown = view(&refused, Language::Japanese).input.unwrap();
    assert_eq!(shown.value, " たろう\u{202E}", "what was typed is kept, even when refused");
    assert!(shown.error.unwrap().contains("見えない文字"));

    let choosing = speaking(Screen::DeviceSelection, draft_with(&devices, &[]));
    let (chosen, _) = update(&choosing, Event::Tap(Action::ToggleCategory { category: Category::AirConditioner }));
    let (chosen, _) = update(&chosen, Event::Tap(Action::ToggleDevice { id: "li-1".into() }));
    let (refreshing, _) = update(&chosen, Event::Tap(Action::RefreshDevices));
    let (refreshed, _) = update(
        &refreshing,
        Event::DevicesLoaded(vec![Device {
            id: "ac-1".into(),
            name: "リビングのエアコン".into(),
            category: Category::AirConditioner,
        }]),
    );
    let selection = &refreshed.speaker.unwrap().selection;
    assert_eq!(selection.chosen.iter().collect::<Vec<_>>(), ["ac-1"]);
}

#[test]
fn device_screen_lists_categories_toggles_and_voice_warnings() {
    let devices = [
        ("ac-1", "エアコンA", Category::AirConditioner),
        ("li-1", "照明", Category::Light),
        ("li-2", "照明", Category::Light),
    ];
    let state = speaking(Screen::DeviceSelection, draft_with(&devices, &["ac-1", "li-1", "li-2"]));
    let v = view(&state, Language::Japanese);
    let labels: Vec<_> = v.buttons.iter().map(|b| (b.label.as_str(), b.checked, b.section.as_deref())).collect();
    assert_eq!(labels[0], ("エアコン 全て", Some(true), Some("エアコン")));
    assert_eq!(labels[1], ("エアコンA", Some(true), Some("エアコン")));
    assert_eq!(labels[2], ("照明 全て", Some(true), Some("照明")));
    assert!(v.buttons[1].hint.as_ref().unwrap().contains("アルファベット"));
    assert!(v.buttons[3].hint.as_ref().unwrap().contains("複数"));
    assert!(v.buttons.last().unwrap().enabled, "次へ is enabled with devices chosen");
}

#[test]
fn every_speaker_path_gets_back_home() {
    let graph = explored();
    for screen in
        [Screen::Nickname, Screen::DeviceSelection, Screen::Utterances, Screen::Troubleshooting, Screen::SpeakerDone]
    {
        assert!(graph.states.iter().any(|s| s.screen == screen), "{screen:?} is reachable");
    }
}

#[test]
fn rooms_are_suggested_from_names_editable_and_registered() {
    let state =
        speaking(busy(Activity::LoadingDevices), SpeakerDraft { nickname: "たろう".into(), ..SpeakerDraft::default() });
    let devices = vec![
        Device { id: "li-3".into(), name: "子供部屋の照明".into(), category: Category::Light },
        Device { id: "li-1".into(), name: "照明".into(), category: Category::Light },
    ];
    let (choosing, _) = update(&state, Event::DevicesLoaded(devices));
    let rooms = &choosing.speaker.as_ref().unwrap().rooms;
    assert_eq!(rooms.get("li-3").map(String::as_str), Some("子供部屋"), "suggested from the name");
    assert_eq!(rooms.get("li-1"), None);
    let (set, _) = update(&choosing, Event::Tap(Action::SetRoom { id: "li-1".into(), room: " 寝室 ".into() }));
    let (set, _) = update(&set, Event::Tap(Action::SetRoom { id: "nope".into(), room: "x".into() }));
    let shown = view(&set, Language::Japanese);
    assert!(shown
        .buttons
        .iter()
        .any(|b| b.label == "照明" && b.detail.as_deref() == Some("部屋：寝室") && b.value.as_deref() == Some("寝室")));
    let (both, _) = update(&set, Event::Tap(Action::ToggleCategory { category: Category::Light }));
    let draft = both.speaker.clone().unwrap();
    assert!(!draft.rooms.contains_key("nope"), "a room for a device that is not listed is refused");
    let complete = State {
        speaker: Some(SpeakerDraft {
            privacy_version: Some("p".into()),
            speaker_terms_version: Some("s".into()),
            provider: Some(SpeakerProvider::GoogleHome),
            ..draft
        }),
        ..both
    };
    let (_, effects) = update(&State { screen: Screen::Utterances, ..complete.clone() }, Event::Tap(Action::Register));
    let Some(Effect::Register(registration)) = effects.first() else { panic!("{effects:?}") };
    assert_eq!(registration.rooms.get("li-1").map(String::as_str), Some("寝室"));
    let examples = view(&State { screen: Screen::Utterances, ..complete }, Language::Japanese).body;
    assert!(examples.iter().any(|l| l.contains("子供部屋の照明をつけて")), "{examples:?}");
}

/// A nickname another phone registered under the same ID: 「このスマートフォンに移す」 is offered
/// for that nickname only; typing another one withdraws it.
#[test]
fn a_nickname_held_by_another_phone_can_be_moved_here_or_changed() {
    let labels = |s: &State| view(s, Language::Japanese).buttons.iter().map(|b| b.label.clone()).collect::<Vec<_>>();
    let move_here = "このスマートフォンに移す".to_owned();
    let (taken, _) = update(&speaking(busy(Activity::Registering), complete()), Event::Failed(Failure::NicknameTaken));
    assert!(labels(&taken).contains(&move_here));
    assert!(view(&taken, Language::Japanese)
        .input
        .and_then(|i| i.error)
        .is_some_and(|e| e.contains("別のスマートフォンから登録されています")));
    // 「登録する」 with the same nickname stays here: it would only be refused again three screens on.
    let (again, effects) = update(&taken, Event::Tap(Action::SubmitNickname));
    assert_eq!((again.screen.clone(), effects), (Screen::Nickname, vec![]));
    let (typed, _) = update(&taken, Event::Tap(Action::EditNickname { text: "はなこ".into() }));
    assert!(!labels(&typed).contains(&move_here));
    assert!(!typed.speaker.as_ref().unwrap().move_here);
    assert!(!labels(&speaking(Screen::Nickname, complete())).contains(&move_here));

    // Moved: the registration brought its Google link along, so the app looks instead of sending
    // the user to Google Home again; the flag does not outlive the registration.
    let (moving, _) = update(&taken, Event::Tap(Action::MoveRegistrationHere));
    let (moved, effects) = update(&moving, Event::Registered);
    assert_eq!((moved.screen.clone(), effects), (Screen::HandOff, vec![Effect::CheckLink]));
    assert!(!moved.registered.as_ref().unwrap().move_here);
    let (done, _) = update(&moved, Event::LinkChecked { linked: true });
    assert_eq!(done.screen, Screen::SpeakerDone);
    let (not_linked, _) = update(&moved, Event::LinkChecked { linked: false });
    assert_eq!(not_linked.screen, Screen::HandOff, "no link came along: Google Home as usual");
}

/// What is typed is capped where it enters: a huge paste keeps its first 200 characters, and
/// 「登録する」 says it is too long.
#[test]
fn a_huge_paste_into_the_nickname_is_capped_and_refused_as_too_long() {
    let nickname = speaking(Screen::Nickname, SpeakerDraft::default());
    let (typed, _) = update(&nickname, Event::Tap(Action::EditNickname { text: "あ".repeat(1 << 20) }));
    assert_eq!(typed.speaker.as_ref().unwrap().nickname, "あ".repeat(crate::flow::speaker::TYPED_CHARS));
    let (submitted, effects) = update(&typed, Event::Tap(Action::SubmitNickname));
    assert_eq!(effects, vec![]);
    assert!(submitted.speaker.unwrap().nickname_error.is_some());
}
