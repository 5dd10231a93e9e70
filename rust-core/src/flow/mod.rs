//! The flow: every rule of what the app shows next, as one pure function.
//!
//! `update(state, event) -> (state, effects)` is the whole app's behaviour. Events are the user's
//! taps, links handed in from outside and the results of effects; effects are requests the
//! runtime carries out ("open the login page", "load the terms"). No I/O, clock or randomness
//! lives here, so every screen is testable in microseconds and the graph can be explored
//! exhaustively (`graph`), which is also how `docs/flow.md` is drawn.

pub mod graph;
mod screen;
mod text;

use serde::{Deserialize, Serialize};

pub use screen::{view, Action, Button, Problem, Screen, ScreenView};
pub use text::Language;

/// Who is logged in. Never a secret: tokens live behind the secure store only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct Account {
    /// The provider's stable subject identifier.
    pub subject: String,
    /// The name to greet the user with.
    pub display_name: String,
}

/// A versioned terms text as the cloud serves it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct Terms {
    pub version: String,
    pub title: String,
    pub body: String,
}

/// What the app is busy with; kept in the saved state so work in flight when the app was killed
/// is started again on the next launch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Activity {
    OpeningLogin,
    SigningIn,
    LoadingTerms,
    SavingConsent { version: String },
    SigningOut,
}

/// Everything the app remembers between launches. Saved after every transition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pub screen: Screen,
    pub account: Option<Account>,
    /// Whether step 5's speaker question has been answered, so a later terms revision returns home.
    pub speaker_prompt_answered: bool,
    /// What 「再試行」 starts again.
    pub retry: Option<Activity>,
    /// What to carry on with once the user has logged in again (a session that ended mid-flow).
    pub after_login: Option<Activity>,
    /// A one-off message shown over the current screen; cleared by the next event.
    pub notice: Option<Notice>,
}

impl Default for State {
    fn default() -> Self {
        State {
            screen: Screen::Welcome,
            account: None,
            speaker_prompt_answered: false,
            retry: None,
            after_login: None,
            notice: None,
        }
    }
}

/// A message over the current screen that does not move the user anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Notice {
    /// A link arrived that this app does not act on at this point.
    LinkIgnored,
    /// Background refresh failed; what is shown may be out of date.
    RefreshFailed,
}

/// A URL handed to the app from outside (browser redirect). Its query carries a one-time code,
/// so it never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IncomingUrl(pub String);

impl std::fmt::Debug for IncomingUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IncomingUrl(<redacted>)")
    }
}

/// Why an effect failed, in terms of what the user can do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Failure {
    /// No connection to the cloud: try again when online.
    Offline,
    /// The cloud answered with an error of its own: try again later.
    ServiceTrouble,
    /// The session ended (refresh token revoked or expired): log in again.
    SessionExpired,
    /// The user cancelled on the login page.
    LoginCancelled,
    /// The login answer could not be trusted or was refused: start the login again.
    LoginRejected,
    /// The terms changed while the user was reading them: show the new version.
    TermsOutdated,
}

/// Everything that can happen to the app.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// The app object was created (fresh or from saved state).
    Launched,
    /// The user tapped a button.
    Tap(Action),
    /// A URL came in from outside (the login redirect).
    Incoming(IncomingUrl),
    // Results of effects.
    LoginOpened,
    SignedIn(Account),
    TermsChecked { terms: Terms, accepted: Option<String> },
    ConsentSaved,
    SignedOut,
    Failed(Failure),
}

/// Requests to the runtime. Each is answered by exactly one event, except `ForgetLogin`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Prepare PKCE, state and nonce, and open the login page in the system browser.
    OpenLogin,
    /// Check the redirect and exchange its code for tokens.
    FinishLogin(IncomingUrl),
    /// Drop a login that was started but will not be finished.
    ForgetLogin,
    /// Load the current app terms and the version this user accepted.
    CheckTerms,
    /// Record the user's consent to this terms version.
    SaveConsent { version: String },
    /// Revoke the tokens and wipe everything local.
    SignOut,
}

/// The effect that (re)starts an activity. `SigningIn` has none: the one-time code it was
/// exchanging is gone after a restart, so the user is asked to log in again.
fn effect_for(activity: &Activity) -> Option<Effect> {
    match activity {
        Activity::OpeningLogin => Some(Effect::OpenLogin),
        Activity::SigningIn => None,
        Activity::LoadingTerms => Some(Effect::CheckTerms),
        Activity::SavingConsent { version } => Some(Effect::SaveConsent { version: version.clone() }),
        Activity::SigningOut => Some(Effect::SignOut),
    }
}

/// Move to `Busy(activity)` and start it.
fn start(mut state: State, activity: Activity) -> (State, Vec<Effect>) {
    match effect_for(&activity) {
        Some(effect) => {
            state.screen = Screen::Busy { activity };
            (state, vec![effect])
        }
        None => {
            state.screen = Screen::Problem { problem: Problem::LoginInterrupted };
            (state, vec![])
        }
    }
}

/// Where the user goes once the current terms are accepted.
fn after_terms(mut state: State) -> (State, Vec<Effect>) {
    state.screen = if state.speaker_prompt_answered { home(&state) } else { Screen::SpeakerPrompt };
    (state, vec![])
}

fn home(state: &State) -> Screen {
    Screen::Home {
        display_name: state.account.as_ref().map(|a| a.display_name.clone()).unwrap_or_default(),
    }
}

/// The activity that was running, if the screen shows one.
fn running(state: &State) -> Option<Activity> {
    match &state.screen {
        Screen::Busy { activity } => Some(activity.clone()),
        _ => None,
    }
}

/// The transition function: all of the app's behaviour, top to bottom.
pub fn update(state: &State, event: Event) -> (State, Vec<Effect>) {
    let mut next = state.clone();
    next.notice = None;

    match event {
        // ── Launch: resume whatever was in flight when the app was last stopped ──
        Event::Launched => match running(state) {
            Some(activity) => start(next, activity),
            // Home refreshes quietly so a revised terms version is noticed (step 4 again).
            None if matches!(state.screen, Screen::Home { .. }) => (next, vec![Effect::CheckTerms]),
            None => (next, vec![]),
        },

        // ── Taps: only the buttons the current screen shows do anything ──
        Event::Tap(action) => {
            if !view(state, Language::Japanese).buttons.iter().any(|b| b.action == action) {
                return (state.clone(), vec![]);
            }
            tap(next, action)
        }

        // ── A URL from outside: only a login redirect, only while waiting for one ──
        Event::Incoming(url) => {
            if matches!(state.screen, Screen::Login) {
                next.screen = Screen::Busy { activity: Activity::SigningIn };
                (next, vec![Effect::FinishLogin(url)])
            } else {
                next.notice = Some(Notice::LinkIgnored);
                (next, vec![])
            }
        }

        // ── Results of effects ──
        Event::LoginOpened => {
            next.screen = Screen::Login;
            (next, vec![])
        }
        Event::SignedIn(account) => {
            // A different person logging in must not inherit the previous one's progress.
            if next.account.as_ref().map(|a| &a.subject) != Some(&account.subject) {
                next = State::default();
            }
            next.account = Some(account);
            let resume = next.after_login.take().unwrap_or(Activity::LoadingTerms);
            start(next, resume)
        }
        Event::TermsChecked { terms, accepted } => {
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
        Event::ConsentSaved => after_terms(next),
        Event::SignedOut => (State::default(), vec![]),
        Event::Failed(failure) => failed(state, next, failure),
    }
}

fn tap(mut next: State, action: Action) -> (State, Vec<Effect>) {
    match action {
        Action::OpenLogin => start(next, Activity::OpeningLogin),
        Action::CancelLogin => {
            next.screen = Screen::Welcome;
            next.after_login = None;
            (next, vec![Effect::ForgetLogin])
        }
        Action::AcceptTerms => match &next.screen {
            Screen::AppTerms { terms, .. } => {
                let version = terms.version.clone();
                start(next, Activity::SavingConsent { version })
            }
            _ => (next, vec![]),
        },
        Action::DeclineTerms => {
            next.screen = Screen::TermsDeclined;
            (next, vec![])
        }
        Action::ReviewTerms => start(next, Activity::LoadingTerms),
        Action::RegisterSpeaker => {
            next.speaker_prompt_answered = true;
            next.screen = Screen::SpeakerSetupPending;
            (next, vec![])
        }
        Action::SkipSpeaker | Action::GoHome => {
            next.speaker_prompt_answered = true;
            next.screen = home(&next);
            (next, vec![])
        }
        Action::Retry => match next.retry.take() {
            Some(activity) => start(next, activity),
            None => (next, vec![]),
        },
        Action::Logout => start(next, Activity::SigningOut),
    }
}

fn failed(state: &State, mut next: State, failure: Failure) -> (State, Vec<Effect>) {
    let activity = running(state);
    // A failed quiet refresh keeps the user where they are.
    if activity.is_none() && matches!(state.screen, Screen::Home { .. }) && failure != Failure::SessionExpired {
        next.notice = Some(Notice::RefreshFailed);
        return (next, vec![]);
    }
    let problem = match failure {
        Failure::Offline => Problem::Offline,
        Failure::ServiceTrouble => Problem::ServiceTrouble,
        Failure::SessionExpired => Problem::SessionExpired,
        Failure::LoginCancelled => Problem::LoginCancelled,
        Failure::LoginRejected => Problem::LoginRejected,
        Failure::TermsOutdated => return start(next, Activity::LoadingTerms),
    };
    match failure {
        Failure::Offline | Failure::ServiceTrouble => {
            // A code cannot be exchanged twice, so a sign-in that failed is retried from the login page.
            next.retry = Some(match activity {
                Some(Activity::SigningIn) | None => Activity::OpeningLogin,
                Some(other) => other,
            });
        }
        Failure::SessionExpired => {
            next.after_login = activity.filter(|a| !matches!(a, Activity::SigningOut | Activity::SigningIn));
        }
        _ => {}
    }
    next.screen = Screen::Problem { problem };
    (next, vec![])
}

#[cfg(test)]
mod tests;
