//! What the flow remembers: the state saved after every transition, and the data it carries
//! (who is logged in, the speaker registration being filled in, Google's App Flip request).

use super::devices::Selection;
use super::nickname::NicknameError;
use super::screen::{Activity, Screen, SpeakerProvider};

/// Who is logged in. Never a secret: tokens live behind the secure store only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Account {
    /// The provider's stable subject identifier.
    pub subject: String,
    /// The name to greet the user with.
    pub display_name: String,
}

/// The speaker registration being filled in (flow B): survives the app being killed, and is
/// dropped when the registration is finished or abandoned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
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
    pub move_here: bool,
}

/// This phone's speaker registration as the cloud holds it, read at login: a user who logs out
/// and in again finds their registration and its Google link instead of the speaker question.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FoundRegistration {
    pub nickname: String,
    pub device_ids: Vec<String>,
    pub rooms: std::collections::BTreeMap<String, String>,
    pub privacy_version: String,
    pub speaker_terms_version: String,
    /// Whether Google Home holds a link serving it.
    pub linked: bool,
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
pub struct AppFlipRequest {
    pub client_id: String,
    pub scope: String,
    pub state: String,
    pub redirect_uri: String,
    /// The platform verified who is asking (Android: Google Home's package and signing certificate).
    pub caller_verified: bool,
}

/// The app's answer to Google Home's App Flip request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
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

/// Everything the app remembers between launches. Saved after every transition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    pub speaker_only: bool,
    /// Nicknames registered under this ID on other phones, read at login when this phone has
    /// none: after a reinstall (or on a new phone) one of them may be this person's own, and the
    /// speaker question offers to move it here.
    pub elsewhere: Vec<String>,
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
            elsewhere: Vec::new(),
        }
    }
}

/// A message over the current screen that does not move the user anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
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
    /// The phone could not open the browser for the login page.
    BrowserNotOpened,
    /// The phone could open neither Google Home nor its store page.
    GoogleHomeNotOpened,
    /// The phone could not open the app store.
    StoreNotOpened,
    /// The app's saved data could not be read, so it started over (the login is kept).
    StartedOver,
    /// What the user did could not be saved on the phone (full or failing storage): it is kept
    /// while the app runs, and lost if the app is closed.
    NotSaved,
    /// A login redirect that is not the awaited login's (forged, stale, replayed, an earlier
    /// abandoned login's) was refused; the app still waits for the real one.
    RedirectRefused,
    /// The cloud asked the app to wait a little before trying again; it is waiting (shown over
    /// the busy screen until the answer comes).
    WaitingForService,
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

impl State {
    /// Home as it shows now: who is logged in, and the speaker registration and its link.
    pub fn home(&self) -> Screen {
        Screen::Home {
            display_name: self.account.as_ref().map(|a| a.display_name.clone()).unwrap_or_default(),
            speaker_nickname: self.speaker_nickname.clone(),
            speaker_linked: self.speaker_linked,
        }
    }

    /// The activity that was running, if the screen shows one.
    pub fn running(&self) -> Option<Activity> {
        match &self.screen {
            Screen::Busy { activity } => Some(activity.clone()),
            _ => None,
        }
    }

    /// The speaker registration being filled in, begun if there is none yet.
    pub fn draft(&mut self) -> &mut SpeakerDraft {
        self.speaker.get_or_insert_with(SpeakerDraft::default)
    }
}
