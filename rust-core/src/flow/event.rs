//! What happens to the app (events) and what it asks the runtime to do (effects).

use super::devices::Device;
use super::model::{
    Account, AppFlipAnswer, AppFlipRequest, FoundRegistration, IncomingUrl, Registration, RegistrationCode,
};
use super::screen::{Action, Terms, TermsKind};
use super::support::{Support, UpdateNeed};

/// Why an effect failed, in terms of what the user can do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
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
    /// A login redirect that is not the awaited login's (its `state`, `iss` or login do not
    /// match) was refused before anything was spent: keep waiting for the real one.
    RedirectRefused,
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
    /// The server's TLS certificate could not be trusted (a wrong clock on the phone, a network
    /// that intercepts traffic): nothing was sent; check the date and time, or another network.
    Untrusted,
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
    /// The same login redirect handed in again (a re-created activity hands its link again).
    IncomingAgain(IncomingUrl),
    /// A link came in that the app does not act on.
    StrayLink,
    // Results of effects.
    LoginOpened,
    SignedIn(Account),
    TermsChecked {
        terms: Terms,
        accepted: Option<String>,
        legacy_speaker_user: bool,
        /// This phone's registration, when the cloud holds one.
        found: Option<FoundRegistration>,
        /// The nicknames registered under the ID on other phones.
        elsewhere: Vec<String>,
    },
    ConsentSaved,
    SignedOut,
    TermsLoaded {
        kind: TermsKind,
        terms: Terms,
    },
    DevicesLoaded(Vec<Device>),
    Registered,
    /// The app came back to the foreground (from Google Home).
    Foregrounded,
    LinkChecked {
        linked: bool,
    },
    /// An AiSEG2 2D code was opened (flow C).
    RegistrationLink(RegistrationCode),
    /// The same 2D-code link handed in again.
    RegistrationLinkAgain(RegistrationCode),
    /// Google Home asks to approve a link (App Flip); `valid` after the façade's checks.
    AppFlip {
        request: AppFlipRequest,
        valid: bool,
    },
    /// The answer went back to Google Home.
    AppFlipAnswered,
    CodeClaimed,
    /// Whether an old Panasonic ID session (before 2023-06-21) is still on the phone.
    OldIdChecked {
        found: bool,
    },
    OldIdWiped,
    /// Step 1: an update the user must make, if any. Also sent when the check could not be made:
    /// being offline never blocks the app.
    VersionsChecked {
        need: Option<UpdateNeed>,
    },
    /// The help data, and the time now (seconds since the epoch) to tell which lines are open.
    HelpLoaded {
        support: Support,
        now: i64,
    },
    Failed(Failure),
    /// The cloud asked the app to wait before trying again (`Retry-After`); the effect under way
    /// is waiting it out.
    AskedToWait,
    /// The phone could not do what the app asked of it (its callback failed).
    PhoneFailed(PhoneTask),
}

/// What the app asks of the phone that the phone may fail to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhoneTask {
    OpenBrowser,
    OpenGoogleHome,
    OpenStore,
    AnswerGoogle,
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
    /// Put a 2D code opened during a registration aside (in the secure store) while the user
    /// decides; it replaces any code put aside before.
    HoldCode(RegistrationCode),
    /// The code put aside is the one to claim now (it becomes the kept code).
    UseHeldCode,
    /// Forget the code put aside.
    DropHeldCode,
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

impl Event {
    /// The event's name, for logs: events carry names, codes and URLs that never belong there.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Launched => "Launched",
            Event::Tap(_) => "Tap",
            Event::Incoming(_) => "Incoming",
            Event::IncomingAgain(_) => "IncomingAgain",
            Event::StrayLink => "StrayLink",
            Event::LoginOpened => "LoginOpened",
            Event::SignedIn(_) => "SignedIn",
            Event::TermsChecked { .. } => "TermsChecked",
            Event::ConsentSaved => "ConsentSaved",
            Event::SignedOut => "SignedOut",
            Event::TermsLoaded { .. } => "TermsLoaded",
            Event::DevicesLoaded(_) => "DevicesLoaded",
            Event::Registered => "Registered",
            Event::Foregrounded => "Foregrounded",
            Event::LinkChecked { .. } => "LinkChecked",
            Event::RegistrationLink(_) => "RegistrationLink",
            Event::RegistrationLinkAgain(_) => "RegistrationLinkAgain",
            Event::AppFlip { .. } => "AppFlip",
            Event::AppFlipAnswered => "AppFlipAnswered",
            Event::CodeClaimed => "CodeClaimed",
            Event::OldIdChecked { .. } => "OldIdChecked",
            Event::OldIdWiped => "OldIdWiped",
            Event::VersionsChecked { .. } => "VersionsChecked",
            Event::HelpLoaded { .. } => "HelpLoaded",
            Event::Failed(_) => "Failed",
            Event::PhoneFailed(_) => "PhoneFailed",
            Event::AskedToWait => "AskedToWait",
        }
    }
}

impl Effect {
    /// The effect's name, for logs (a registration carries the nickname, a URL a one-time code).
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::OpenLogin { .. } => "OpenLogin",
            Effect::FinishLogin(_) => "FinishLogin",
            Effect::ForgetLogin => "ForgetLogin",
            Effect::CheckTerms => "CheckTerms",
            Effect::SaveConsent { .. } => "SaveConsent",
            Effect::SignOut => "SignOut",
            Effect::LoadTerms(_) => "LoadTerms",
            Effect::LoadDevices => "LoadDevices",
            Effect::Register(_) => "Register",
            Effect::OpenGoogleHome => "OpenGoogleHome",
            Effect::OpenStore => "OpenStore",
            Effect::CheckLink => "CheckLink",
            Effect::KeepCode(_) => "KeepCode",
            Effect::HoldCode(_) => "HoldCode",
            Effect::UseHeldCode => "UseHeldCode",
            Effect::DropHeldCode => "DropHeldCode",
            Effect::ClaimCode => "ClaimCode",
            Effect::CheckOldId => "CheckOldId",
            Effect::WipeOldId => "WipeOldId",
            Effect::CheckVersions => "CheckVersions",
            Effect::LoadHelp => "LoadHelp",
            Effect::AuthorizeGoogle(_) => "AuthorizeGoogle",
            Effect::AnswerGoogle(_) => "AnswerGoogle",
        }
    }
}
