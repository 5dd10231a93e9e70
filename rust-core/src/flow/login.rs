//! Logging in (steps 2–4): CLUB Panasonic ID in the system browser, the redirect back, the app's
//! terms (スマートHEMSサービス利用規約), and logging out.

use super::activity::start;
use super::devices::Selection;
use super::event::Effect;
use super::model::{Account, FoundRegistration, IncomingUrl, Notice, SpeakerDraft, State};
use super::screen::{Action, Activity, Screen, SpeakerProvider, Terms};
use super::text::Language;
use super::view::{Offer, Page};

/// A URL from outside that the link check took for a login redirect: it acts only while a login
/// is awaited (also with help opened over the login screen: the browser does not know the user
/// looked).
pub fn redirect(state: &State, mut next: State, url: IncomingUrl) -> (State, Vec<Effect>) {
    let help_over_login =
        matches!(state.screen, Screen::Help { .. } | Screen::Busy { activity: Activity::LoadingHelp })
            && state.return_to.first() == Some(&Screen::Login);
    if matches!(state.screen, Screen::Login) || help_over_login {
        next.screen = Screen::Busy { activity: Activity::SigningIn };
        (next, vec![Effect::FinishLogin(url)])
    } else {
        next.notice = Some(Notice::LinkIgnored);
        (next, vec![])
    }
}

/// The same redirect handed in again: while the login waits it is checked like any other (and
/// refused, its login being spent); anywhere else it changes nothing, not even the notice.
pub fn redirect_again(state: &State, next: State, url: IncomingUrl) -> (State, Vec<Effect>) {
    match redirect(state, next, url) {
        (_, effects) if effects.is_empty() => (state.clone(), vec![]),
        acted => acted,
    }
}

/// A redirect that was not the awaited login's: the login page is still open in the browser,
/// so the app keeps waiting for the real redirect, saying why it did not move.
pub fn redirect_refused(mut next: State) -> (State, Vec<Effect>) {
    // Help was open over the login when the redirect came: the login screen is where it goes back.
    if next.return_to.last() == Some(&Screen::Login) {
        next.return_to.pop();
    }
    next.screen = Screen::Login;
    next.notice = Some(Notice::RedirectRefused);
    (next, vec![])
}

pub fn login_opened(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::Login;
    (next, vec![])
}

pub fn signed_in(mut next: State, account: Account) -> (State, Vec<Effect>) {
    // A different person logging in must not inherit the previous one's progress.
    if next.account.as_ref().is_some_and(|previous| previous.subject != account.subject) {
        next = State::default();
    }
    // Logged in for a 2D code with no app account on this phone: a speaker-only user
    // (flow C), from now on never asked the app's terms. A cancelled C login sets nothing.
    if next.account.is_none() && next.after_login == Some(Activity::ClaimingCode) {
        next.speaker_only = true;
    }
    next.account = Some(account);
    // Step 1 again: a first login is the first moment the AiSEG2's firmware can be
    // checked. What was waiting for the login carries on once the check says so.
    next.screen = match next.after_login.take() {
        Some(activity) => Screen::Busy { activity },
        None if next.speaker_only => next.home(),
        None => Screen::Busy { activity: Activity::LoadingTerms },
    };
    (next, vec![Effect::CheckVersions])
}

/// This phone's registration as the cloud holds it, taken when the app knows none (logged out and
/// in again): home shows its nickname and link, and the speaker question is not asked again. A
/// registration the app knows, or one being changed, stays as the app has it.
pub fn found(mut next: State, found: Option<FoundRegistration>, elsewhere: Vec<String>) -> State {
    if next.registered.is_some() || next.speaker_nickname.is_some() || next.speaker.is_some() {
        return next;
    }
    // None here: the other phones' registrations are offered on the speaker question.
    let Some(found) = found else {
        next.elsewhere = elsewhere;
        return next;
    };
    next.elsewhere.clear();
    next.speaker_prompt_answered = true;
    next.speaker_nickname = Some(found.nickname.clone());
    next.speaker_linked = Some(found.linked);
    next.registered = Some(SpeakerDraft {
        nickname: found.nickname,
        selection: Selection { devices: Default::default(), chosen: found.device_ids.into_iter().collect() },
        privacy_version: Some(found.privacy_version),
        speaker_terms_version: Some(found.speaker_terms_version),
        provider: Some(SpeakerProvider::GoogleHome),
        rooms: found.rooms,
        ..SpeakerDraft::default()
    });
    next
}

/// Step 4: the current app terms, and the version this user accepted (if any).
pub fn terms_checked(
    state: &State,
    mut next: State,
    terms: Terms,
    accepted: Option<String>,
    legacy_speaker_user: bool,
) -> (State, Vec<Effect>) {
    // A quiet check (home's refresh, run beside the user) answering after the user has left
    // home: the terms are checked again at the next launch; nothing here replaces the screen
    // the user has moved on to.
    let awaited = state.running() == Some(Activity::LoadingTerms) || matches!(state.screen, Screen::Home { .. });
    if !awaited {
        return (state.clone(), vec![]);
    }
    next.legacy_speaker_user = legacy_speaker_user;
    if accepted.as_deref() == Some(terms.version.as_str()) {
        if matches!(state.screen, Screen::Home { .. }) {
            return (next, vec![]);
        }
        after_terms(next)
    } else {
        next.screen = Screen::AppTerms { revised: accepted.is_some(), terms };
        (next, vec![])
    }
}

/// Where the user goes once the current terms are accepted.
pub fn after_terms(mut next: State) -> (State, Vec<Effect>) {
    next.screen = if next.speaker_prompt_answered { next.home() } else { Screen::SpeakerPrompt };
    (next, vec![])
}

pub fn signed_out() -> (State, Vec<Effect>) {
    (State::default(), vec![])
}

/// 「CLUB Panasonic ログイン画面へ」 (or 「新規登録」: CLUB Panasonic's registration page).
pub fn open_login(next: State, create: bool) -> (State, Vec<Effect>) {
    start(next, if create { Activity::OpeningRegistration } else { Activity::OpeningLogin })
}

pub fn cancel_login(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::Welcome;
    next.after_login = None;
    (next, vec![Effect::ForgetLogin])
}

pub fn accept_terms(next: State, version: String) -> (State, Vec<Effect>) {
    start(next, Activity::SavingConsent { version })
}

pub fn decline_terms(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::TermsDeclined;
    (next, vec![])
}

pub fn review_terms(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::LoadingTerms)
}

pub fn logout(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::SigningOut)
}

pub fn welcome_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::OpenLogin, "CLUB Panasonic ログイン画面へ", "Go to CLUB Panasonic login"),
        Offer::other(Action::CreateId, "CLUB Panasonic IDを新規登録する", "Register a CLUB Panasonic ID"),
    ]
}

pub fn welcome_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("スマートHEMSサービス", "Smart HEMS Service"),
        vec![
            t(
                "2023年6月21日から、ログインにはCLUB Panasonic IDをお使いいただきます。",
                "Since 21 June 2023 you log in with your CLUB Panasonic ID.",
            ),
            t(
                "CLUB Panasonic IDをお持ちでない方は、ログイン画面から新規登録できます。",
                "No CLUB Panasonic ID yet? You can register on the login page.",
            ),
        ],
    )
}

pub fn login_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::OpenLogin, "ブラウザをもう一度開く", "Open the browser again"),
        Offer::other(Action::CancelLogin, "キャンセル", "Cancel"),
    ]
}

pub fn login_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("CLUB Panasonic ログイン", "CLUB Panasonic login"),
        vec![t(
            "ブラウザでメールアドレスとパスワードを入力し、「ログインする」をタップしてください。",
            "In the browser, enter your e-mail address and password and tap 'Log in'.",
        )],
    )
}

/// 「同意する」 / 「同意しない」: the app's terms, the privacy policy and the speaker terms alike.
pub fn terms_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::AcceptTerms, "同意する", "Agree"),
        Offer::other(Action::DeclineTerms, "同意しない", "Disagree"),
    ]
}

pub fn app_terms_page(terms: &Terms, revised: bool, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let mut body = Vec::new();
    if revised {
        body.push(t(
            "利用規約が改定されました。内容をご確認のうえ、同意してください。",
            "The terms of use have been revised. Please read and agree to continue.",
        ));
    }
    body.push(t(
        "スマートHEMSサービス利用規約を確認して「同意する」をタップしてください。",
        "Please read the terms of use and tap 'Agree'.",
    ));
    body.push(terms.body.clone());
    Page::new(terms.title.clone(), body)
}

pub fn terms_declined_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::ReviewTerms, "利用規約をもう一度読む", "Read the terms again"),
        Offer::other(Action::Logout, "ログアウト", "Log out"),
    ]
}

pub fn terms_declined_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("利用規約に同意いただけませんでした", "You did not agree to the terms"),
        vec![t(
            "スマートHEMSサービスをご利用いただくには、利用規約への同意が必要です。もう一度ご確認いただくか、ログアウトしてください。",
            "The Smart HEMS Service can only be used after agreeing to its terms. Read them again, or log out.",
        )],
    )
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    /// A redirect that is not the awaited login's is refused with a notice and the app keeps
    /// waiting (help over the login included), the 2D code waiting for the login too; the same
    /// redirect handed in again away from the login changes nothing, not even the notice.
    #[test]
    fn a_wrong_redirect_keeps_the_login_waiting() {
        let url = || IncomingUrl("jp.co.panasonic.smarthems:/oauth2redirect?code=c&state=forged".into());
        let waiting = State { after_login: Some(Activity::ClaimingCode), ..on(Screen::Login) };
        let help = Screen::Help { support: crate::flow::support::built_in(), now: 0 };
        let help_over_login = State { return_to: vec![Screen::Login], ..on(help) };
        for start in [waiting.clone(), help_over_login] {
            let (signing, effects) = update(&start, Event::Incoming(url()));
            assert_eq!(effects, vec![Effect::FinishLogin(url())]);
            let (refused, effects) = update(&signing, Event::Failed(Failure::RedirectRefused));
            assert_eq!(
                (&refused.screen, refused.notice, effects),
                (&Screen::Login, Some(Notice::RedirectRefused), vec![])
            );
            assert!(refused.return_to.is_empty(), "{:?}", refused.return_to);
            assert_eq!(refused.after_login, start.after_login);
            // The real redirect that follows still completes the login.
            assert_eq!(update(&refused, Event::Incoming(url())).1, vec![Effect::FinishLogin(url())]);
        }
        // Handed in again while waiting: checked like any redirect.
        assert_eq!(update(&waiting, Event::IncomingAgain(url())).1, vec![Effect::FinishLogin(url())]);
        // Handed in again anywhere else: nothing at all, where the first time earns a notice.
        let terms = State { notice: Some(Notice::SpeakerUpdated), ..on(Screen::SpeakerPrompt) };
        assert_eq!(update(&terms, Event::IncomingAgain(url())), (terms.clone(), vec![]));
        assert_eq!(update(&terms, Event::Incoming(url())).0.notice, Some(Notice::LinkIgnored));
    }

    /// Logged out and in again: the cloud's registration for this phone is home's, and the
    /// speaker question is not asked again; a registration the app knows or is changing wins.
    #[test]
    fn logging_in_again_finds_the_registration() {
        let found = FoundRegistration {
            nickname: "たろう".into(),
            device_ids: vec!["ac-1".into()],
            rooms: [("ac-1".to_owned(), "リビング".to_owned())].into(),
            privacy_version: "p1".into(),
            speaker_terms_version: "s1".into(),
            linked: true,
        };
        let checked = |state: &State| {
            let event = Event::TermsChecked {
                terms: terms("2"),
                accepted: Some("2".into()),
                legacy_speaker_user: false,
                found: Some(found.clone()),
                elsewhere: vec![],
            };
            update(state, event).0
        };
        let home = checked(&on(busy(Activity::LoadingTerms)));
        assert_eq!(
            home.screen,
            Screen::Home {
                display_name: "太郎".into(),
                speaker_nickname: Some("たろう".into()),
                speaker_linked: Some(true)
            }
        );
        let registered = home.registered.expect("what was registered, to change it from home");
        assert_eq!(
            (registered.nickname.as_str(), registered.rooms.get("ac-1").map(String::as_str)),
            ("たろう", Some("リビング"))
        );
        assert!(registered.selection.chosen.contains("ac-1"));
        // None for this phone but others under the ID (a reinstall): the speaker question offers
        // to move each here, and that starts the registration under that nickname, moved.
        let reinstalled = update(
            &on(busy(Activity::LoadingTerms)),
            Event::TermsChecked {
                terms: terms("2"),
                accepted: Some("2".into()),
                legacy_speaker_user: false,
                found: None,
                elsewhere: vec!["たろう".into()],
            },
        )
        .0;
        assert_eq!(reinstalled.screen, Screen::SpeakerPrompt);
        let take_over = Action::TakeOverRegistration { nickname: "たろう".into() };
        assert!(offered(&reinstalled).iter().any(|o| o.action == take_over));
        let forged = Action::TakeOverRegistration { nickname: "じろう".into() };
        assert_eq!(update(&reinstalled, Event::Tap(forged)).0, reinstalled, "only the nicknames offered");
        let moving = update(&reinstalled, Event::Tap(take_over)).0;
        let draft = moving.speaker.as_ref().unwrap();
        assert_eq!((&moving.screen, draft.nickname.as_str(), draft.move_here), (&Screen::Nickname, "たろう", true));
        let saved = crate::runtime::store::Store::open(std::path::Path::new(":memory:")).unwrap();
        saved.save(&reinstalled).unwrap();
        assert_eq!(saved.load().unwrap().unwrap().elsewhere, vec!["たろう".to_owned()]);
        // A registration in progress on this phone is not replaced by the cloud's.
        let typing =
            State { screen: busy(Activity::LoadingTerms), ..speaking(Screen::Nickname, SpeakerDraft::default()) };
        assert_eq!(checked(&typing).speaker_nickname, None);
    }

    #[test]
    fn new_id_opens_registration() {
        let (opening, effects) = update(&State::default(), Event::Tap(Action::CreateId));
        assert_eq!(
            (opening.screen, effects),
            (busy(Activity::OpeningRegistration), vec![Effect::OpenLogin { create: true }])
        );
    }
}
