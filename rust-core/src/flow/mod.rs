//! The flow: every rule of what the app shows next, as one pure function.
//!
//! `update(state, event) -> (state, effects)` is the whole app's behaviour. Events are the user's
//! taps, links handed in from outside and the results of effects; effects are requests the
//! runtime carries out ("open the login page", "load the terms"). No I/O, clock or randomness
//! lives here, so every screen is testable in microseconds and the graph can be explored
//! exhaustively (`graph`), which is also how `docs/flow.md` is drawn.

pub mod devices;
pub mod graph;
pub mod links;
pub mod nickname;
mod screen;
mod screen_speaker;
pub mod support;
mod text;
pub mod voice;

use serde::{Deserialize, Serialize};

pub use devices::{Category, Device, Selection};
pub use nickname::NicknameError;
pub use support::{Support, SupportDays, SupportLine, UpdateNeed, UpdateTarget};
pub use screen::{view, Action, Button, Problem, Screen, ScreenView, TextInput};
pub use text::Language;
pub use voice::NameWarning;

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

/// Which terms text: the app's (step 4), the privacy policy (13) or the speaker service's (16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum TermsKind {
    App,
    Privacy,
    Speaker,
}

/// Smart speakers the service links with; Google Home first, others can join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum SpeakerProvider {
    GoogleHome,
}

/// The speaker registration being filled in (flow B): survives the app being killed, and is
/// dropped when the registration is finished or abandoned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpeakerDraft {
    /// As typed, so nothing the user entered is lost, even when it is not valid yet.
    pub nickname: String,
    pub nickname_error: Option<NicknameError>,
    pub privacy_version: Option<String>,
    pub selection: Selection,
    pub provider: Option<SpeakerProvider>,
    pub speaker_terms_version: Option<String>,
    /// The room of each device, suggested from its name and editable (device id → room).
    pub rooms: std::collections::BTreeMap<String, String>,
    /// The user said the nickname registered on another phone under this ID is theirs: register
    /// it here, moving it (and its Google link) from that phone (a new phone, a reinstall).
    #[serde(default)]
    pub move_here: bool,
}

/// What the cloud needs to register the speaker service (step 17's 「登録」).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Registration {
    pub nickname: String,
    pub device_ids: Vec<String>,
    /// The room of each chosen device that has one (Google's `roomHint`).
    pub rooms: std::collections::BTreeMap<String, String>,
    pub privacy_version: String,
    pub speaker_terms_version: String,
    pub provider: SpeakerProvider,
    /// Take the nickname over from another phone under the same ID (see `SpeakerDraft::move_here`).
    pub move_here: bool,
}

/// Google Home asking this app to approve an account link (App Flip), as the platform hands it
/// over (Android: intent extras, with the caller's package and signature checked by the shell;
/// iOS: a universal link).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct AppFlipRequest {
    pub client_id: String,
    pub scope: String,
    pub state: String,
    pub redirect_uri: String,
    /// The platform verified who is asking (Android: Google Home's package and signing certificate).
    pub caller_verified: bool,
}

/// The app's answer to Google Home's App Flip request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum AppFlipAnswer {
    /// Approved: open (iOS) or return (Android) this redirect, which carries the code and state.
    Approved { redirect: String, code: String },
    /// The user said no: `redirect` carries `error=access_denied` and the state.
    Declined { redirect: String },
    /// The app cannot approve now — nobody is logged in or the session ended (`error=login_required`),
    /// it must be updated first, or the approval could not reach the cloud
    /// (`error=temporarily_unavailable`): iOS opens `redirect`, Android returns a recoverable error.
    /// Either way Google goes on with its own browser login, not taking it as a no.
    Unavailable { redirect: String },
    /// The request could not be trusted: nothing is sent to its redirect (Android: RESULT_CANCELED
    /// with an error code).
    Refused,
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
    LoadingPrivacyPolicy,
    LoadingDevices,
    LoadingSpeakerTerms,
    Registering,
    CheckingLink,
    ApprovingLink,
    OpeningRegistration,
    ClaimingCode,
    WipingOldId,
    LoadingHelp,
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
    /// The user had the speaker service under the old Panasonic ID (the 6-B note).
    pub legacy_speaker_user: bool,
    /// The speaker registration in progress.
    pub speaker: Option<SpeakerDraft>,
    /// The nickname registered with the speaker service, once registration is done.
    pub speaker_nickname: Option<String>,
    /// Whether Google Home held the link when last checked (unlinking there shows up here).
    pub speaker_linked: Option<bool>,
    /// The registration as it was last sent, to change it later from home.
    pub registered: Option<SpeakerDraft>,
    /// Google Home's App Flip request waiting for the user's answer.
    pub app_flip: Option<AppFlipRequest>,
    /// Screens to go back to when help is closed or an update has been made, innermost last.
    pub return_to: Vec<Screen>,
    /// The user came in through the AiSEG2's 2D code (flow C) without having accepted the app's
    /// terms: they use the speaker service only, so the app's terms are never asked of them.
    #[serde(default)]
    pub speaker_only: bool,
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
            legacy_speaker_user: false,
            speaker: None,
            speaker_nickname: None,
            speaker_linked: None,
            registered: None,
            app_flip: None,
            return_to: Vec::new(),
            speaker_only: false,
        }
    }
}

/// A message over the current screen that does not move the user anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Notice {
    /// A link of this app arrived at a point where it does not act on it.
    LinkIgnored,
    /// A link that is not this service's was handed to the app: it was not opened.
    LinkRefused,
    /// Background refresh failed; what is shown may be out of date.
    RefreshFailed,
    /// The AiSEG2's device list changed since it was shown; the list has been read again.
    DevicesChanged,
    /// A changed registration was saved and Google Home's device list updated.
    SpeakerUpdated,
    /// An App Flip request that could not be trusted was refused.
    LinkRequestRefused,
    /// App Flip needs a logged-in app; Google Home continues in the browser instead.
    LogInFirst,
    /// The App Flip answer could not be prepared (offline, session ended).
    LinkNotAnswered,
    /// App Flip on a phone with nothing registered: register in the app first.
    RegisterBeforeLinking,
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

/// The one-time token of an AiSEG2 2D code: a credential, so it is kept in the secure store
/// (never in the saved state) and never printed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RegistrationCode(pub String);

impl std::fmt::Debug for RegistrationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegistrationCode(<redacted>)")
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
    /// The cloud refused the nickname by its own rules: ask for another.
    NicknameRefused,
    /// Another phone under the same ID registered this nickname: move it here, or choose another.
    NicknameTaken,
    /// This phone has no speaker registration to link (App Flip before 「はい」 → 「登録」).
    NotRegistered,
    /// A chosen device is no longer on the AiSEG2: read the list again.
    DevicesChanged,
    /// The 2D code has expired or was already used: show a new one on the AiSEG2.
    CodeExpired,
}

/// Everything that can happen to the app.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// The app object was created (fresh or from saved state).
    Launched,
    /// The user tapped a button.
    Tap(Action),
    /// The login redirect came in from outside.
    Incoming(IncomingUrl),
    /// A link came in that the app does not act on.
    StrayLink,
    // Results of effects.
    LoginOpened,
    SignedIn(Account),
    TermsChecked { terms: Terms, accepted: Option<String>, legacy_speaker_user: bool },
    ConsentSaved,
    SignedOut,
    TermsLoaded { kind: TermsKind, terms: Terms },
    DevicesLoaded(Vec<Device>),
    Registered,
    /// The app came back to the foreground (from Google Home).
    Foregrounded,
    LinkChecked { linked: bool },
    /// An AiSEG2 2D code was opened (flow C).
    RegistrationLink(RegistrationCode),
    /// Google Home asks to approve a link (App Flip); `valid` after the façade's checks.
    AppFlip { request: AppFlipRequest, valid: bool },
    /// The answer went back to Google Home.
    AppFlipAnswered,
    CodeClaimed,
    /// Whether an old Panasonic ID session (before 2023-06-21) is still on the phone.
    OldIdChecked { found: bool },
    OldIdWiped,
    /// Step 1: an update the user must make, if any. Also sent when the check could not be made:
    /// being offline never blocks the app.
    VersionsChecked { need: Option<UpdateNeed> },
    /// The help data, and the time now (seconds since the epoch) to tell which lines are open.
    HelpLoaded { support: Support, now: i64 },
    Failed(Failure),
}

/// Requests to the runtime. Each is answered by exactly one event, except `ForgetLogin`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Prepare PKCE, state and nonce, and open the login page in the system browser; `create`
    /// opens CLUB Panasonic's registration instead (OIDC `prompt=create`).
    OpenLogin { create: bool },
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
    /// Load the privacy policy or the speaker terms.
    LoadTerms(TermsKind),
    /// Read the AiSEG2's device list.
    LoadDevices,
    /// Register nickname, devices and consents (idempotent: a retry registers nothing twice).
    Register(Registration),
    /// Ask the platform to open the Google Home app.
    OpenGoogleHome,
    /// Ask the platform to open this app's page in its app store.
    OpenStore,
    /// Ask the cloud whether Google Home now holds the account link.
    CheckLink,
    /// Keep a 2D code's token in the secure store until it is claimed.
    KeepCode(RegistrationCode),
    /// Bind the kept 2D code's AiSEG2 to this account.
    ClaimCode,
    /// Look for an old Panasonic ID session left on the phone.
    CheckOldId,
    /// Delete the old ID's credentials and the local スマートHEMSクラブ data; nothing is sent.
    WipeOldId,
    /// Compare the app and the AiSEG2 firmware with the minimum versions the cloud asks for.
    CheckVersions,
    /// Load the support lines (the built-in ones when offline).
    LoadHelp,
    /// Get an authorization code for Google from the cloud and hand it back (App Flip).
    AuthorizeGoogle(AppFlipRequest),
    /// Hand an answer back to Google Home.
    AnswerGoogle(AppFlipAnswer),
}

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
        // Registration is rebuilt from the saved draft by `resume_registration`.
        Activity::Registering => None,
        Activity::CheckingLink => Some(Effect::CheckLink),
    }
}

/// The registration the draft describes, once every part of it is there.
fn registration(state: &State) -> Option<Registration> {
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
fn start(mut state: State, activity: Activity) -> (State, Vec<Effect>) {
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

/// Where the user goes once the current terms are accepted.
fn after_terms(mut state: State) -> (State, Vec<Effect>) {
    state.screen = if state.speaker_prompt_answered { home(&state) } else { Screen::SpeakerPrompt };
    (state, vec![])
}

fn home(state: &State) -> Screen {
    Screen::Home {
        display_name: state.account.as_ref().map(|a| a.display_name.clone()).unwrap_or_default(),
        speaker_nickname: state.speaker_nickname.clone(),
        speaker_linked: state.speaker_linked,
    }
}

/// Google's redirect with an OAuth error (RFC 6749 §4.1.2.1): `access_denied` is the user's no,
/// `login_required` and `temporarily_unavailable` send Google on to its own browser login.
fn app_flip_error(request: &AppFlipRequest, error: &str) -> String {
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

/// Carries on after a launch (or an update): restarts the activity in flight, or refreshes.
fn resume(next: State) -> (State, Vec<Effect>) {
    match running(&next) {
        Some(activity) => start(next, activity),
        // Home refreshes quietly: a revised terms version (step 4 again), and whether Google
        // Home still holds the link (the user may have unlinked there).
        None if matches!(next.screen, Screen::Home { .. }) => {
            let terms = (!next.speaker_only).then_some(Effect::CheckTerms);
            let link = next.speaker_nickname.is_some().then_some(Effect::CheckLink);
            (next, terms.into_iter().chain(link).collect())
        }
        // Killed while the user was in Google Home (or before going): look quietly; a link found
        // moves on, none leaves the screen as it was, with 「連携を確認する」 still there.
        None if next.screen == Screen::WaitingForGoogleHome => (next, vec![Effect::CheckLink]),
        None => (next, vec![]),
    }
}

/// The activity that was running, if the screen shows one.
fn running(state: &State) -> Option<Activity> {
    match &state.screen {
        Screen::Busy { activity } => Some(activity.clone()),
        _ => None,
    }
}

/// The transition function: all of the app's behaviour (`transition`, below, top to bottom).
pub fn update(state: &State, event: Event) -> (State, Vec<Effect>) {
    let (mut next, effects) = transition(state, event);
    // The way back only exists while help or an update screen is in front.
    let detour = matches!(
        next.screen,
        Screen::Help { .. }
            | Screen::UpdateRequired { .. }
            | Screen::AppFlipConsent { .. }
            | Screen::Busy { activity: Activity::LoadingHelp | Activity::ApprovingLink }
    );
    if !detour {
        next.return_to.clear();
    }
    (next, effects)
}

fn transition(state: &State, event: Event) -> (State, Vec<Effect>) {
    let mut next = state.clone();
    // A notice lasts until the user does something; results of effects, a relaunch and coming
    // back to the app keep it (it may be the news of what happened while they were away).
    if matches!(event, Event::Tap(_) | Event::Incoming(_) | Event::StrayLink) {
        next.notice = None;
    }
    // News a later result makes untrue: a refresh that worked ("could not refresh"), a link that
    // exists after all (Google Home finished it in its browser after App Flip could not).
    let untrue = match (&event, next.notice) {
        (Event::TermsChecked { .. } | Event::LinkChecked { .. }, Some(Notice::RefreshFailed)) => true,
        (Event::LinkChecked { linked: true }, Some(Notice::LinkNotAnswered | Notice::LogInFirst | Notice::RegisterBeforeLinking)) => true,
        _ => false,
    };
    if untrue {
        next.notice = None;
    }

    match event {
        // ── Launch: step 1's version check (and, on a fresh install, an old ID to migrate),
        //    then resume whatever was in flight when the app was last stopped ──
        Event::Launched => {
            let old_id = (*state == State::default()).then_some(Effect::CheckOldId);
            (next, old_id.into_iter().chain([Effect::CheckVersions]).collect())
        }
        Event::VersionsChecked { need: Some(need) } => {
            // Help open at launch is closed first, so the way back stays one screen deep.
            while matches!(next.screen, Screen::Help { .. } | Screen::Busy { activity: Activity::LoadingHelp }) {
                next.screen = next.return_to.pop().unwrap_or(Screen::Welcome);
            }
            if !matches!(next.screen, Screen::UpdateRequired { .. }) {
                next.return_to.push(next.screen.clone());
            }
            next.screen = Screen::UpdateRequired { need };
            (next, vec![])
        }
        Event::VersionsChecked { need: None } => {
            if matches!(state.screen, Screen::UpdateRequired { .. }) {
                next.screen = next.return_to.pop().unwrap_or(Screen::Welcome);
            }
            resume(next)
        }
        Event::OldIdChecked { found } => {
            if found {
                next.screen = Screen::Migration;
            }
            (next, vec![])
        }
        Event::OldIdWiped => start(next, Activity::OpeningLogin),
        Event::HelpLoaded { support, now } => {
            next.screen = Screen::Help { support, now };
            (next, vec![])
        }

        // ── Flow C: a 2D code from the AiSEG2 starts speaker registration for that AiSEG2 ──
        Event::RegistrationLink(code) => {
            // A new code starts afresh: no earlier retry or after-login step carries over, and an
            // App Flip request left unanswered is declined.
            let declined = next.app_flip.take().map(|r| Effect::AnswerGoogle(AppFlipAnswer::Declined { redirect: app_flip_error(&r, "access_denied") }));
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
        // ── App Flip: Google Home asks this app to approve the link ──
        Event::AppFlip { request, valid } => {
            if !valid {
                next.notice = Some(Notice::LinkRequestRefused);
                return (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Refused)]);
            }
            // An app that must be updated first cannot approve either; Google uses its browser.
            let updating = std::iter::once(&next.screen)
                .chain(&next.return_to)
                .any(|s| matches!(s, Screen::UpdateRequired { .. }));
            if updating {
                let redirect = app_flip_error(&request, "temporarily_unavailable");
                return (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Unavailable { redirect })]);
            }
            if next.account.is_none() {
                next.notice = Some(Notice::LogInFirst);
                let redirect = app_flip_error(&request, "login_required");
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
        Event::AppFlipAnswered => {
            next.app_flip = None;
            next.screen = next.return_to.pop().unwrap_or_else(|| home(&next));
            (next, vec![])
        }
        Event::CodeClaimed => {
            next.screen = Screen::Nickname;
            (next, vec![])
        }

        // ── Taps: only the buttons the current screen shows (and enables) do anything ──
        Event::Tap(action) => {
            let shown = view(state, Language::Japanese);
            let offered = match &action {
                Action::EditNickname { .. } => shown.input.is_some(),
                Action::SetRoom { id, .. } => {
                    state.screen == Screen::DeviceSelection
                        && state.speaker.as_ref().is_some_and(|d| d.selection.devices.iter().any(|dev| dev.id == *id))
                }
                _ => shown.buttons.iter().any(|b| b.action == action && b.enabled),
            };
            if !offered {
                return (state.clone(), vec![]);
            }
            tap(next, action)
        }

        Event::StrayLink => {
            next.notice = Some(Notice::LinkRefused);
            (next, vec![])
        }

        // ── A URL from outside: only a login redirect, only while waiting for one (also with
        //    help opened over the login screen: the browser does not know the user looked) ──
        Event::Incoming(url) => {
            let help_over_login = matches!(state.screen, Screen::Help { .. } | Screen::Busy { activity: Activity::LoadingHelp })
                && state.return_to.first() == Some(&Screen::Login);
            if matches!(state.screen, Screen::Login) || help_over_login {
                next.screen = Screen::Busy { activity: Activity::SigningIn };
                (next, vec![Effect::FinishLogin(url)])
            } else {
                next.notice = Some(Notice::LinkIgnored);
                (next, vec![])
            }
        }

        // ── Coming back from Google Home (step 18 → 25): is the account linked now? ──
        Event::Foregrounded => match state.screen {
            Screen::WaitingForGoogleHome => start(next, Activity::CheckingLink),
            // Back from Google Home on our own: the user may have unlinked there (DISCONNECT).
            Screen::Home { .. } if state.speaker_nickname.is_some() => (next, vec![Effect::CheckLink]),
            _ => (state.clone(), vec![]),
        },

        // ── Results of effects ──
        Event::LoginOpened => {
            next.screen = Screen::Login;
            (next, vec![])
        }
        Event::SignedIn(account) => {
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
                None if next.speaker_only => home(&next),
                None => Screen::Busy { activity: Activity::LoadingTerms },
            };
            (next, vec![Effect::CheckVersions])
        }
        Event::TermsChecked { terms, accepted, legacy_speaker_user } => {
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
        Event::ConsentSaved => after_terms(next),
        Event::SignedOut => (State::default(), vec![]),
        Event::TermsLoaded { kind, terms } => {
            next.screen = match kind {
                TermsKind::Privacy => Screen::PrivacyPolicy { terms },
                TermsKind::Speaker | TermsKind::App => Screen::SpeakerTerms { terms },
            };
            (next, vec![])
        }
        Event::DevicesLoaded(devices) => {
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            // Re-reading the AiSEG2 (the refresh link, or a device that vanished) keeps the
            // choices that still exist.
            draft.selection = draft.selection.refreshed(devices);
            // Rooms: a name like 「子供部屋の照明」 says where the device is; the user can change it.
            for device in &draft.selection.devices {
                if let Some(room) = voice::room_in_name(&device.name) {
                    draft.rooms.entry(device.id.clone()).or_insert(room);
                }
            }
            next.screen = Screen::DeviceSelection;
            (next, vec![])
        }
        Event::Registered => {
            // Taking the nickname over belonged to this registration; a later change is ordinary.
            let moved = next.speaker.as_mut().is_some_and(|draft| std::mem::take(&mut draft.move_here));
            next.speaker_nickname = registration(state).map(|r| r.nickname);
            next.registered = next.speaker.clone();
            if state.speaker_linked == Some(true) {
                // A change to a linked registration: the cloud has Google re-sync; nothing to link.
                next.speaker = None;
                next.screen = home(&next);
                next.notice = Some(Notice::SpeakerUpdated);
            } else {
                next.screen = Screen::HandOff;
            }
            // A moved registration brought its Google link, or left this phone's own behind: look
            // (quietly) instead of assuming either.
            (next, if moved { vec![Effect::CheckLink] } else { vec![] })
        }
        Event::LinkChecked { linked } => {
            next.speaker_linked = Some(linked);
            // Only a check the user is waiting for moves them on. A quiet one (home's refresh, the
            // look after a relaunch) updates what is shown, and must not replace a screen another
            // quiet result put up meanwhile (revised terms found on the same launch).
            if state.screen != (Screen::Busy { activity: Activity::CheckingLink }) {
                if matches!(next.screen, Screen::Home { .. }) {
                    next.screen = home(&next);
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
        Event::Failed(failure) => failed(state, next, failure),
    }
}

fn tap(mut next: State, action: Action) -> (State, Vec<Effect>) {
    match action {
        Action::OpenLogin => start(next, Activity::OpeningLogin),
        Action::CreateId => start(next, Activity::OpeningRegistration),
        Action::Migrate => start(next, Activity::WipingOldId),
        Action::OpenStore => (next, vec![Effect::OpenStore]),
        Action::CheckUpdates => (next, vec![Effect::CheckVersions]),
        Action::OpenHelp => {
            next.return_to.push(next.screen.clone());
            start(next, Activity::LoadingHelp)
        }
        Action::CloseHelp => {
            next.screen = next.return_to.pop().unwrap_or(Screen::Welcome);
            (next, vec![])
        }
        Action::CancelLogin => {
            next.screen = Screen::Welcome;
            next.after_login = None;
            (next, vec![Effect::ForgetLogin])
        }
        Action::AcceptTerms => match std::mem::replace(&mut next.screen, Screen::Welcome) {
            Screen::AppTerms { terms, .. } => start(next, Activity::SavingConsent { version: terms.version }),
            Screen::PrivacyPolicy { terms } => {
                next.speaker.get_or_insert_with(SpeakerDraft::default).privacy_version = Some(terms.version);
                start(next, Activity::LoadingDevices)
            }
            Screen::SpeakerTerms { terms } => {
                next.speaker.get_or_insert_with(SpeakerDraft::default).speaker_terms_version = Some(terms.version);
                next.screen = Screen::Utterances;
                (next, vec![])
            }
            other => {
                next.screen = other;
                (next, vec![])
            }
        },
        Action::DeclineTerms => {
            next.screen = match next.screen {
                Screen::AppTerms { .. } => Screen::TermsDeclined,
                // Declining the privacy policy or the speaker terms ends this registration.
                _ => {
                    next.speaker = None;
                    Screen::SpeakerCancelled
                }
            };
            (next, vec![])
        }
        Action::ReviewTerms => start(next, Activity::LoadingTerms),
        Action::RegisterSpeaker => {
            next.speaker_prompt_answered = true;
            next.speaker.get_or_insert_with(SpeakerDraft::default);
            next.screen = Screen::Nickname;
            (next, vec![])
        }
        Action::SkipSpeaker | Action::GoHome => {
            next.speaker_prompt_answered = true;
            next.screen = home(&next);
            (next, vec![])
        }
        Action::CancelSpeaker => {
            next.speaker = None;
            next.screen = home(&next);
            (next, vec![])
        }
        Action::EditNickname { text } => {
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            draft.nickname = text;
            draft.nickname_error = None;
            draft.move_here = false;
            (next, vec![])
        }
        Action::SubmitNickname => {
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            // The same nickname another phone holds would only be refused again three screens on.
            if draft.nickname_error == Some(NicknameError::TakenElsewhere) {
                return (next, vec![]);
            }
            let checked = nickname::validate(&draft.nickname);
            if checked.is_ok() {
                // The cloud's refusal was of the nickname sent then; this one goes on afresh.
                draft.nickname_error = None;
            }
            match checked {
                // Changing a registration: the privacy policy was accepted already.
                Ok(_) if draft.privacy_version.is_some() => start(next, Activity::LoadingDevices),
                Ok(_) => start(next, Activity::LoadingPrivacyPolicy),
                Err(error) => {
                    draft.nickname_error = Some(error);
                    (next, vec![])
                }
            }
        }
        Action::MoveRegistrationHere => {
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            draft.move_here = true;
            draft.nickname_error = None;
            start(next, Activity::Registering)
        }
        Action::SetRoom { id, room } => {
            let room = room.trim().to_owned();
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            if room.is_empty() {
                draft.rooms.remove(&id);
            } else {
                draft.rooms.insert(id, room);
            }
            (next, vec![])
        }
        Action::ToggleDevice { id } => {
            next.speaker.get_or_insert_with(SpeakerDraft::default).selection.toggle(&id);
            (next, vec![])
        }
        Action::ToggleCategory { category } => {
            next.speaker.get_or_insert_with(SpeakerDraft::default).selection.toggle_all(category);
            (next, vec![])
        }
        Action::RefreshDevices => start(next, Activity::LoadingDevices),
        Action::ConfirmDevices => {
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            // Changing a registration: the speaker and its terms were chosen already.
            next.screen = if draft.provider.is_some() && draft.speaker_terms_version.is_some() {
                Screen::Utterances
            } else {
                Screen::AccountLink
            };
            (next, vec![])
        }
        Action::EditSpeaker => {
            next.speaker = next.registered.clone();
            next.screen = Screen::Nickname;
            (next, vec![])
        }
        Action::ChooseSpeaker { provider } => {
            next.speaker.get_or_insert_with(SpeakerDraft::default).provider = Some(provider);
            start(next, Activity::LoadingSpeakerTerms)
        }
        Action::Register => start(next, Activity::Registering),
        Action::OpenGoogleHome => {
            next.screen = Screen::WaitingForGoogleHome;
            (next, vec![Effect::OpenGoogleHome])
        }
        Action::CheckLink => start(next, Activity::CheckingLink),
        Action::VoiceNotWorking => {
            next.screen = Screen::Troubleshooting;
            (next, vec![])
        }
        Action::ApproveLink => start(next, Activity::ApprovingLink),
        Action::DeclineLink => match next.app_flip.take() {
            Some(request) => {
                next.screen = next.return_to.pop().unwrap_or_else(|| home(&next));
                (next, vec![Effect::AnswerGoogle(AppFlipAnswer::Declined { redirect: app_flip_error(&request, "access_denied") })])
            }
            None => (next, vec![]),
        },
        Action::Retry => match next.retry.take() {
            Some(activity) => start(next, activity),
            None => (next, vec![]),
        },
        Action::Logout => start(next, Activity::SigningOut),
    }
}

fn failed(state: &State, mut next: State, failure: Failure) -> (State, Vec<Effect>) {
    let activity = running(state);
    // Google Home waits for an answer now or never. The user said yes and the request was
    // trusted, so this is not a no: Google is told the app cannot approve now and goes on with
    // its browser login; the user goes back where they were.
    if activity == Some(Activity::ApprovingLink) {
        let error = if failure == Failure::SessionExpired { "login_required" } else { "temporarily_unavailable" };
        // (Without the request there is no redirect to answer at: a plain refusal still lets
        // Android's activity finish.)
        let answer = match next.app_flip.take() {
            Some(r) => AppFlipAnswer::Unavailable { redirect: app_flip_error(&r, error) },
            None => AppFlipAnswer::Refused,
        };
        next.screen = next.return_to.pop().unwrap_or_else(|| home(&next));
        next.notice = Some(if failure == Failure::NotRegistered { Notice::RegisterBeforeLinking } else { Notice::LinkNotAnswered });
        return (next, vec![Effect::AnswerGoogle(answer)]);
    }
    // A failed quiet refresh (nothing was busy) keeps the user where they are.
    if activity.is_none() && failure != Failure::SessionExpired {
        next.notice = Some(Notice::RefreshFailed);
        return (next, vec![]);
    }
    let problem = match failure {
        Failure::Offline => Problem::Offline,
        // Only App Flip's approval meets NotRegistered (answered above); anywhere else it is the
        // service's trouble.
        Failure::ServiceTrouble | Failure::NotRegistered => Problem::ServiceTrouble,
        Failure::SessionExpired => Problem::SessionExpired,
        Failure::LoginCancelled => Problem::LoginCancelled,
        Failure::LoginRejected => Problem::LoginRejected,
        Failure::TermsOutdated => {
            // The terms changed under the user: show the new text of the terms concerned.
            let reload = match activity {
                // Either text may be the revised one: both are asked again, in the seed's order.
                Some(Activity::Registering) => {
                    if let Some(draft) = next.speaker.as_mut() {
                        draft.privacy_version = None;
                        draft.speaker_terms_version = None;
                    }
                    Activity::LoadingPrivacyPolicy
                }
                _ => Activity::LoadingTerms,
            };
            return start(next, reload);
        }
        Failure::NicknameRefused | Failure::NicknameTaken => {
            let draft = next.speaker.get_or_insert_with(SpeakerDraft::default);
            draft.nickname_error =
                Some(if failure == Failure::NicknameTaken { NicknameError::TakenElsewhere } else { NicknameError::Refused });
            next.screen = Screen::Nickname;
            return (next, vec![]);
        }
        Failure::DevicesChanged => {
            let (mut reloading, effects) = start(next, Activity::LoadingDevices);
            reloading.notice = Some(Notice::DevicesChanged);
            return (reloading, effects);
        }
        Failure::CodeExpired => {
            next.speaker = None;
            Problem::CodeExpired
        }
    };
    match failure {
        Failure::Offline | Failure::ServiceTrouble | Failure::NotRegistered => {
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
