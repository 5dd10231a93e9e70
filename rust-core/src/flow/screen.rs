//! The vocabulary of the flow: the screens the user sees, the actions they can take, and the
//! activities the app is busy with. Every sub-flow speaks in these names; so do the shells, the
//! Gherkin steps and the flow picture.

use super::devices::Category;
use super::support::{Support, UpdateNeed};

/// The screens of the app. Step numbers refer to the seed guide.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Screen {
    /// Step 2: 「CLUB Panasonic ログイン画面へ」.
    Welcome,
    /// Step 3: the login page is open in the system browser; waiting for it to come back.
    Login,
    /// Work in progress (also what is resumed after a restart).
    Busy { activity: Activity },
    /// Step 4: スマートHEMSサービス利用規約. `revised` when an earlier version had been accepted.
    AppTerms { terms: Terms, revised: bool },
    /// The user declined the terms: the app cannot be used without them.
    TermsDeclined,
    /// Step 5: スマートスピーカー連携サービス登録 — はい / いいえ.
    SpeakerPrompt,
    /// Step 12: the nickname of the person using the speaker.
    Nickname,
    /// Step 13: プライバシーポリシー.
    PrivacyPolicy { terms: Terms },
    /// Step 14: 音声操作機器選択.
    DeviceSelection,
    /// Step 15: アカウントリンク — which speaker to link.
    AccountLink,
    /// Step 16: スマートスピーカー連携サービス利用規約.
    SpeakerTerms { terms: Terms },
    /// Step 17: example utterances and the naming cautions; 「登録」.
    Utterances,
    /// Step 18: 「Google Home 起動」.
    HandOff,
    /// Steps 19–24 happen in Google Home; the app waits to come back to the foreground.
    WaitingForGoogleHome,
    /// Step 25: linked; try a voice command.
    SpeakerDone,
    /// p.10: the link is not there; how to relink.
    Troubleshooting,
    /// A consent was declined: the registration was stopped.
    SpeakerCancelled,
    /// Another AiSEG2 2D code was opened while a registration is being filled in: start over
    /// with the new code (what was typed goes), or carry on with this one.
    NewCodePrompt,
    /// Google Home asks to link with this account (App Flip); `scope` is what it asks for.
    AppFlipConsent { scope: String },
    /// Step 6-A: the app's home.
    Home { display_name: String, speaker_nickname: Option<String>, speaker_linked: Option<bool> },
    /// An old Panasonic ID session is on the phone: explain the change to CLUB Panasonic ID.
    Migration,
    /// Step 1: the app or the AiSEG2 firmware must be updated first.
    UpdateRequired { need: UpdateNeed },
    /// Help: support lines, their hours, and whether they are open now (`now`: epoch seconds).
    Help { support: Support, now: i64 },
    /// Something went wrong; the screen says what to do next.
    Problem { problem: Problem },
}

/// What went wrong, named by what the user can do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Problem {
    /// No connection: retry.
    Offline,
    /// The service failed: retry later.
    ServiceTrouble,
    /// The login has expired: log in again; progress is kept.
    SessionExpired,
    /// The user cancelled the login: log in again or go back.
    LoginCancelled,
    /// The login answer was refused or could not be trusted: log in again.
    LoginRejected,
    /// The app was closed while logging in: log in again.
    LoginInterrupted,
    /// The AiSEG2's 2D code expired or was used: show a new one on the AiSEG2.
    CodeExpired,
    /// The connection could not be trusted (certificate): check the phone's clock or the network.
    Untrusted,
}

/// Everything a user can do on a screen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Action {
    OpenLogin,
    CreateId,
    Migrate,
    /// Open this app's page in the phone's app store (the update screen's way to update).
    OpenStore,
    CheckUpdates,
    OpenHelp,
    CloseHelp,
    CancelLogin,
    AcceptTerms,
    DeclineTerms,
    ReviewTerms,
    RegisterSpeaker,
    /// 「「たろう」をこのスマートフォンに移す」 (the speaker question): a registration under this ID on another phone is
    /// this person's own (a reinstall, a new phone): register it here, moving it and its link.
    TakeOverRegistration {
        nickname: String,
    },
    SkipSpeaker,
    CancelSpeaker,
    /// Change the nickname, devices or rooms of the registration (from home).
    EditSpeaker,
    EditNickname {
        text: String,
    },
    SubmitNickname,
    /// The nickname registered on another phone under this ID is the user's own: move it here.
    MoveRegistrationHere,
    ToggleDevice {
        id: String,
    },
    /// The room a device is in (sent to Google as `roomHint`); empty clears it.
    SetRoom {
        id: String,
        room: String,
    },
    ToggleCategory {
        category: Category,
    },
    RefreshDevices,
    ConfirmDevices,
    ChooseSpeaker {
        provider: SpeakerProvider,
    },
    Register,
    OpenGoogleHome,
    CheckLink,
    /// The link is there but the speaker does not respond: p.10's relink steps.
    VoiceNotWorking,
    GoHome,
    Retry,
    Logout,
    ApproveLink,
    DeclineLink,
    /// 「今の登録を続ける」 (another 2D code was opened): the new code is put away.
    ContinueRegistration,
    /// 「新しいコードで登録し直す」: the registration in progress goes, the new code is claimed.
    StartOverWithNewCode,
}

/// A versioned terms text as the cloud serves it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Deserialize, uniffi::Record)]
pub struct Terms {
    pub version: String,
    pub title: String,
    pub body: String,
}

/// Which terms text: the app's (step 4), the privacy policy (13) or the speaker service's (16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TermsKind {
    App,
    Privacy,
    Speaker,
}

/// Smart speakers the service links with; Google Home first, others can join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SpeakerProvider {
    GoogleHome,
}

/// What the app is busy with; kept in the saved state so work in flight when the app was killed
/// is started again on the next launch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
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
