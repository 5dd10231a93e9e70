//! Linking in Google Home (steps 18–25, p.10): the hand-off, coming back to the app, the link
//! check, the done screen, and the relink steps when the link is not there.

use super::activity::start;
use super::event::Effect;
use super::model::State;
use super::screen::{Action, Activity, Screen};
use super::text::Language;
use super::view::{Offer, Page};
use super::voice;

/// The app came back to the foreground: from Google Home (step 18 → 25), is the link there now?
pub fn foregrounded(state: &State, next: State) -> (State, Vec<Effect>) {
    match state.screen {
        Screen::WaitingForGoogleHome => start(next, Activity::CheckingLink),
        // Back from Google Home on our own: the user may have unlinked there (DISCONNECT).
        Screen::Home { .. } if state.speaker_nickname.is_some() => (next, vec![Effect::CheckLink]),
        _ => (state.clone(), vec![]),
    }
}

pub fn link_checked(state: &State, mut next: State, linked: bool) -> (State, Vec<Effect>) {
    next.speaker_linked = Some(linked);
    // Only a check the user is waiting for moves them on. A quiet one (home's refresh, the
    // look after a relaunch) updates what is shown, and must not replace a screen another
    // quiet result put up meanwhile (revised terms found on the same launch).
    if state.screen != (Screen::Busy { activity: Activity::CheckingLink }) {
        if matches!(next.screen, Screen::Home { .. }) {
            next.screen = next.home();
        } else if matches!(state.screen, Screen::WaitingForGoogleHome | Screen::HandOff) && linked {
            next.speaker = None;
            next.screen = Screen::SpeakerDone;
        }
        return (next, vec![]);
    }
    if linked {
        next.speaker = None;
        next.screen = Screen::SpeakerDone;
    } else {
        next.screen = Screen::Troubleshooting;
    }
    (next, vec![])
}

/// 「Google Home 起動」: the platform opens Google Home at this service's linking page.
pub fn open_google_home(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::WaitingForGoogleHome;
    (next, vec![Effect::OpenGoogleHome])
}

pub fn check_link(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::CheckingLink)
}

pub fn voice_not_working(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::Troubleshooting;
    (next, vec![])
}

pub fn hand_off_offers() -> Vec<Offer> {
    vec![Offer::main(Action::OpenGoogleHome, "Google Home 起動", "Open Google Home")]
}

/// Step 18: 「Google Home 起動」.
pub fn hand_off_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("Google Home と連携", "Link with Google Home"),
        vec![
            t("Google Homeアプリを起動しスマートスピーカーと連携します。", "Open the Google Home app to link your smart speaker."),
            t(
                "Google Homeアプリでログインし、「許可」をタップして、機器・家・場所を選んでください。終わったらこのアプリに戻ってください。",
                "In Google Home, log in, tap 'Allow', and choose devices, home and rooms. Then come back to this app.",
            ),
        ],
    )
}

pub fn waiting_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::CheckLink, "連携を確認する", "Check the link"),
        Offer::other(Action::OpenGoogleHome, "Google Home 起動", "Open Google Home"),
    ]
}

/// Steps 19–24 happen in Google Home; the app waits to come back to the foreground.
pub fn waiting_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("Google Homeで連携しています", "Linking in Google Home"),
        vec![t(
            "Google Homeアプリで連携を完了してから、このアプリに戻ってください。",
            "Finish linking in the Google Home app, then come back to this app.",
        )],
    )
}

pub fn done_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::GoHome, "ホームへ", "Go to home"),
        Offer::other(Action::VoiceNotWorking, "音声で操作できないとき", "Voice control doesn't work"),
    ]
}

/// Step 25: linked; try a voice command.
pub fn done_page(state: &State, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("連携が完了しました", "Linked"),
        vec![
            t(
                "スマートフォンでの操作は完了です。音声で機器操作ができるか確認してください。",
                "You're all set on the phone. Try controlling a device by voice.",
            ),
            done_example(state, lang),
            t(
                "※Google Homeアプリで機器のアイコンをタップしても、機器操作はできません。",
                "Note: tapping a device's icon in Google Home does not operate it.",
            ),
            t(
                "※機器はオフライン表示になります。動作には影響ありません。",
                "Note: devices show as offline in Google Home. This does not affect voice control.",
            ),
        ],
    )
}

pub fn troubleshooting_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::OpenGoogleHome, "Google Home 起動", "Open Google Home"),
        Offer::other(Action::GoHome, "ホームへ", "Go to home"),
    ]
}

/// p.10: the link never showed up, or it did and the speaker does not respond: how to relink.
pub fn troubleshooting_page(state: &State, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let title = if state.speaker_linked == Some(true) {
        t("音声で操作できないとき", "When voice control doesn't work")
    } else {
        t("連携が確認できませんでした", "The link could not be confirmed")
    };
    Page::new(
        title,
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
    )
}

/// Step 25's "try a voice command", with the first command the user's own devices allow.
fn done_example(state: &State, lang: Language) -> String {
    let example = state.registered.as_ref().and_then(|draft| {
        let chosen = draft.selection.chosen_devices();
        voice::examples(&chosen, &draft.rooms, lang).into_iter().next().and_then(|(_, lines)| lines.into_iter().next())
    });
    match example {
        Some(line) => lang.pick(&format!("例：{line}"), &format!("For example: {line}")),
        None => lang.pick(
            "例：「OK Google、リビングのエアコンを冷房にして」",
            "For example: \"OK Google, set the living room air conditioner to cool\"",
        ),
    }
}

/// p.10's last step points back into the guide: B's steps 20–25, or C's 22–27.
fn relink_step(state: &State, lang: Language) -> String {
    if state.speaker_only {
        lang.pick(
            "7. 許可の画面が表示されたら、手順書の C の 22～27 に従って操作する",
            "7. When the permission page appears, follow steps 22–27 of part C of the guide",
        )
    } else {
        lang.pick(
            "7. 許可の画面が表示されたら、手順書の B の 20～25 に従って操作する",
            "7. When the permission page appears, follow steps 20–25 of part B of the guide",
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

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
        let mut help_over_login =
            State { screen: Screen::Help { support: support::built_in(), now: 0 }, ..State::default() };
        help_over_login.return_to.push(Screen::Login);
        let url = || IncomingUrl("app:/redirect?code=c&state=s".into());
        let registering = speaking(
            busy(Activity::Registering),
            SpeakerDraft {
                privacy_version: Some("1".into()),
                speaker_terms_version: Some("1".into()),
                ..SpeakerDraft::default()
            },
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

    /// Home's quiet refresh asks two things at once; their answers arrive in turn and neither may
    /// undo what the other showed, nor a failure of one turn into an error screen.
    #[test]
    fn quiet_answers_never_move_the_user() {
        let home = Screen::Home {
            display_name: "太郎".into(),
            speaker_nickname: Some("たろう".into()),
            speaker_linked: Some(true),
        };
        let linked_user = State {
            speaker_nickname: Some("たろう".into()),
            speaker_linked: Some(true),
            speaker_prompt_answered: true,
            ..on(home.clone())
        };
        let (relaunched, effects) = update(&linked_user, Event::VersionsChecked { need: None });
        assert_eq!(effects, vec![Effect::CheckTerms, Effect::CheckLink]);
        let revised = Event::TermsChecked {
            terms: terms("3"),
            accepted: Some("2".into()),
            legacy_speaker_user: false,
            found: None,
            elsewhere: vec![],
        };
        let (asked, _) = update(&relaunched, revised);
        let revised_terms = Screen::AppTerms { terms: terms("3"), revised: true };
        assert_eq!(asked.screen, revised_terms);
        for answer in
            [Event::LinkChecked { linked: true }, Event::LinkChecked { linked: false }, Event::Failed(Failure::Offline)]
        {
            assert_eq!(update(&asked, answer.clone()).0.screen, revised_terms, "{answer:?} replaced the revised terms");
        }
        // A stale "could not refresh" goes once a refresh succeeds.
        let (failed, _) = update(&relaunched, Event::Failed(Failure::Offline));
        assert_eq!((failed.screen.clone(), failed.notice), (home.clone(), Some(Notice::RefreshFailed)));
        assert_eq!(update(&failed, Event::LinkChecked { linked: true }).0.notice, None);
    }
}
