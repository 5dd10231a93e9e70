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
