//! App Flip: Google Home asks this app to approve the account link, and gets an answer now or
//! never — approved, declined, or "use your browser" (`login_required`,
//! `temporarily_unavailable`) when the app cannot approve.

use super::activity::start;
use super::event::{Effect, Failure};
use super::model::{AppFlipAnswer, AppFlipRequest, Notice, State};
use super::screen::{Action, Activity, Screen};
use super::text::Language;
use super::view::{Offer, Page};

/// Google Home's request arrived; `valid` after the façade's checks.
pub fn requested(mut next: State, request: AppFlipRequest, valid: bool) -> (State, Vec<Effect>) {
    if !valid {
        next.notice = Some(Notice::LinkRequestRefused);
        return (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Refused)]);
    }
    // An app that must be updated first cannot approve either; Google uses its browser.
    let updating =
        std::iter::once(&next.screen).chain(&next.return_to).any(|s| matches!(s, Screen::UpdateRequired { .. }));
    if updating {
        let redirect = error_redirect(&request, "temporarily_unavailable");
        return (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect })]);
    }
    if next.account.is_none() {
        next.notice = Some(Notice::LogInFirst);
        let redirect = error_redirect(&request, "login_required");
        return (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect })]);
    }
    // A newer request replaces one still waiting, also under help opened from its
    // consent screen: the way back never grows by more than one consent.
    if let Some(earlier) = next.return_to.iter().position(|s| matches!(s, Screen::AppFlipConsent { .. })) {
        next.return_to.truncate(earlier);
    } else if !matches!(next.screen, Screen::AppFlipConsent { .. } | Screen::Busy { .. }) {
        next.return_to.push(next.screen.clone());
    }
    next.screen = Screen::AppFlipConsent { scope: request.scope.clone() };
    next.app_flip = Some(request);
    (next, vec![])
}

/// The approval went back to Google Home: the user returns where they were.
pub fn answered(mut next: State) -> (State, Vec<Effect>) {
    next.app_flip = None;
    next.screen = next.return_to.pop().unwrap_or_else(|| next.home());
    (next, vec![])
}

/// 「同意してリンク」.
pub fn approve(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::ApprovingLink)
}

/// 「キャンセル」: Google is told no (`access_denied`).
pub fn decline(mut next: State) -> (State, Vec<Effect>) {
    match next.app_flip.take() {
        Some(request) => {
            next.screen = next.return_to.pop().unwrap_or_else(|| next.home());
            let redirect = error_redirect(&request, "access_denied");
            (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Declined { redirect })])
        }
        None => (next, vec![]),
    }
}

/// The approval could not be made. Google Home waits for an answer now or never. The user said
/// yes and the request was trusted, so this is not a no: Google is told the app cannot approve
/// now and goes on with its browser login; the user goes back where they were.
pub fn approval_failed(mut next: State, failure: Failure) -> (State, Vec<Effect>) {
    let error = if failure == Failure::SessionExpired { "login_required" } else { "temporarily_unavailable" };
    // (Without the request there is no redirect to answer at: a plain refusal still lets
    // Android's activity finish.)
    let answer = match next.app_flip.take() {
        Some(r) => AppFlipAnswer::Unavailable { redirect: error_redirect(&r, error) },
        None => AppFlipAnswer::Refused,
    };
    next.screen = next.return_to.pop().unwrap_or_else(|| next.home());
    next.notice =
        Some(if failure == Failure::NotRegistered { Notice::RegisterBeforeLinking } else { Notice::LinkNotAnswered });
    (next, vec![Effect::AnswerGoogle(answer)])
}

/// Google's redirect with an OAuth error (RFC 6749 §4.1.2.1): `access_denied` is the user's no,
/// `login_required` and `temporarily_unavailable` send Google on to its own browser login.
pub fn error_redirect(request: &AppFlipRequest, error: &str) -> String {
    with_params(&request.redirect_uri, &[("error", error), ("state", &request.state)])
}

/// `base` with query parameters added (a validated redirect URI).
pub fn with_params(base: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.to_string()
        }
        Err(_) => base.to_owned(),
    }
}

pub fn consent_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::ApproveLink, "同意してリンク", "Agree and link"),
        Offer::other(Action::DeclineLink, "キャンセル", "Cancel"),
    ]
}

/// Google Home asks to link with this account; no password is typed again.
pub fn consent_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("Google Home とのリンク", "Link with Google Home"),
        vec![
            t(
                "Google が、あなたの CLUB Panasonic ID にリンクして、AiSEG2 に登録した機器を音声で操作できるようにすることを求めています。",
                "Google asks to link with your CLUB Panasonic ID so you can control your AiSEG2 devices by voice.",
            ),
            t("パスワードをもう一度入力する必要はありません。", "You do not need to enter your password again."),
        ],
    )
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

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
            assert_eq!(
                effects,
                vec![Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect: expected })],
                "{failure:?}"
            );
            assert_eq!(
                (&back.screen, back.notice, &back.app_flip),
                (&Screen::WaitingForGoogleHome, Some(notice), &None)
            );
            // Google Home then links in its browser: the warning is no longer true.
            let (done, _) = update(&back, Event::LinkChecked { linked: true });
            assert_eq!((done.screen, done.notice), (Screen::SpeakerDone, None));
        }
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
        assert!(
            matches!(&effects[..], [Effect::AnswerGoogle(AppFlipAnswer::Declined { redirect })] if redirect.contains("state=5"))
        );
    }

    #[test]
    fn app_flip_while_an_update_is_required_goes_to_googles_browser() {
        let need = firmware_need();
        let blocked = State {
            return_to: vec![Screen::WaitingForGoogleHome],
            ..on(Screen::UpdateRequired { need: need.clone() })
        };
        let (still, effects) = update(&blocked, Event::AppFlip { request: google_request("u"), valid: true });
        assert_eq!(still.screen, Screen::UpdateRequired { need });
        assert!(
            matches!(&effects[..], [Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect })] if redirect.contains("temporarily_unavailable"))
        );
    }
}
