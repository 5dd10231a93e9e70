//! What the app is busy with: the effect that (re)starts each activity, and its loading screen.
//!
//! Every sub-flow starts work through `start`, and a relaunch restarts the activity the saved
//! screen shows, so an activity is started the same way whether a tap or a restart asks for it.

use super::event::Effect;
use super::model::{AppFlipAnswer, Registration, State};
use super::nickname;
use super::screen::{Activity, Problem, Screen, TermsKind};
use super::text::Language;
use super::view::Page;

/// The effect that (re)starts an activity. `SigningIn` has none: the one-time code it was
/// exchanging is gone after a restart, so the user is asked to log in again.
fn effect_for(activity: &Activity) -> Option<Effect> {
    match activity {
        Activity::OpeningLogin => Some(Effect::OpenLogin { create: false }),
        Activity::OpeningRegistration => Some(Effect::OpenLogin { create: true }),
        Activity::ClaimingCode => Some(Effect::ClaimCode),
        Activity::WipingOldId => Some(Effect::WipeOldId),
        Activity::LoadingHelp => Some(Effect::LoadHelp),
        // Resumed from the saved request by `start`.
        Activity::ApprovingLink => None,
        Activity::SigningIn => None,
        Activity::LoadingTerms => Some(Effect::CheckTerms),
        Activity::SavingConsent { version } => Some(Effect::SaveConsent { version: version.clone() }),
        Activity::SigningOut => Some(Effect::SignOut),
        Activity::LoadingPrivacyPolicy => Some(Effect::LoadTerms(TermsKind::Privacy)),
        Activity::LoadingDevices => Some(Effect::LoadDevices),
        Activity::LoadingSpeakerTerms => Some(Effect::LoadTerms(TermsKind::Speaker)),
        // Registration is rebuilt from the saved draft by `start`.
        Activity::Registering => None,
        Activity::CheckingLink => Some(Effect::CheckLink),
    }
}

/// The registration the draft describes, once every part of it is there.
pub fn registration(state: &State) -> Option<Registration> {
    let draft = state.speaker.as_ref()?;
    Some(Registration {
        nickname: nickname::validate(&draft.nickname).ok()?,
        device_ids: draft.selection.chosen.iter().cloned().collect(),
        rooms: draft
            .rooms
            .iter()
            .filter(|(id, room)| draft.selection.chosen.contains(*id) && !room.is_empty())
            .map(|(id, room)| (id.clone(), room.clone()))
            .collect(),
        privacy_version: draft.privacy_version.clone()?,
        speaker_terms_version: draft.speaker_terms_version.clone()?,
        provider: draft.provider?,
        move_here: draft.move_here,
    })
}

/// Move to `Busy(activity)` and start it.
pub fn start(mut state: State, activity: Activity) -> (State, Vec<Effect>) {
    let effect = match activity {
        Activity::Registering => registration(&state).map(Effect::Register),
        Activity::ApprovingLink => state.app_flip.clone().map(Effect::AuthorizeGoogle),
        _ => effect_for(&activity),
    };
    match effect {
        Some(effect) => {
            state.screen = Screen::Busy { activity };
            (state, vec![effect])
        }
        // No request to approve (cannot happen through the screens): whoever waits is told no.
        None if activity == Activity::ApprovingLink => {
            state.screen = state.return_to.pop().unwrap_or(Screen::Welcome);
            (state, vec![Effect::AnswerGoogle(AppFlipAnswer::Refused)])
        }
        None if activity == Activity::SigningIn => {
            state.screen = Screen::Problem { problem: Problem::LoginInterrupted };
            (state, vec![])
        }
        // A registration whose draft is incomplete (cannot happen through the screens) starts over.
        None => {
            state.screen = Screen::Nickname;
            (state, vec![])
        }
    }
}

/// The loading screen of an activity: a title and a spinner, no taps.
pub fn busy_page(activity: &Activity, lang: Language) -> Page {
    let (ja, en) = match activity {
        Activity::OpeningLogin => ("ログイン画面を開いています…", "Opening the login page…"),
        Activity::SigningIn => ("ログインしています…", "Logging in…"),
        Activity::LoadingTerms => ("読み込んでいます…", "Loading…"),
        Activity::SavingConsent { .. } => ("同意を登録しています…", "Saving your consent…"),
        Activity::SigningOut => ("ログアウトしています…", "Logging out…"),
        Activity::LoadingPrivacyPolicy | Activity::LoadingSpeakerTerms => ("読み込んでいます…", "Loading…"),
        Activity::LoadingDevices => ("AiSEG2の機器を読み込んでいます…", "Reading the AiSEG2's devices…"),
        Activity::Registering => ("登録しています…", "Registering…"),
        Activity::CheckingLink => ("連携を確認しています…", "Checking the link…"),
        Activity::ApprovingLink => ("Google Homeに連携を伝えています…", "Telling Google Home…"),
        Activity::OpeningRegistration => ("新規登録画面を開いています…", "Opening registration…"),
        Activity::ClaimingCode => ("AiSEG2を確認しています…", "Checking the AiSEG2…"),
        Activity::WipingOldId => ("以前のIDの情報を削除しています…", "Removing the old ID's data…"),
        Activity::LoadingHelp => ("読み込んでいます…", "Loading…"),
    };
    Page::new(lang.pick(ja, en), vec![])
}
