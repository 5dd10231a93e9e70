//! The dispatcher's tests: transition by transition across sub-flows, then the graph as a whole.

use super::testing::*;
use super::*;

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
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: None, legacy_speaker_user: false, found: None, elsewhere: vec![] }, app_terms.clone(), vec![]),
        ("an older version accepted: show the revision",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("1".into()), legacy_speaker_user: false, found: None, elsewhere: vec![] }, Screen::AppTerms { terms: terms("2"), revised: true }, vec![]),
        ("current version accepted, first time: the speaker question",
            on(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("2".into()), legacy_speaker_user: false, found: None, elsewhere: vec![] }, Screen::SpeakerPrompt, vec![]),
        ("current version accepted, question answered: home",
            answered(busy(Activity::LoadingTerms)), Event::TermsChecked { terms: terms("2"), accepted: Some("2".into()), legacy_speaker_user: false, found: None, elsewhere: vec![] }, home.clone(), vec![]),
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
            answered(home.clone()), Event::TermsChecked { terms: terms("3"), accepted: Some("2".into()), legacy_speaker_user: false, found: None, elsewhere: vec![] }, Screen::AppTerms { terms: terms("3"), revised: true }, vec![]),
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
        let japanese = |s: &str| {
            s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
        };
        if !matches!(
            state.screen,
            Screen::AppTerms { .. }
                | Screen::PrivacyPolicy { .. }
                | Screen::SpeakerTerms { .. }
                | Screen::Utterances
                | Screen::SpeakerDone
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

/// The flow's modules depend one way: the dispatcher (`mod.rs`) uses the sub-flows, the sub-flows
/// use the leaf modules, and nothing it uses uses it back or forms a cycle. Read from the sources
/// (each module's code before its tests), so a new import that closes a loop fails here.
#[test]
fn flow_modules_depend_one_way() {
    use std::collections::{BTreeMap, BTreeSet};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/flow");
    // Module name → (its files, read whole; each file's code before its tests).
    let mut code: BTreeMap<String, Vec<(bool, String)>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        let (module, files) = if path.is_dir() {
            let files = std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect::<Vec<_>>();
            (path.file_name().unwrap().to_string_lossy().into_owned(), files)
        } else {
            (path.file_stem().unwrap().to_string_lossy().into_owned(), vec![path.clone()])
        };
        // The tests and the explorer read the whole flow; they are not part of it.
        if matches!(module.as_str(), "tests" | "testing" | "graph") {
            continue;
        }
        let is_code = |f: &std::path::PathBuf| f.extension().is_some_and(|e| e == "rs") && !f.ends_with("tests.rs");
        for file in files.into_iter().filter(is_code) {
            let text = std::fs::read_to_string(&file).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap().to_owned();
            // In a module's own folder, `super::` is the module itself.
            let nested = path.is_dir() && file.file_name().is_some_and(|n| n != "mod.rs");
            code.entry(module.clone()).or_default().push((nested, text));
        }
    }
    let modules: BTreeSet<String> = code.keys().cloned().collect();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, files) in &code {
        for (nested, text) in files {
            let prefixes: &[&str] =
                if *nested { &["crate::flow::", "super::super::"] } else { &["crate::flow::", "super::"] };
            for prefix in prefixes {
                for (at, _) in text.match_indices(prefix) {
                    let name: String =
                        text[at + prefix.len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    let target = if modules.contains(&name) { name } else { "mod".to_owned() };
                    if module != "mod" && target != *module {
                        uses.entry(module.clone()).or_default().insert(target);
                    }
                }
            }
            if module == "mod" {
                for other in modules.iter().filter(|m| *m != "mod") {
                    if text.contains(&format!("{other}::")) {
                        uses.entry("mod".to_owned()).or_default().insert(other.clone());
                    }
                }
            }
        }
    }
    let back: Vec<_> = uses.iter().filter(|(m, to)| *m != "mod" && to.contains("mod")).map(|(m, _)| m).collect();
    assert!(back.is_empty(), "these modules use the dispatcher (flow/mod.rs) or its re-exports: {back:?}");
    // Depth-first search for a cycle among the rest.
    fn visit<'a>(
        m: &'a str,
        uses: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        assert!(!path.contains(&m), "import cycle in the flow: {path:?} → {m}");
        path.push(m);
        for next in uses.get(m).into_iter().flatten() {
            visit(next, uses, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in &modules {
        visit(m, &uses, &mut Vec::new(), &mut done);
    }
    assert!(uses.get("mod").is_some_and(|to| to.contains("login") && to.contains("speaker")), "{uses:?}");
}

/// What a screen offers is what it shows: the view's buttons are `offered` in order, labelled.
#[test]
fn every_view_shows_exactly_what_its_screen_offers() {
    for state in &explored().states {
        let offered: Vec<_> = offered(state).into_iter().map(|o| (o.action, o.enabled, o.primary)).collect();
        let shown: Vec<_> =
            view(state, Language::Japanese).buttons.into_iter().map(|b| (b.action, b.enabled, b.primary)).collect();
        assert_eq!(shown, offered, "{:?}", state.screen);
    }
}

/// The figures the README gives for the explored graph are the explorer's own.
#[test]
fn the_readme_counts_the_graph_as_explored() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let graph = explored();
    let figures = format!("{} states and {} steps", graph.states.len(), graph.edges.len());
    assert!(readme.contains(&figures), "README.md should say \"{figures}\" (the explored graph changed)");
}

/// Back (Android's button, iOS's swipe) is always one of the screen's own enabled buttons, and
/// never where it would throw away typing, choices or a consent in progress.
#[test]
fn back_is_a_button_of_the_screen_and_loses_nothing() {
    for state in &explored().states {
        if let Some(action) = back(state) {
            assert!(
                offered(state).iter().any(|o| o.action == action && o.enabled),
                "{:?}: back {action:?} is not offered",
                state.screen
            );
        }
        assert_eq!(view(state, Language::Japanese).back, back(state));
    }
    let keeps_work = [Screen::Nickname, Screen::DeviceSelection, Screen::Utterances, Screen::AccountLink];
    for screen in keeps_work {
        assert_eq!(back(&on(screen.clone())), None, "{screen:?}");
    }
    let login = State { screen: Screen::Login, ..State::default() };
    let (after, effects) = update(&login, Event::Tap(back(&login).unwrap()));
    assert_eq!((after.screen, effects), (Screen::Welcome, vec![Effect::ForgetLogin]));
}

/// What the phone could not do is said on the screen the user is on, which stays.
#[test]
fn a_phone_that_cannot_do_it_leaves_a_notice() {
    use PhoneTask::*;
    for (task, notice) in [
        (OpenBrowser, Notice::BrowserNotOpened),
        (OpenGoogleHome, Notice::GoogleHomeNotOpened),
        (OpenStore, Notice::StoreNotOpened),
        (AnswerGoogle, Notice::LinkNotAnswered),
    ] {
        let login = State { screen: Screen::Login, ..State::default() };
        let (after, effects) = update(&login, Event::PhoneFailed(task));
        assert_eq!((after.screen, after.notice, effects), (Screen::Login, Some(notice), vec![]), "{task:?}");
        assert!(view(&State { notice: Some(notice), ..login }, Language::English).notice.is_some());
    }
}

/// A check run beside the user (`runs_beside`) answers whenever it answers: on whatever screen
/// the user has moved on to meanwhile, its answer only does what it may do there — an update the
/// app needs comes first, revised terms are asked for on home, an ended session asks for a
/// login, a link found finishes the hand-off — and otherwise leaves the screen, what was typed
/// and chosen, and starts nothing the user would wait for.
#[test]
fn a_quiet_answer_arriving_late_never_takes_the_user_off_their_screen() {
    let landing = on(Screen::Welcome);
    let answers: Vec<Event> = [Effect::CheckVersions, Effect::CheckTerms, Effect::CheckLink]
        .iter()
        .flat_map(|effect| graph::outcomes(&landing, effect))
        .collect();
    let mut tried = 0;
    for state in &explored().states {
        if state.running().is_some() {
            // Between turns nothing is busy: a quiet answer waits for the turn in progress.
            continue;
        }
        for answer in &answers {
            let (after, effects) = update(state, answer.clone());
            tried += 1;
            let at = || format!("{answer:?} on {:?}", state.screen);
            assert!(effects.iter().all(|e| runs_beside(&after, e)), "{}: started {effects:?}", at());
            let same_screen = after.screen == state.screen;
            let allowed = match answer {
                // Help stays open over it, with the update beneath (`launch::update_needed`).
                Event::VersionsChecked { need: Some(_) } => match after.screen {
                    Screen::UpdateRequired { .. } => true,
                    Screen::Help { .. } => {
                        after.return_to.iter().any(|under| matches!(under, Screen::UpdateRequired { .. }))
                    }
                    _ => false,
                },
                Event::VersionsChecked { need: None } => {
                    same_screen || matches!(state.screen, Screen::UpdateRequired { .. })
                }
                Event::TermsChecked { .. } if matches!(state.screen, Screen::Home { .. }) => {
                    matches!(after.screen, Screen::Home { .. } | Screen::AppTerms { .. })
                }
                Event::TermsChecked { .. } => after == *state,
                Event::LinkChecked { linked: true }
                    if matches!(state.screen, Screen::WaitingForGoogleHome | Screen::HandOff) =>
                {
                    after.screen == Screen::SpeakerDone
                }
                Event::LinkChecked { .. } => {
                    same_screen || matches!((&state.screen, &after.screen), (Screen::Home { .. }, Screen::Home { .. }))
                }
                Event::Failed(Failure::SessionExpired) => {
                    same_screen || after.screen == (Screen::Problem { problem: Problem::SessionExpired })
                }
                Event::Failed(_) => same_screen,
                other => unreachable!("{other:?} is not an answer to a quiet check"),
            };
            assert!(allowed, "{}: led to {:?}", at(), after.screen);
            if after.screen != Screen::SpeakerDone {
                assert_eq!(after.speaker, state.speaker, "{}: the registration in progress changed", at());
            }
        }
    }
    assert!(tried > 100_000, "{tried}");
}
