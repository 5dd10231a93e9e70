//! The flow: every rule of what the app shows next, as one pure function.
//!
//! `update(state, event) -> (state, effects)` is the whole app's behaviour. Events are the user's
//! taps, links handed in from outside and the results of effects; effects are requests the
//! runtime carries out ("open the login page", "load the terms"). No I/O, clock or randomness
//! lives here, so every screen is testable in microseconds and the graph can be explored
//! exhaustively (`graph`), which is also how `docs/flow.md` is drawn.
//!
//! This file is the dispatcher: which sub-flow handles each event, tap and screen, and the few
//! rules that cross sub-flows (notices, the way back from help and detours). Each sub-flow module
//! holds its rules, its screens' offers and pages, and its tests:
//!
//! | module | what |
//! |---|---|
//! | `launch` | step 1's version check, the old Panasonic ID (migration), resuming after a relaunch |
//! | `login` | CLUB Panasonic login (steps 2–3), the app's terms (4), logout |
//! | `home` | home (6-A) |
//! | `speaker` | the speaker question (5) and registration (12–17) |
//! | `google_home` | the hand-off to Google Home and the link check (18–25, p.10) |
//! | `aiseg_code` | the AiSEG2's 2D code (flow C) |
//! | `app_flip` | Google Home asking the app to approve the link |
//! | `help` | support lines and hours |
//! | `problem` | failures, and the screens that say what to do next |
//!
//! Beneath them, depended on and depending on none of them: the vocabulary (`screen`: screens,
//! actions, activities), the saved state (`model`), events and effects (`event`), starting an
//! activity (`activity`), the view types (`view`), and the rules of names, devices, voice and
//! support hours (`nickname`, `devices`, `voice`, `support`, `links`).

mod activity;
mod aiseg_code;
mod app_flip;
pub mod devices;
mod event;
mod google_home;
pub mod graph;
mod help;
mod home;
mod launch;
pub mod links;
mod login;
mod model;
pub mod nickname;
mod problem;
mod screen;
mod speaker;
pub mod support;
mod text;
mod view;
pub mod voice;

pub use app_flip::with_params;
pub use devices::{Category, Device, Selection};
pub use event::{Effect, Event, Failure, PhoneTask};
pub use launch::runs_beside;
pub use model::{
    Account, AppFlipAnswer, AppFlipRequest, FoundRegistration, IncomingUrl, Notice, Registration, RegistrationCode,
    SpeakerDraft, State,
};
pub use nickname::NicknameError;
pub use screen::{Action, Activity, Problem, Screen, SpeakerProvider, Terms, TermsKind};
pub use support::{Support, SupportDays, SupportLine, UpdateNeed, UpdateTarget};
pub use text::Language;
pub use view::{Button, Label, Offer, ScreenView, TextInput};
pub use voice::NameWarning;

use view::Page;

/// The transition function: all of the app's behaviour (`transition`, below, top to bottom).
pub fn update(state: &State, event: Event) -> (State, Vec<Effect>) {
    let (mut next, effects) = transition(state, event);
    // The way back only exists while help, an update screen or App Flip's consent is in front.
    let detour = matches!(
        next.screen,
        Screen::Help { .. }
            | Screen::UpdateRequired { .. }
            | Screen::AppFlipConsent { .. }
            | Screen::NewCodePrompt
            | Screen::Busy { activity: Activity::LoadingHelp | Activity::ApprovingLink }
    );
    if !detour {
        next.return_to.clear();
    }
    (next, effects)
}

fn transition(state: &State, event: Event) -> (State, Vec<Effect>) {
    let mut next = state.clone();
    settle_notice(&event, &mut next);
    match event {
        // ── Launch and updates (step 1) ──
        Event::Launched => launch::launched(state, next),
        Event::VersionsChecked { need: Some(need) } => launch::update_needed(next, need),
        Event::VersionsChecked { need: None } => launch::up_to_date(state, next),
        Event::OldIdChecked { found } => launch::old_id_checked(next, found),
        Event::OldIdWiped => launch::old_id_wiped(next),
        // ── Taps: only the buttons the current screen offers (and enables) do anything ──
        Event::Tap(action) if offers(state, &action) => tap(next, action),
        Event::Tap(_) => (state.clone(), vec![]),
        // ── Links from outside: a login redirect, a 2D code, Google Home's App Flip, or none ──
        Event::Incoming(url) => login::redirect(state, next, url),
        Event::IncomingAgain(url) => login::redirect_again(state, next, url),
        Event::RegistrationLink(code) => aiseg_code::opened(next, code),
        Event::RegistrationLinkAgain(code) => aiseg_code::opened_again(state, next, code),
        Event::AppFlip { request, valid } => app_flip::requested(next, request, valid),
        Event::StrayLink => {
            next.notice = Some(Notice::LinkRefused);
            (next, vec![])
        }
        // ── Coming back to the app (from Google Home) ──
        Event::Foregrounded => google_home::foregrounded(state, next),
        // ── Results of effects ──
        Event::LoginOpened => login::login_opened(next),
        Event::SignedIn(account) => login::signed_in(next, account),
        Event::TermsChecked { terms, accepted, legacy_speaker_user, found, elsewhere } => {
            login::terms_checked(state, login::found(next, found, elsewhere), terms, accepted, legacy_speaker_user)
        }
        Event::ConsentSaved => login::after_terms(next),
        Event::SignedOut => login::signed_out(),
        Event::TermsLoaded { kind, terms } => speaker::terms_loaded(next, kind, terms),
        Event::DevicesLoaded(devices) => speaker::devices_loaded(next, devices),
        Event::Registered => speaker::registered(state, next),
        Event::LinkChecked { linked } => google_home::link_checked(state, next, linked),
        Event::CodeClaimed => aiseg_code::claimed(next),
        Event::AppFlipAnswered => app_flip::answered(next),
        Event::HelpLoaded { support, now } => help::loaded(next, support, now),
        Event::Failed(failure) => problem::failed(state, next, failure),
        // Told over the busy screen only: elsewhere nothing is waiting.
        Event::AskedToWait => {
            if state.running().is_some() {
                next.notice = Some(Notice::WaitingForService);
            }
            (next, vec![])
        }
        // ── The phone could not do what it was asked: say so where the user is ──
        Event::PhoneFailed(task) => {
            next.notice = Some(match task {
                PhoneTask::OpenBrowser => Notice::BrowserNotOpened,
                PhoneTask::OpenGoogleHome => Notice::GoogleHomeNotOpened,
                PhoneTask::OpenStore => Notice::StoreNotOpened,
                PhoneTask::AnswerGoogle => Notice::LinkNotAnswered,
            });
            (next, vec![])
        }
    }
}

/// A notice lasts until the user does something; results of effects, a relaunch and coming back
/// to the app keep it (it may be the news of what happened while they were away). News a later
/// result makes untrue goes: a refresh that worked ("could not refresh"), a link that exists
/// after all (Google Home finished it in its browser after App Flip could not).
fn settle_notice(event: &Event, next: &mut State) {
    // A link handed in again that is ignored keeps the state whole (notice included): see there.
    let acted = matches!(event, Event::Tap(_) | Event::Incoming(_) | Event::IncomingAgain(_) | Event::StrayLink);
    let untrue = matches!(
        (event, next.notice),
        (Event::TermsChecked { .. } | Event::LinkChecked { .. }, Some(Notice::RefreshFailed))
            | (
                Event::LinkChecked { linked: true },
                Some(Notice::LinkNotAnswered | Notice::LogInFirst | Notice::RegisterBeforeLinking)
            )
    );
    // The wait is over once anything else happens.
    let waited = next.notice == Some(Notice::WaitingForService) && *event != Event::AskedToWait;
    if acted || untrue || waited {
        next.notice = None;
    }
}

/// Whether the current screen offers this action now (typing and rooms have no button).
fn offers(state: &State, action: &Action) -> bool {
    match action {
        Action::EditNickname { .. } => state.screen == Screen::Nickname,
        Action::SetRoom { id, .. } => speaker::has_device(state, id),
        // What `speaker::device_offers` offers, always enabled, without listing every device
        // (the check runs on each tap; a screen of 5,000 devices made it the slowest part).
        Action::ToggleDevice { id } => speaker::has_device(state, id),
        Action::ToggleCategory { category } => speaker::has_category(state, *category),
        _ => offered(state).iter().any(|offer| offer.action == *action && offer.enabled),
    }
}

/// Each tap, to the sub-flow it belongs to.
fn tap(next: State, action: Action) -> (State, Vec<Effect>) {
    match action {
        Action::Migrate => launch::migrate(next),
        Action::OpenStore => launch::open_store(next),
        Action::CheckUpdates => launch::check_updates(next),
        Action::OpenHelp => help::open(next),
        Action::CloseHelp => help::close(next),
        Action::OpenLogin => login::open_login(next, false),
        Action::CreateId => login::open_login(next, true),
        Action::CancelLogin => login::cancel_login(next),
        Action::AcceptTerms => accept_terms(next),
        Action::DeclineTerms => decline_terms(next),
        Action::ReviewTerms => login::review_terms(next),
        Action::Logout => login::logout(next),
        Action::SkipSpeaker | Action::GoHome => home::go_home(next),
        Action::RegisterSpeaker => speaker::begin(next),
        Action::TakeOverRegistration { nickname } => speaker::take_over(next, nickname),
        Action::CancelSpeaker => speaker::cancel(next),
        Action::EditSpeaker => speaker::edit(next),
        Action::EditNickname { text } => speaker::edit_nickname(next, text),
        Action::SubmitNickname => speaker::submit_nickname(next),
        Action::MoveRegistrationHere => speaker::move_here(next),
        Action::ToggleDevice { id } => speaker::toggle_device(next, &id),
        Action::SetRoom { id, room } => speaker::set_room(next, id, room),
        Action::ToggleCategory { category } => speaker::toggle_category(next, category),
        Action::RefreshDevices => speaker::reload_devices(next),
        Action::ConfirmDevices => speaker::confirm_devices(next),
        Action::ChooseSpeaker { provider } => speaker::choose_speaker(next, provider),
        Action::Register => speaker::register(next),
        Action::OpenGoogleHome => google_home::open_google_home(next),
        Action::CheckLink => google_home::check_link(next),
        Action::VoiceNotWorking => google_home::voice_not_working(next),
        Action::ApproveLink => app_flip::approve(next),
        Action::ContinueRegistration => aiseg_code::carry_on(next),
        Action::StartOverWithNewCode => aiseg_code::start_over(next),
        Action::DeclineLink => app_flip::decline(next),
        Action::Retry => problem::retry(next),
    }
}

/// 「同意する」: the app's terms, the privacy policy or the speaker terms, by the screen it is on.
fn accept_terms(next: State) -> (State, Vec<Effect>) {
    let version = match &next.screen {
        Screen::AppTerms { terms, .. } | Screen::PrivacyPolicy { terms } | Screen::SpeakerTerms { terms } => {
            terms.version.clone()
        }
        // Offered on those three screens only.
        _ => return (next, vec![]),
    };
    match next.screen {
        Screen::AppTerms { .. } => login::accept_terms(next, version),
        Screen::PrivacyPolicy { .. } => speaker::accept_privacy(next, version),
        _ => speaker::accept_speaker_terms(next, version),
    }
}

/// 「同意しない」: the app cannot be used without its terms; a speaker consent declined ends the
/// registration.
fn decline_terms(next: State) -> (State, Vec<Effect>) {
    match next.screen {
        Screen::AppTerms { .. } => login::decline_terms(next),
        _ => speaker::decline_terms(next),
    }
}

/// What the current screen offers, in the order it shows them, with no text: the tap check, the
/// graph explorer and the view all start here.
pub fn offered(state: &State) -> Vec<Offer> {
    let mut offers = match &state.screen {
        Screen::Welcome => login::welcome_offers(),
        Screen::Login => login::login_offers(),
        Screen::Busy { .. } => vec![],
        Screen::AppTerms { .. } => login::terms_offers(),
        Screen::TermsDeclined => login::terms_declined_offers(),
        Screen::SpeakerPrompt => speaker::prompt_offers(state),
        Screen::Nickname => speaker::nickname_offers(state),
        Screen::PrivacyPolicy { .. } | Screen::SpeakerTerms { .. } => speaker::speaker_terms_offers(),
        Screen::DeviceSelection => speaker::device_offers(state),
        Screen::AccountLink => speaker::account_link_offers(),
        Screen::Utterances => speaker::utterances_offers(),
        Screen::HandOff => google_home::hand_off_offers(),
        Screen::WaitingForGoogleHome => google_home::waiting_offers(),
        Screen::SpeakerDone => google_home::done_offers(),
        Screen::Troubleshooting => google_home::troubleshooting_offers(),
        Screen::SpeakerCancelled => speaker::cancelled_offers(),
        Screen::NewCodePrompt => aiseg_code::new_code_offers(),
        Screen::AppFlipConsent { .. } => app_flip::consent_offers(),
        Screen::Home { speaker_nickname, speaker_linked, .. } => {
            home::offers(state, speaker_nickname.as_ref(), *speaker_linked)
        }
        Screen::Migration => launch::migration_offers(),
        Screen::UpdateRequired { need } => launch::update_offers(need),
        Screen::Help { .. } => help::offers(),
        Screen::Problem { problem } => problem::offers(*problem),
    };
    if view::takes_help(&state.screen) {
        offers.push(view::help_offer());
    }
    offers
}

/// The words of the current screen.
fn page(state: &State, lang: Language) -> Page {
    match &state.screen {
        Screen::Welcome => login::welcome_page(lang),
        Screen::Login => login::login_page(lang),
        Screen::Busy { activity } => activity::busy_page(activity, lang),
        Screen::AppTerms { terms, revised } => login::app_terms_page(terms, *revised, lang),
        Screen::TermsDeclined => login::terms_declined_page(lang),
        Screen::SpeakerPrompt => speaker::prompt_page(state, lang),
        Screen::Nickname => speaker::nickname_page(state, lang),
        Screen::PrivacyPolicy { terms } | Screen::SpeakerTerms { terms } => speaker::terms_page(terms, lang),
        Screen::DeviceSelection => speaker::device_page(state, lang),
        Screen::AccountLink => speaker::account_link_page(lang),
        Screen::Utterances => speaker::utterances_page(state, lang),
        Screen::HandOff => google_home::hand_off_page(lang),
        Screen::WaitingForGoogleHome => google_home::waiting_page(lang),
        Screen::SpeakerDone => google_home::done_page(state, lang),
        Screen::Troubleshooting => google_home::troubleshooting_page(state, lang),
        Screen::SpeakerCancelled => speaker::cancelled_page(lang),
        Screen::NewCodePrompt => aiseg_code::new_code_page(state, lang),
        Screen::AppFlipConsent { .. } => app_flip::consent_page(lang),
        Screen::Home { display_name, speaker_nickname, speaker_linked } => {
            home::page(display_name, speaker_nickname.as_ref(), *speaker_linked, lang)
        }
        Screen::Migration => launch::migration_page(lang),
        Screen::UpdateRequired { need } => launch::update_page(need, lang),
        Screen::Help { support, now } => help::page(support, *now, lang),
        Screen::Problem { problem } => problem::page(*problem, lang),
    }
}

/// The current screen as a shell draws it, in the user's language.
pub fn view(state: &State, lang: Language) -> ScreenView {
    let offers = offered(state);
    let buttons = match state.screen {
        Screen::DeviceSelection => speaker::device_buttons(state, offers, lang),
        _ => offers.into_iter().map(|offer| view::button(offer, lang, state)).collect(),
    };
    view::assemble(state, lang, page(state, lang), buttons, back(state))
}

/// The action the system back button (or the back swipe) sends on the current screen: a way out
/// the screen already offers that loses nothing, or none. Screens in the middle of a registration
/// or a consent have none: back must not throw away what was typed, chosen or asked.
pub fn back(state: &State) -> Option<Action> {
    let action = match &state.screen {
        Screen::Login => Action::CancelLogin,
        Screen::Help { .. } => Action::CloseHelp,
        // Back keeps what was typed: the registration in progress goes on.
        Screen::NewCodePrompt => Action::ContinueRegistration,
        // Google Home waits for an answer: back is the user's no.
        Screen::AppFlipConsent { .. } => Action::DeclineLink,
        Screen::SpeakerDone | Screen::Troubleshooting | Screen::SpeakerCancelled => Action::GoHome,
        Screen::Problem { problem: Problem::CodeExpired } => Action::GoHome,
        Screen::Problem { problem: Problem::LoginCancelled | Problem::LoginRejected | Problem::LoginInterrupted } => {
            Action::CancelLogin
        }
        Screen::Problem {
            problem: Problem::Offline | Problem::Untrusted | Problem::ServiceTrouble | Problem::SessionExpired,
        }
        | Screen::Welcome
        | Screen::Busy { .. }
        | Screen::AppTerms { .. }
        | Screen::TermsDeclined
        | Screen::SpeakerPrompt
        | Screen::Nickname
        | Screen::PrivacyPolicy { .. }
        | Screen::DeviceSelection
        | Screen::AccountLink
        | Screen::SpeakerTerms { .. }
        | Screen::Utterances
        | Screen::HandOff
        | Screen::WaitingForGoogleHome
        | Screen::Home { .. }
        | Screen::Migration
        | Screen::UpdateRequired { .. } => return None,
    };
    Some(action)
}

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
