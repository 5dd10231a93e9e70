//! Transition by transition, then the graph as a whole.

use super::*;

/// The explored graph, shared by the tests that read it (exploring takes a second or two).
fn explored() -> &'static graph::Graph {
    static GRAPH: std::sync::OnceLock<graph::Graph> = std::sync::OnceLock::new();
    GRAPH.get_or_init(graph::explore)
}

fn terms(version: &str) -> Terms {
    Terms { version: version.into(), title: "スマートHEMSサービス利用規約".into(), body: "第1条".into() }
}

fn taro() -> Account {
    Account { subject: "taro".into(), display_name: "太郎".into() }
}

fn on(screen: Screen) -> State {
    State { screen, account: Some(taro()), ..State::default() }
}

fn busy(activity: Activity) -> Screen {
    Screen::Busy { activity }
}

/// Google Home's App Flip request, as the façade hands it over after its checks.
fn google_request(state: &str) -> AppFlipRequest {
    AppFlipRequest {
        client_id: "google-home".into(),
        scope: "openid".into(),
        state: state.into(),
        redirect_uri: "https://oauth-redirect.googleusercontent.com/a/app".into(),
        caller_verified: true,
    }
}

fn firmware_need() -> UpdateNeed {
    UpdateNeed { target: UpdateTarget::Firmware, installed: "2.79".into(), required: "2.80".into() }
}

#[test]
fn each_transition() {
    let app_terms = Screen::AppTerms { terms: terms("2"), revised: false };
    let home = Screen::Home { display_name: "太郎".into(), speaker_nickname: None, speaker_linked: None };
    let answered = |screen: Screen| State { speaker_prompt_answered: true, ..on(screen) };
    let url = || IncomingUrl("jp.co.panasonic.smarthems:/oauth2redirect?code=c&state=s".into());

    #[rustfmt::skip]
    let cases: Vec<(&str, State, Event, Screen, Vec<Effect>)> = vec![
        ("welcome: CLUB Panasonic ログイン画面へ opens the login page",
            State::default(), Event::Tap(Action::OpenLogin), busy(Activity::OpeningLogin), vec![Effect::OpenLogin { create: false }]),
        ("the browser opened: wait for it",
            State { screen: busy(Activity::OpeningLogin), ..State::default() }, Event::LoginOpened, Screen::Login, vec![]),
        ("the redirect arrives while waiting: finish the login",
            State { screen: Screen::Login, ..State::default() }, Event::Incoming(url()), busy(Activity::SigningIn), vec![Effect::FinishLogin(url())]),
        ("a redirect when no login is waiting does nothing",
            State::default(), Event::Incoming(url()), Screen::Welcome, vec![]),
        ("cancel while waiting forgets the login",
            State { screen: Screen::Login, ..State::default() }, Event::Tap(Action::CancelLogin), Screen::Welcome, vec![Effect::ForgetLogin]),
        ("signed in: step 1's check first, now that the AiSEG2 is known",
            State { screen: busy(Activity::SigningIn), ..State::default() }, Event::SignedIn(taro()), busy(Activity::LoadingTerms), vec![Effect::CheckVersions]),
        ("versions fine after the login: load the terms",
            on(busy(Activity::LoadingTerms)), Event::VersionsChecked { need: None }, busy(Activity::LoadingTerms), vec![Effect::CheckTerms]),
        ("the AiSEG2 is too old for the service: the update screen before anything else",
            on(busy(Activity::LoadingTerms)), Event::VersionsChecked { need: Some(firmware_need()) }, Screen::UpdateRequired { need: firmware_need() }, vec![]),
        ("terms never accepted: show them",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: None, legacy_speaker_user: false }, app_terms.clone(), vec![]),
        ("an older version accepted: show the revision",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("1".into()), legacy_speaker_user: false }, Screen::AppTerms { terms: terms("2"), revised: true }, vec![]),
        ("current version accepted, first time: the speaker question",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("2".into()), legacy_speaker_user: false }, Screen::SpeakerPrompt, vec![]),
        ("current version accepted, question answered: home",
            answered(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("2".into()), legacy_speaker_user: false }, home.clone(), vec![]),
        ("同意する saves the consent to that version",
            on(app_terms.clone()), Event::Tap(Action::AcceptTerms), busy(Activity::SavingConsent { version: "2".into() }), vec![Effect::SaveConsent { version: "2".into() }]),
        ("consent saved: the speaker question (step 5)",
            on(busy(Activity::SavingConsent { version: "2".into() })), Event::ConsentSaved, Screen::SpeakerPrompt, vec![]),
        ("同意しない explains why the app needs it",
            on(app_terms.clone()), Event::Tap(Action::DeclineTerms), Screen::TermsDeclined, vec![]),
        ("read the terms again",
            on(Screen::TermsDeclined), Event::Tap(Action::ReviewTerms), busy(Activity::LoadingTerms), vec![Effect::CheckTerms]),
        ("いいえ: home (6-A)",
            on(Screen::SpeakerPrompt), Event::Tap(Action::SkipSpeaker), home.clone(), vec![]),
        ("はい: speaker registration (6-B)",
            on(Screen::SpeakerPrompt), Event::Tap(Action::RegisterSpeaker), Screen::Nickname, vec![]),
        ("a button the screen does not show does nothing",
            on(Screen::SpeakerPrompt), Event::Tap(Action::AcceptTerms), Screen::SpeakerPrompt, vec![]),
        ("offline while loading: retry screen",
            on(busy(Activity::LoadingTerms)), Event::Failed(Failure::Offline), Screen::Problem { problem: Problem::Offline }, vec![]),
        ("5xx while saving: retry screen",
            on(busy(Activity::SavingConsent { version: "2".into() })), Event::Failed(Failure::ServiceTrouble), Screen::Problem { problem: Problem::ServiceTrouble }, vec![]),
        ("session ended while saving: log in again",
            on(busy(Activity::SavingConsent { version: "2".into() })), Event::Failed(Failure::SessionExpired), Screen::Problem { problem: Problem::SessionExpired }, vec![]),
        ("terms changed while reading: load the new ones",
            on(busy(Activity::SavingConsent { version: "2".into() })), Event::Failed(Failure::TermsOutdated), busy(Activity::LoadingTerms), vec![Effect::CheckTerms]),
        ("cancelled on the login page",
            State { screen: busy(Activity::SigningIn), ..State::default() }, Event::Failed(Failure::LoginCancelled), Screen::Problem { problem: Problem::LoginCancelled }, vec![]),
        ("a login answer that cannot be trusted",
            State { screen: busy(Activity::SigningIn), ..State::default() }, Event::Failed(Failure::LoginRejected), Screen::Problem { problem: Problem::LoginRejected }, vec![]),
        ("killed while signing in: the code is gone, log in again",
            State { screen: busy(Activity::SigningIn), ..State::default() }, Event::VersionsChecked { need: None }, Screen::Problem { problem: Problem::LoginInterrupted }, vec![]),
        ("killed while saving: save again",
            on(busy(Activity::SavingConsent { version: "2".into() })), Event::VersionsChecked { need: None }, busy(Activity::SavingConsent { version: "2".into() }), vec![Effect::SaveConsent { version: "2".into() }]),
        ("launched on a screen: stay there",
            on(Screen::SpeakerPrompt), Event::VersionsChecked { need: None }, Screen::SpeakerPrompt, vec![]),
        ("launched at home: refresh the terms quietly",
            answered(home.clone()), Event::VersionsChecked { need: None }, home.clone(), vec![Effect::CheckTerms]),
        ("revised terms found from home",
            answered(home.clone()), Event::TermsChecked { terms: terms("3"), accepted: Some("2".into()), legacy_speaker_user: false }, Screen::AppTerms { terms: terms("3"), revised: true }, vec![]),
        ("accepting a revision from home returns home",
            answered(busy(Activity::SavingConsent { version: "3".into() })), Event::ConsentSaved, home.clone(), vec![]),
        ("a failed quiet refresh keeps home",
            answered(home.clone()), Event::Failed(Failure::Offline), home.clone(), vec![]),
        ("ログアウト",
            answered(home.clone()), Event::Tap(Action::Logout), busy(Activity::SigningOut), vec![Effect::SignOut]),
        ("signed out: back to the start",
            answered(busy(Activity::SigningOut)), Event::SignedOut, Screen::Welcome, vec![]),
    ];

    for (name, state, event, screen, effects) in cases {
        let (next, got) = update(&state, event);
        assert_eq!(next.screen, screen, "{name}");
        assert_eq!(got, effects, "{name}");
    }
}

#[test]
fn retry_starts_the_failed_activity_again() {
    let saving = Activity::SavingConsent { version: "2".into() };
    let (failed, _) = update(&on(busy(saving.clone())), Event::Failed(Failure::Offline));
    let (again, effects) = update(&failed, Event::Tap(Action::Retry));
    assert_eq!(again.screen, busy(saving));
    assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);

    // A sign-in cut off by the network starts again from the login page (codes are one-time).
    let (failed, _) = update(&on(busy(Activity::SigningIn)), Event::Failed(Failure::Offline));
    assert_eq!(update(&failed, Event::Tap(Action::Retry)).1, vec![Effect::OpenLogin { create: false }]);
}

#[test]
fn logging_in_again_resumes_what_the_expired_session_interrupted() {
    let saving = Activity::SavingConsent { version: "2".into() };
    let (expired, _) = update(&on(busy(saving.clone())), Event::Failed(Failure::SessionExpired));
    let (signing_in, _) = update(&expired, Event::Tap(Action::OpenLogin));
    let (signing_in, _) = update(&signing_in, Event::LoginOpened);
    let (signing_in, _) = update(&signing_in, Event::Incoming(IncomingUrl("x".into())));
    let (resumed, _) = update(&signing_in, Event::SignedIn(taro()));
    let (resumed, effects) = update(&resumed, Event::VersionsChecked { need: None });
    assert_eq!(resumed.screen, busy(saving));
    assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);

    // Someone else logging in does not inherit it.
    let other = Account { subject: "hanako".into(), display_name: "花子".into() };
    let (fresh, effects) = update(&signing_in, Event::SignedIn(other.clone()));
    assert_eq!((fresh.screen.clone(), effects), (busy(Activity::LoadingTerms), vec![Effect::CheckVersions]));
    assert_eq!(fresh.account, Some(other));
    assert!(!fresh.speaker_prompt_answered);
}

#[test]
fn a_stray_link_leaves_a_notice_that_the_next_tap_clears() {
    let (noticed, _) = update(&on(Screen::SpeakerPrompt), Event::Incoming(IncomingUrl("x".into())));
    assert_eq!(noticed.notice, Some(Notice::LinkIgnored));
    assert!(view(&noticed, Language::Japanese).notice.unwrap().contains("このリンク"));
    // A relaunch shows the screen exactly as it was, message included.
    let (relaunched, _) = update(&noticed, Event::Launched);
    assert_eq!(relaunched.notice, Some(Notice::LinkIgnored));
    assert_eq!(update(&relaunched, Event::Tap(Action::SkipSpeaker)).0.notice, None);
}

#[test]
fn every_screen_speaks_both_languages() {
    for state in &explored().states {
        for lang in [Language::Japanese, Language::English] {
            let v = view(state, lang);
            assert!(!v.title.is_empty(), "{:?}", state.screen);
            // A screen with no buttons must be a passing one.
            assert!(v.busy || !v.buttons.is_empty(), "{:?} has no way forward", state.screen);
        }
        // English screens carry no Japanese, except texts from the cloud or the AiSEG2 (terms,
        // device names and the Japanese commands built from them).
        let en = view(state, Language::English);
        let japanese = |s: &str| s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c));
        if !matches!(
            state.screen,
            Screen::AppTerms { .. } | Screen::PrivacyPolicy { .. } | Screen::SpeakerTerms { .. } | Screen::Utterances | Screen::SpeakerDone
        ) {
            assert!(!japanese(&en.title) && !en.body.iter().any(|b| japanese(b)), "{:?}", state.screen);
        }
    }
}

#[test]
fn no_reachable_state_is_a_dead_end() {
    let graph = explored();
    assert!(graph.states.len() > 20, "exploration found too little: {}", graph.states.len());
    let stuck = graph.states_that_cannot_reach(|s| matches!(s.screen, Screen::Home { .. }));
    assert!(stuck.is_empty(), "states that can never reach home: {stuck:#?}");
}

#[test]
fn the_flow_picture_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/flow.md");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == graph::flow_document_of(explored()),
        "docs/flow.md is stale: run `cargo run -p smarthems --bin flowchart` and commit it"
    );
}

fn draft_with(devices: &[(&str, &str, Category)], chosen: &[&str]) -> SpeakerDraft {
    SpeakerDraft {
        nickname: "たろう".into(),
        selection: Selection {
            devices: devices.iter().map(|(id, name, c)| Device { id: (*id).into(), name: (*name).into(), category: *c }).collect(),
            chosen: chosen.iter().map(|s| (*s).to_owned()).collect(),
        },
        ..SpeakerDraft::default()
    }
}

fn speaking(screen: Screen, draft: SpeakerDraft) -> State {
    State { speaker: Some(draft), speaker_prompt_answered: true, ..on(screen) }
}

/// The AiSEG2 of the speaker-registration tests.
const DEVICES: [(&str, &str, Category); 2] = [("ac-1", "リビングのエアコン", Category::AirConditioner), ("li-1", "照明", Category::Light)];

/// A draft ready for 「登録」: the living-room AC chosen, both texts accepted, Google Home.
fn complete() -> SpeakerDraft {
    SpeakerDraft {
        privacy_version: Some("p1".into()),
        speaker_terms_version: Some("s1".into()),
        provider: Some(SpeakerProvider::GoogleHome),
        ..draft_with(&DEVICES, &["ac-1"])
    }
}

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
        Event::DevicesLoaded(vec![Device { id: "ac-1".into(), name: "リビングのエアコン".into(), category: Category::AirConditioner }]),
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
    for screen in [Screen::Nickname, Screen::DeviceSelection, Screen::Utterances, Screen::Troubleshooting, Screen::SpeakerDone] {
        assert!(graph.states.iter().any(|s| s.screen == screen), "{screen:?} is reachable");
    }
}

#[test]
fn launch_checks_versions_first_and_an_old_id_on_a_fresh_install() {
    assert_eq!(update(&State::default(), Event::Launched).1, vec![Effect::CheckOldId, Effect::CheckVersions]);
    assert_eq!(update(&on(Screen::SpeakerPrompt), Event::Launched).1, vec![Effect::CheckVersions]);

    let need = firmware_need();
    let saving = busy(Activity::SavingConsent { version: "2".into() });
    let (blocked, effects) = update(&on(saving.clone()), Event::VersionsChecked { need: Some(need.clone()) });
    assert_eq!((blocked.screen.clone(), effects), (Screen::UpdateRequired { need: need.clone() }, vec![]));
    let (checking, effects) = update(&blocked, Event::Tap(Action::CheckUpdates));
    assert_eq!(effects, vec![Effect::CheckVersions]);
    let (still, _) = update(&checking, Event::VersionsChecked { need: Some(need) });
    assert_eq!(still.return_to, vec![saving.clone()], "checking again does not stack screens");
    // Updated: the flow continues where it was, restarting the work in flight.
    let (resumed, effects) = update(&still, Event::VersionsChecked { need: None });
    assert_eq!(resumed.screen, saving);
    assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);
}

#[test]
fn old_id_migration_wipes_locally_then_logs_in() {
    let (migration, _) = update(&State::default(), Event::OldIdChecked { found: true });
    assert_eq!(migration.screen, Screen::Migration);
    let (wiping, effects) = update(&migration, Event::Tap(Action::Migrate));
    assert_eq!(effects, vec![Effect::WipeOldId]);
    let (opening, effects) = update(&wiping, Event::OldIdWiped);
    assert_eq!((opening.screen, effects), (busy(Activity::OpeningLogin), vec![Effect::OpenLogin { create: false }]));
}

#[test]
fn help_opens_from_any_screen_and_returns() {
    for screen in [Screen::Welcome, Screen::Nickname, Screen::Problem { problem: Problem::Offline }, Screen::Troubleshooting] {
        let state = speaking(screen.clone(), SpeakerDraft::default());
        let (loading, effects) = update(&state, Event::Tap(Action::OpenHelp));
        assert_eq!(effects, vec![Effect::LoadHelp], "{screen:?}");
        let (help, _) = update(&loading, Event::HelpLoaded { support: support::built_in(), now: 1_700_000_000 });
        let shown = view(&help, Language::Japanese);
        assert!(shown.body.iter().any(|b| b.contains("0120-081-701")), "{:?}", shown.body);
        let (back, _) = update(&help, Event::Tap(Action::CloseHelp));
        assert_eq!(back.screen, screen);
    }
}

#[test]
fn a_2d_code_starts_flow_c_without_app_terms() {
    let code = || RegistrationCode("c".repeat(24));
    // Not logged in: log in first, then claim the code; the app's terms are not asked.
    let (opening, effects) = update(&State::default(), Event::RegistrationLink(code()));
    assert_eq!(effects, vec![Effect::KeepCode(code()), Effect::OpenLogin { create: false }]);
    let (waiting, _) = update(&opening, Event::LoginOpened);
    let (signing, _) = update(&waiting, Event::Incoming(IncomingUrl("x".into())));
    let (checking, effects) = update(&signing, Event::SignedIn(taro()));
    assert_eq!((checking.screen.clone(), effects), (busy(Activity::ClaimingCode), vec![Effect::CheckVersions]));
    let (claiming, effects) = update(&checking, Event::VersionsChecked { need: None });
    assert_eq!((claiming.screen.clone(), effects), (busy(Activity::ClaimingCode), vec![Effect::ClaimCode]));
    assert_eq!(update(&claiming, Event::CodeClaimed).0.screen, Screen::Nickname);
    let (expired, _) = update(&claiming, Event::Failed(Failure::CodeExpired));
    assert_eq!(expired.screen, Screen::Problem { problem: Problem::CodeExpired });
    assert!(view(&expired, Language::Japanese).body[0].contains("新しい2次元コード"));

    // Logged in already: claim straight away.
    let (claiming, effects) = update(&on(Screen::SpeakerPrompt), Event::RegistrationLink(code()));
    assert_eq!((claiming.screen, effects), (busy(Activity::ClaimingCode), vec![Effect::KeepCode(code()), Effect::ClaimCode]));
}

#[test]
fn new_id_opens_registration() {
    let (opening, effects) = update(&State::default(), Event::Tap(Action::CreateId));
    assert_eq!((opening.screen, effects), (busy(Activity::OpeningRegistration), vec![Effect::OpenLogin { create: true }]));
}

#[test]
fn rooms_are_suggested_from_names_editable_and_registered() {
    let state = speaking(busy(Activity::LoadingDevices), SpeakerDraft { nickname: "たろう".into(), ..SpeakerDraft::default() });
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
    assert!(shown.buttons.iter().any(|b| b.label == "照明" && b.detail.as_deref() == Some("部屋：寝室")));
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

#[test]
fn app_flip_asks_the_user_and_answers_google() {
    let request = google_request("st");
    let waiting = speaking(Screen::WaitingForGoogleHome, SpeakerDraft::default());
    let (asking, effects) = update(&waiting, Event::AppFlip { request: request.clone(), valid: true });
    assert_eq!((asking.screen.clone(), effects), (Screen::AppFlipConsent { scope: "openid".into() }, vec![]));
    assert!(view(&asking, Language::Japanese).buttons.iter().any(|b| b.label == "同意してリンク"));

    let (approving, effects) = update(&asking, Event::Tap(Action::ApproveLink));
    assert_eq!(effects, vec![Effect::AuthorizeGoogle(request.clone())]);
    let (back, _) = update(&approving, Event::AppFlipAnswered);
    assert_eq!(back.screen, Screen::WaitingForGoogleHome, "back where the user was");

    let (declined, effects) = update(&asking, Event::Tap(Action::DeclineLink));
    assert_eq!(declined.screen, Screen::WaitingForGoogleHome);
    assert_eq!(
        effects,
        vec![Effect::AnswerGoogle(AppFlipAnswer::Declined {
            redirect: "https://oauth-redirect.googleusercontent.com/a/app?error=access_denied&state=st".into()
        })]
    );

    let (refused, effects) = update(&waiting, Event::AppFlip { request: request.clone(), valid: false });
    assert_eq!(refused.screen, Screen::WaitingForGoogleHome);
    assert_eq!(refused.notice, Some(Notice::LinkRequestRefused));
    assert_eq!(effects, vec![Effect::AnswerGoogle(AppFlipAnswer::Refused)]);

    let (logged_out, effects) = update(&State::default(), Event::AppFlip { request, valid: true });
    assert_eq!(logged_out.notice, Some(Notice::LogInFirst));
    // Not a "no": Google is told a login is needed and goes on with its own browser login.
    assert!(matches!(effects.as_slice(), [Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect })]
        if redirect.contains("error=login_required") && redirect.contains("state=")));
}

/// An approval that cannot reach the cloud is not the user's no: Google gets "cannot approve now"
/// (and goes on with its browser login), the user is back where they were and told why.
#[test]
fn app_flip_approval_that_fails_lets_google_use_its_browser() {
    let waiting = speaking(Screen::WaitingForGoogleHome, SpeakerDraft::default());
    let (asking, _) = update(&waiting, Event::AppFlip { request: google_request("st"), valid: true });
    let (approving, _) = update(&asking, Event::Tap(Action::ApproveLink));
    for (failure, error, notice) in [
        (Failure::Offline, "temporarily_unavailable", Notice::LinkNotAnswered),
        (Failure::ServiceTrouble, "temporarily_unavailable", Notice::LinkNotAnswered),
        (Failure::SessionExpired, "login_required", Notice::LinkNotAnswered),
        // Nothing registered on this phone: the user is told to register first, not to retry.
        (Failure::NotRegistered, "temporarily_unavailable", Notice::RegisterBeforeLinking),
    ] {
        let (back, effects) = update(&approving, Event::Failed(failure));
        let expected = format!("https://oauth-redirect.googleusercontent.com/a/app?error={error}&state=st");
        assert_eq!(effects, vec![Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect: expected })], "{failure:?}");
        assert_eq!((&back.screen, back.notice, &back.app_flip), (&Screen::WaitingForGoogleHome, Some(notice), &None));
        // Google Home then links in its browser: the warning is no longer true.
        let (done, _) = update(&back, Event::LinkChecked { linked: true });
        assert_eq!((done.screen, done.notice), (Screen::SpeakerDone, None));
    }
}

/// Rules that keep what the user sees true after the app was away: a C user is never asked the
/// app's terms, a login finishes with help open, Google Home's unlinking is noticed on return.
#[test]
fn coming_back_to_the_app() {
    let home = |nickname: Option<&str>| Screen::Home {
        display_name: "太郎".into(),
        speaker_nickname: nickname.map(Into::into),
        speaker_linked: Some(true),
    };
    let c_user = State {
        speaker_only: true,
        speaker_nickname: Some("たろう".into()),
        speaker_linked: Some(true),
        speaker_prompt_answered: true,
        ..on(home(Some("たろう")))
    };
    let mut help_over_login = State { screen: Screen::Help { support: support::built_in(), now: 0 }, ..State::default() };
    help_over_login.return_to.push(Screen::Login);
    let url = || IncomingUrl("app:/redirect?code=c&state=s".into());
    let registering = speaking(
        busy(Activity::Registering),
        SpeakerDraft { privacy_version: Some("1".into()), speaker_terms_version: Some("1".into()), ..SpeakerDraft::default() },
    );

    #[rustfmt::skip]
    let cases: Vec<(&str, State, Event, Screen, Vec<Effect>)> = vec![
        ("a C user relaunched at home: the link is checked, the app's terms are not asked",
            c_user.clone(), Event::VersionsChecked { need: None }, home(Some("たろう")), vec![Effect::CheckLink]),
        ("a C user logging in again goes home, not to the app's terms",
            State { account: None, screen: busy(Activity::SigningIn), ..c_user.clone() }, Event::SignedIn(taro()), home(Some("たろう")), vec![Effect::CheckVersions]),
        ("an app user relaunched at home: terms and link both refreshed",
            State { speaker_only: false, ..c_user.clone() }, Event::VersionsChecked { need: None }, home(Some("たろう")), vec![Effect::CheckTerms, Effect::CheckLink]),
        ("back from Google Home at home: is the link still there?",
            c_user.clone(), Event::Foregrounded, home(Some("たろう")), vec![Effect::CheckLink]),
        ("back at home with no speaker registered: nothing to check",
            on(home(None)), Event::Foregrounded, home(None), vec![]),
        ("the login redirect arrives while help is open over the login page",
            help_over_login.clone(), Event::Incoming(url()), busy(Activity::SigningIn), vec![Effect::FinishLogin(url())]),
        ("a redirect while help is open over another screen is not acted on",
            State { return_to: vec![Screen::Welcome], ..help_over_login.clone() }, Event::Incoming(url()), help_over_login.screen.clone(), vec![]),
        ("linked but the speaker does not respond: p.10's steps from home",
            c_user.clone(), Event::Tap(Action::VoiceNotWorking), Screen::Troubleshooting, vec![]),
        ("revised terms refuse a registration: both texts are asked again, privacy first",
            registering, Event::Failed(Failure::TermsOutdated), busy(Activity::LoadingPrivacyPolicy), vec![Effect::LoadTerms(TermsKind::Privacy)]),
    ];
    for (name, state, event, screen, effects) in cases {
        let (next, got) = update(&state, event);
        assert_eq!((next.screen.clone(), got), (screen, effects), "{name}");
        if name.starts_with("revised terms") {
            let draft = next.speaker.expect("the draft is kept");
            assert_eq!((draft.privacy_version, draft.speaker_terms_version), (None, None), "{name}");
        }
    }

    // A link that is not the service's is refused with its own message; ours at the wrong time is ignored.
    let (refused, effects) = update(&on(Screen::SpeakerPrompt), Event::StrayLink);
    assert_eq!((refused.notice, effects), (Some(Notice::LinkRefused), vec![]));
    assert!(view(&refused, Language::Japanese).notice.unwrap().contains("スマートHEMSサービスのものではない"));
    let (ignored, _) = update(&on(Screen::SpeakerPrompt), Event::Incoming(url()));
    assert_eq!(ignored.notice, Some(Notice::LinkIgnored));
}

#[test]
fn a_2d_code_mid_flow_starts_afresh() {
    let request = google_request("st");
    // Google Home is waiting for an answer, and an earlier failure and login left their next steps.
    let asking = State {
        app_flip: Some(request),
        retry: Some(Activity::LoadingDevices),
        after_login: Some(Activity::SavingConsent { version: "1".into() }),
        return_to: vec![Screen::WaitingForGoogleHome],
        ..on(Screen::AppFlipConsent { scope: "openid".into() })
    };
    let code = RegistrationCode("c".into());
    let (next, effects) = update(&asking, Event::RegistrationLink(code.clone()));
    assert_eq!(next.screen, busy(Activity::ClaimingCode));
    assert_eq!((next.app_flip, next.retry, next.after_login), (None, None, None));
    assert_eq!(
        effects,
        vec![
            Effect::AnswerGoogle(AppFlipAnswer::Declined {
                redirect: "https://oauth-redirect.googleusercontent.com/a/app?error=access_denied&state=st".into()
            }),
            Effect::KeepCode(code),
            Effect::ClaimCode,
        ]
    );
}

#[test]
fn a_newer_app_flip_request_replaces_the_waiting_one() {
    let request = google_request;
    let waiting = on(Screen::WaitingForGoogleHome);
    let (asked, _) = update(&waiting, Event::AppFlip { request: request("1"), valid: true });
    let (helped, _) = update(&asked, Event::Tap(Action::OpenHelp));
    let (helped, _) = update(&helped, Event::HelpLoaded { support: support::built_in(), now: 0 });
    // Again and again from help: the way back stays one consent deep, and answering returns to
    // where the user was before Google asked.
    let mut state = helped;
    for n in 2..5 {
        let (asked, _) = update(&state, Event::AppFlip { request: request(&n.to_string()), valid: true });
        assert_eq!(asked.return_to, vec![Screen::WaitingForGoogleHome]);
        let (helped, _) = update(&asked, Event::Tap(Action::OpenHelp));
        state = update(&helped, Event::HelpLoaded { support: support::built_in(), now: 0 }).0;
    }
    let (asked, _) = update(&state, Event::AppFlip { request: request("5"), valid: true });
    let (answered, effects) = update(&asked, Event::Tap(Action::DeclineLink));
    assert_eq!(answered.screen, Screen::WaitingForGoogleHome);
    assert!(matches!(&effects[..], [Effect::AnswerGoogle(AppFlipAnswer::Declined { redirect })] if redirect.contains("state=5")));
}

/// Home's quiet refresh asks two things at once; their answers arrive in turn and neither may
/// undo what the other showed, nor a failure of one turn into an error screen.
#[test]
fn quiet_answers_never_move_the_user() {
    let home = Screen::Home { display_name: "太郎".into(), speaker_nickname: Some("たろう".into()), speaker_linked: Some(true) };
    let linked_user = State {
        speaker_nickname: Some("たろう".into()),
        speaker_linked: Some(true),
        speaker_prompt_answered: true,
        ..on(home.clone())
    };
    let (relaunched, effects) = update(&linked_user, Event::VersionsChecked { need: None });
    assert_eq!(effects, vec![Effect::CheckTerms, Effect::CheckLink]);
    let revised = Event::TermsChecked { terms: terms("3"), accepted: Some("2".into()), legacy_speaker_user: false };
    let (asked, _) = update(&relaunched, revised);
    let revised_terms = Screen::AppTerms { terms: terms("3"), revised: true };
    assert_eq!(asked.screen, revised_terms);
    for answer in [Event::LinkChecked { linked: true }, Event::LinkChecked { linked: false }, Event::Failed(Failure::Offline)] {
        assert_eq!(update(&asked, answer.clone()).0.screen, revised_terms, "{answer:?} replaced the revised terms");
    }
    // A stale "could not refresh" goes once a refresh succeeds.
    let (failed, _) = update(&relaunched, Event::Failed(Failure::Offline));
    assert_eq!((failed.screen.clone(), failed.notice), (home.clone(), Some(Notice::RefreshFailed)));
    assert_eq!(update(&failed, Event::LinkChecked { linked: true }).0.notice, None);
}

#[test]
fn app_flip_while_an_update_is_required_goes_to_googles_browser() {
    let need = firmware_need();
    let blocked = State { return_to: vec![Screen::WaitingForGoogleHome], ..on(Screen::UpdateRequired { need: need.clone() }) };
    let (still, effects) = update(&blocked, Event::AppFlip { request: google_request("u"), valid: true });
    assert_eq!(still.screen, Screen::UpdateRequired { need });
    assert!(matches!(&effects[..], [Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect })] if redirect.contains("temporarily_unavailable")));
}

/// A nickname another phone registered under the same ID: 「このスマートフォンに移す」 is offered
/// for that nickname only; typing another one withdraws it.
#[test]
fn a_nickname_held_by_another_phone_can_be_moved_here_or_changed() {
    let labels = |s: &State| view(s, Language::Japanese).buttons.iter().map(|b| b.label.clone()).collect::<Vec<_>>();
    let move_here = "このスマートフォンに移す".to_owned();
    let (taken, _) = update(&speaking(busy(Activity::Registering), complete()), Event::Failed(Failure::NicknameTaken));
    assert!(labels(&taken).contains(&move_here));
    assert!(view(&taken, Language::Japanese).input.and_then(|i| i.error).is_some_and(|e| e.contains("別のスマートフォンから登録されています")));
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
