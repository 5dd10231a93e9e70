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

/// The same 2D-code link handed in again (a re-created activity hands its link again): ignored
/// while the registration it started is under way (claimed or being claimed, not yet
/// registered), so a half-typed nickname survives; otherwise it is a code scanned again.
pub fn opened_again(state: &State, next: State, code: RegistrationCode) -> (State, Vec<Effect>) {
    let under_way = state.speaker.as_ref().is_some_and(|draft| state.registered.as_ref() != Some(draft));
    if under_way {
        (state.clone(), vec![])
    } else {
        opened(next, code)
    }
}

/// The AiSEG2 is bound to this account: on to the nickname.
pub fn claimed(mut next: State) -> (State, Vec<Effect>) {
    next.screen = Screen::Nickname;
    (next, vec![])
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

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
        assert_eq!(
            (claiming.screen, effects),
            (busy(Activity::ClaimingCode), vec![Effect::KeepCode(code()), Effect::ClaimCode])
        );
    }

    /// The same 2D-code link handed in again (a rotation re-creates the activity) leaves a
    /// half-typed nickname alone; after registering, a code scanned again is claimed again (and
    /// the cloud says it is used).
    #[test]
    fn the_same_2d_code_again_changes_nothing_while_its_registration_is_under_way() {
        let code = || RegistrationCode("c".repeat(24));
        let typing = speaking(Screen::Nickname, SpeakerDraft { nickname: "たろ".into(), ..SpeakerDraft::default() });
        let claiming = speaking(busy(Activity::ClaimingCode), SpeakerDraft::default());
        for state in [typing, claiming] {
            assert_eq!(update(&state, Event::RegistrationLinkAgain(code())), (state.clone(), vec![]));
        }
        let registered = State { registered: Some(complete()), ..speaking(Screen::HandOff, complete()) };
        let (claiming, effects) = update(&registered, Event::RegistrationLinkAgain(code()));
        assert_eq!(
            (claiming.screen, effects),
            (busy(Activity::ClaimingCode), vec![Effect::KeepCode(code()), Effect::ClaimCode])
        );
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
}
