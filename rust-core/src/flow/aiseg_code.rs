//! The AiSEG2's 2D code (flow C, steps 1–8 on the panel): the link it opens starts speaker
//! registration for that AiSEG2, logging in first when nobody is, never asking the app's terms.

use super::activity::start;
use super::app_flip;
use super::event::Effect;
use super::model::{AppFlipAnswer, RegistrationCode, SpeakerDraft, State};
use super::screen::{Action, Activity, Screen};
use super::text::Language;
use super::view::{Offer, Page};

/// A 2D code was opened: registration for its AiSEG2 starts afresh — unless the user is filling
/// in a registration, which is not thrown away unasked: the code is put aside and they choose.
pub fn opened(mut next: State, code: RegistrationCode) -> (State, Vec<Effect>) {
    if in_progress(&next) {
        // A third code while the question is asked (or waits beneath help, an update or Google
        // Home's consent, which need their answer first) replaces the second; nothing moves.
        let asked = std::iter::once(&next.screen).chain(&next.return_to).any(|s| *s == Screen::NewCodePrompt);
        if !asked {
            next.return_to.push(next.screen.clone());
            next.screen = Screen::NewCodePrompt;
        }
        return (next, vec![Effect::HoldCode(code)]);
    }
    afresh(next, Effect::KeepCode(code))
}

/// Whether the user has put something into a registration not made yet: a nickname typed,
/// devices chosen (an edit of a registration made counts once it differs from it).
fn in_progress(state: &State) -> bool {
    state.speaker.as_ref().is_some_and(|draft| {
        state.registered.as_ref() != Some(draft) && (!draft.nickname.is_empty() || !draft.selection.chosen.is_empty())
    })
}

/// Registration for the code `keep` names starts over, logging in first when nobody is.
fn afresh(mut next: State, keep: Effect) -> (State, Vec<Effect>) {
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
    (next, declined.into_iter().chain([keep]).chain(effects).collect())
}

/// 「今の登録を続ける」: back to where the user was, the new code forgotten.
pub fn carry_on(mut next: State) -> (State, Vec<Effect>) {
    let (next, effects) = match next.return_to.pop() {
        // Asked at a relaunch over work in flight: that work starts again.
        Some(Screen::Busy { activity }) => start(next, activity),
        Some(screen) => {
            next.screen = screen;
            (next, vec![])
        }
        None => {
            next.screen = Screen::Nickname;
            (next, vec![])
        }
    };
    (next, [Effect::DropHeldCode].into_iter().chain(effects).collect())
}

/// 「新しいコードで登録し直す」: what was typed goes, and the new code is claimed.
pub fn start_over(next: State) -> (State, Vec<Effect>) {
    afresh(next, Effect::UseHeldCode)
}

pub fn new_code_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::ContinueRegistration, "今の登録を続ける", "Carry on with this registration"),
        Offer::other(Action::StartOverWithNewCode, "新しいコードで登録し直す", "Start over with the new code"),
    ]
}

pub fn new_code_page(state: &State, lang: Language) -> Page {
    let draft = state.speaker.clone().unwrap_or_default();
    let chosen = draft.selection.chosen.len();
    let what = match (draft.nickname.is_empty(), chosen) {
        (false, 0) => {
            lang.pick(&format!("ニックネーム「{}」", draft.nickname), &format!("the nickname '{}'", draft.nickname))
        }
        (true, n) => lang.pick(&format!("選んだ機器{n}台"), &format!("{n} devices chosen")),
        (false, n) => lang.pick(
            &format!("ニックネーム「{}」、選んだ機器{n}台", draft.nickname),
            &format!("the nickname '{}' and {n} devices chosen", draft.nickname),
        ),
    };
    Page::new(
        lang.pick("新しい2次元コードが読み取られました", "A new 2D code was opened"),
        vec![
            lang.pick(
                &format!("スマートスピーカー連携の登録を入力している途中です（{what}）。"),
                &format!("You are in the middle of a smart speaker registration ({what})."),
            ),
            lang.pick(
                "新しいコードで登録し直すと、入力した内容は消えます。今の登録を続けると、新しいコードは使われません。",
                "Starting over with the new code clears what you entered. Carrying on leaves the new code unused.",
            ),
        ],
    )
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

    /// A new 2D code while the user is filling in a registration asks first: carrying on keeps
    /// every letter typed and every device chosen; starting over claims the new code. Nothing
    /// typed, nothing to ask.
    #[test]
    fn a_new_2d_code_during_a_registration_asks_before_starting_over() {
        let new = || RegistrationCode("n".repeat(24));
        let typed = SpeakerDraft { nickname: "たろう".into(), ..draft_with(&DEVICES, &["ac-1"]) };
        for (under, draft) in [
            (Screen::Nickname, typed.clone()),
            (Screen::DeviceSelection, typed.clone()),
            (Screen::Help { support: support::built_in(), now: 0 }, typed.clone()),
            (Screen::Utterances, complete()),
        ] {
            let filling = speaking(under.clone(), draft.clone());
            let (asking, effects) = update(&filling, Event::RegistrationLink(new()));
            assert_eq!((&asking.screen, &effects), (&Screen::NewCodePrompt, &vec![Effect::HoldCode(new())]));
            assert_eq!(asking.speaker.as_ref(), Some(&draft), "nothing goes before the user says so");
            assert_eq!(back(&asking), Some(Action::ContinueRegistration));
            let shown = view(&asking, Language::Japanese);
            assert!(shown.body[0].contains("途中"), "{:?}", shown.body);
            // A third code while asking is the one put aside; the question stays.
            let (again, effects) = update(&asking, Event::RegistrationLink(RegistrationCode("t".repeat(24))));
            assert_eq!((&again.screen, &again.return_to), (&asking.screen, &asking.return_to));
            assert_eq!(effects, vec![Effect::HoldCode(RegistrationCode("t".repeat(24)))]);

            let (kept, effects) = update(&asking, Event::Tap(Action::ContinueRegistration));
            assert_eq!((&kept.screen, &effects), (&under, &vec![Effect::DropHeldCode]));
            assert_eq!(kept.speaker.as_ref(), Some(&draft));

            let (claiming, effects) = update(&asking, Event::Tap(Action::StartOverWithNewCode));
            assert_eq!(
                (&claiming.screen, &effects),
                (&busy(Activity::ClaimingCode), &vec![Effect::UseHeldCode, Effect::ClaimCode])
            );
            assert_eq!(claiming.speaker, Some(SpeakerDraft::default()));
        }
        // The question waiting beneath what needs its answer first (an update found meanwhile):
        // a third code is put aside, and nothing moves.
        let need = UpdateNeed { target: UpdateTarget::App, installed: "1".into(), required: "2".into() };
        let beneath = State {
            return_to: vec![Screen::Nickname, Screen::NewCodePrompt],
            ..speaking(Screen::UpdateRequired { need }, typed.clone())
        };
        let (same, effects) = update(&beneath, Event::RegistrationLink(new()));
        assert_eq!((&same.screen, &same.return_to), (&beneath.screen, &beneath.return_to));
        assert_eq!(effects, vec![Effect::HoldCode(new())]);
        let nickname = view(&speaking(Screen::NewCodePrompt, typed), Language::Japanese);
        assert!(nickname.body[0].contains("「たろう」") && nickname.body[0].contains("1台"), "{:?}", nickname.body);
        // Nothing typed or chosen yet: the new code is simply used.
        let (claiming, effects) =
            update(&speaking(Screen::Nickname, SpeakerDraft::default()), Event::RegistrationLink(new()));
        assert_eq!(
            (claiming.screen, effects),
            (busy(Activity::ClaimingCode), vec![Effect::KeepCode(new()), Effect::ClaimCode])
        );
        // Asked at a relaunch over a registration in flight: carrying on sends it again.
        let relaunched =
            State { return_to: vec![busy(Activity::Registering)], ..speaking(Screen::NewCodePrompt, complete()) };
        let (registering, effects) = update(&relaunched, Event::Tap(Action::ContinueRegistration));
        assert_eq!(registering.screen, busy(Activity::Registering));
        assert!(matches!(effects[..], [Effect::DropHeldCode, Effect::Register(_)]), "{effects:?}");
    }
}
