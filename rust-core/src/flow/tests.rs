//! Transition by transition, then the graph as a whole.

use super::*;

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

#[test]
fn each_transition() {
    let app_terms = Screen::AppTerms { terms: terms("2"), revised: false };
    let home = Screen::Home { display_name: "太郎".into() };
    let answered = |screen: Screen| State { speaker_prompt_answered: true, ..on(screen) };
    let url = || IncomingUrl("jp.co.panasonic.smarthems:/oauth2redirect?code=c&state=s".into());

    #[rustfmt::skip]
    let cases: Vec<(&str, State, Event, Screen, Vec<Effect>)> = vec![
        ("welcome: CLUB Panasonic ログイン画面へ opens the login page",
            State::default(), Event::Tap(Action::OpenLogin), busy(Activity::OpeningLogin), vec![Effect::OpenLogin]),
        ("the browser opened: wait for it",
            State { screen: busy(Activity::OpeningLogin), ..State::default() }, Event::LoginOpened, Screen::Login, vec![]),
        ("the redirect arrives while waiting: finish the login",
            State { screen: Screen::Login, ..State::default() }, Event::Incoming(url()), busy(Activity::SigningIn), vec![Effect::FinishLogin(url())]),
        ("a redirect when no login is waiting does nothing",
            State::default(), Event::Incoming(url()), Screen::Welcome, vec![]),
        ("cancel while waiting forgets the login",
            State { screen: Screen::Login, ..State::default() }, Event::Tap(Action::CancelLogin), Screen::Welcome, vec![Effect::ForgetLogin]),
        ("signed in: load the terms",
            State { screen: busy(Activity::SigningIn), ..State::default() }, Event::SignedIn(taro()), busy(Activity::LoadingTerms), vec![Effect::CheckTerms]),
        ("terms never accepted: show them",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: None }, app_terms.clone(), vec![]),
        ("an older version accepted: show the revision",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("1".into()) }, Screen::AppTerms { terms: terms("2"), revised: true }, vec![]),
        ("current version accepted, first time: the speaker question",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("2".into()) }, Screen::SpeakerPrompt, vec![]),
        ("current version accepted, question answered: home",
            answered(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("2".into()) }, home.clone(), vec![]),
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
            on(Screen::SpeakerPrompt), Event::Tap(Action::RegisterSpeaker), Screen::SpeakerSetupPending, vec![]),
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
            State { screen: busy(Activity::SigningIn), ..State::default() }, Event::Launched, Screen::Problem { problem: Problem::LoginInterrupted }, vec![]),
        ("killed while saving: save again",
            on(busy(Activity::SavingConsent { version: "2".into() })), Event::Launched, busy(Activity::SavingConsent { version: "2".into() }), vec![Effect::SaveConsent { version: "2".into() }]),
        ("launched on a screen: stay there",
            on(Screen::SpeakerPrompt), Event::Launched, Screen::SpeakerPrompt, vec![]),
        ("launched at home: refresh the terms quietly",
            answered(home.clone()), Event::Launched, home.clone(), vec![Effect::CheckTerms]),
        ("revised terms found from home",
            answered(home.clone()), Event::TermsChecked { terms: terms("3"), accepted: Some("2".into()) }, Screen::AppTerms { terms: terms("3"), revised: true }, vec![]),
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
    assert_eq!(update(&failed, Event::Tap(Action::Retry)).1, vec![Effect::OpenLogin]);
}

#[test]
fn logging_in_again_resumes_what_the_expired_session_interrupted() {
    let saving = Activity::SavingConsent { version: "2".into() };
    let (expired, _) = update(&on(busy(saving.clone())), Event::Failed(Failure::SessionExpired));
    let (signing_in, _) = update(&expired, Event::Tap(Action::OpenLogin));
    let (signing_in, _) = update(&signing_in, Event::LoginOpened);
    let (signing_in, _) = update(&signing_in, Event::Incoming(IncomingUrl("x".into())));
    let (resumed, effects) = update(&signing_in, Event::SignedIn(taro()));
    assert_eq!(resumed.screen, busy(saving));
    assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);

    // Someone else logging in does not inherit it.
    let other = Account { subject: "hanako".into(), display_name: "花子".into() };
    let (fresh, effects) = update(&signing_in, Event::SignedIn(other.clone()));
    assert_eq!(effects, vec![Effect::CheckTerms]);
    assert_eq!(fresh.account, Some(other));
    assert!(!fresh.speaker_prompt_answered);
}

#[test]
fn a_stray_link_leaves_a_notice_that_the_next_event_clears() {
    let (noticed, _) = update(&on(Screen::SpeakerPrompt), Event::Incoming(IncomingUrl("x".into())));
    assert_eq!(noticed.notice, Some(Notice::LinkIgnored));
    assert!(view(&noticed, Language::Japanese).notice.unwrap().contains("このリンク"));
    assert_eq!(update(&noticed, Event::Launched).0.notice, None);
}

#[test]
fn every_screen_speaks_both_languages() {
    for state in graph::explore().states {
        for lang in [Language::Japanese, Language::English] {
            let v = view(&state, lang);
            assert!(!v.title.is_empty(), "{:?}", state.screen);
            // A screen with no buttons must be a passing one.
            assert!(v.busy || !v.buttons.is_empty(), "{:?} has no way forward", state.screen);
        }
        // English screens carry no Japanese, except texts the cloud serves (the terms).
        let en = view(&state, Language::English);
        let japanese = |s: &str| s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c));
        if !matches!(state.screen, Screen::AppTerms { .. }) {
            assert!(!japanese(&en.title) && !en.body.iter().any(|b| japanese(b)), "{:?}", state.screen);
        }
    }
}

#[test]
fn no_reachable_state_is_a_dead_end() {
    let graph = graph::explore();
    assert!(graph.states.len() > 20, "exploration found too little: {}", graph.states.len());
    let stuck = graph.states_that_cannot_reach(|s| matches!(s.screen, Screen::Home { .. }));
    assert!(stuck.is_empty(), "states that can never reach home: {stuck:#?}");
}

#[test]
fn the_flow_picture_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/flow.md");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == graph::flow_document(),
        "docs/flow.md is stale: run `cargo run -p smarthems --bin flowchart` and commit it"
    );
}
