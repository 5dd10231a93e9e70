//! The AiSEG2's 2D code (flow C, steps 1–8 on the panel): the link it opens starts speaker
//! registration for that AiSEG2, logging in first when nobody is, never asking the app's terms.

use super::activity::start;
use super::app_flip;
use super::event::Effect;
use super::model::{AppFlipAnswer, RegistrationCode, SpeakerDraft, State};
use super::screen::{Activity, Screen};

pub fn opened(mut next: State, code: RegistrationCode) -> (State, Vec<Effect>) {
    // A new code starts afresh: no earlier retry or after-login step carries over, and an
    // App Flip request left unanswered is declined.
    let declined = next.app_flip.take().map(|r| {
        Effect::AnswerGoogle(AppFlipAnswer::Declined { redirect: app_flip::error_redirect(&r, "access_denied") })
    });
    (next.retry, next.after_login) = (None, None);
    next.speaker = Some(SpeakerDraft::default());
    next.speaker_prompt_answered = true;
    let (next, effects) = if next.account.is_none() {
        next.after_login = Some(Activity::ClaimingCode);
        start(next, Activity::OpeningLogin)
    } else {
        start(next, Activity::ClaimingCode)
    };
    (next, declined.into_iter().chain([Effect::KeepCode(code)]).chain(effects).collect())
}

/// The AiSEG2 is bound to this account: on to the nickname.
pub fn claimed(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::Nickname;
    (next, vec![])
}
