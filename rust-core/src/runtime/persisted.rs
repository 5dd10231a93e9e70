//! The saved state's own format: what `store` writes to the `app_state` table and reads back,
//! kept apart from the flow's types so the flow (and the FFI enums in it) can change without
//! breaking what phones have saved. The idea is fxa-client's (Mozilla application-services,
//! `internal/state_persistence.rs`): a struct per format, upgrades by `From`, frozen snapshots.
//!
//! This module owns:
//! - a plain serde type for every format that ever shipped (`StateV1`, `StateV2`, `StateV3`) and
//!   for every shape they hold (screen, activity, draft, terms, help…): copies, never the flow's
//!   types;
//! - the body of a `device_list` row (format 3 keeps each device list there, not in the state);
//! - `PersistedState`, a saved state tagged by its format (the table's `format` column);
//! - the upgrade from each older format to the next, and the conversions between the current
//!   format and `crate::flow::State`;
//! - what becomes of a saved state that cannot be read as a whole (below).
//!
//! # Formats
//! - **1**: `serde_json` of `flow::State` itself, as every build before this module wrote it.
//!   Fields added to it later read as their default when missing: `speaker_only` (on the state)
//!   and `move_here` (on a draft). Read, never written.
//! - **2**: the same leaves, grouped by what they are to the user: `account` (who is
//!   logged in), `speaker` (what the user answered and registered, which outlives any screen) and
//!   `progress` (where the user was: screen, way back, what to retry or resume, notice, draft in
//!   progress, Google's App Flip request). Read, never written.
//! - **3** (current): format 2 with each device list out of line. A draft's `selection.devices`
//!   is the id of a `device_list` row (`ListId`) whose body is the list (`Vec<DeviceV1>` as JSON)
//!   instead of the list itself. Why: a list is up to 5,000 devices (hundreds of KB) and is read
//!   from the AiSEG2 now and then, while the state is saved on every tap; the store writes a list
//!   only when it is a new one, and the small row on every transition, both in one transaction
//!   (`store::Store::save`). A draft and the registration made from it share one row. A body
//!   naming a list the file does not hold (or holds damaged) is not read as a whole: what is kept
//!   is what a partly unknown state keeps (below), the registration without its list dropped.
//!   Format 2's types serve format 3 with `ListId` for their list (`StateV3 = StateV2<ListId>`).
//!
//! Leaf types that did not change between formats are shared (`ScreenV1` is also format 2's
//! screen). A change serde reads from older JSON unaided (a new variant; a new field with
//! `#[serde(default)]`) stays in the current format; an older build meeting it keeps what it can
//! (below). Any other change adds a format: `StateV3` with new copies of the changed types only,
//! the upgrade from `StateV3`, `CURRENT_FORMAT` raised, and fixtures of format 4 next to the
//! older ones (`fixtures/state/`, frozen: never edited).
//! A flow type that gains a variant or a field stops this module compiling until its saved shape
//! is decided — on purpose.
//!
//! # A saved state that cannot be read
//! - A format newer than this app (an older build installed over a newer one), a format no build
//!   wrote, or a body that is not a JSON object (damaged): the app starts fresh (`None`).
//! - A body of a known format, a JSON object, that this build does not read as a whole (a screen,
//!   activity, notice or device category only a newer build knows, or a damaged part): the user
//!   is not started over. Kept, each field that still reads: the account and the speaker part
//!   (`speaker_prompt_answered`, `legacy_speaker_user`, `speaker_only`, the nickname, the link
//!   and the registration as last sent). Dropped: the progress (screen, way back, retry,
//!   after-login step, notice, the draft in progress, an App Flip request). The user lands on
//!   home when they had answered the speaker question, registered or are a speaker-only user;
//!   otherwise on `Busy(LoadingTerms)`, where a fresh login goes (the terms check, then the
//!   speaker question). Home's launch refresh checks the terms again too. Without a readable
//!   account nothing is kept: a registration must never pass to whoever logs in next.
//!
//! Only the kind of problem is logged (`Trouble`), never the body nor serde's message, which
//! quotes what it could not read (names, nicknames).

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::flow;
use crate::flow::devices::Devices;

/// The format written from now on (`app_state.format`).
pub const CURRENT_FORMAT: i64 = 3;

/// A saved state as it was written, tagged by its format.
#[derive(Clone, Debug, PartialEq)]
pub enum PersistedState {
    V1(StateV1),
    V2(StateV2),
    V3(StateV3),
}

/// The id of a `device_list` row, as a format 3 body names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ListId(pub i64);

/// The device lists a file holds, read from their rows, by id: what a format 3 body is joined with.
pub type Lists = BTreeMap<ListId, Devices>;

/// The body of a `device_list` row for a list.
pub fn list_body(devices: &Devices) -> String {
    let list: Vec<DeviceV1> = devices.iter().map(Into::into).collect();
    serde_json::to_string(&list).expect("a device list always serialises")
}

/// The list a `device_list` row holds; `None` when it cannot be read (damaged, or a category only
/// a newer build knows), which the body naming it then treats as missing.
pub fn read_list(body: &str) -> Option<Devices> {
    let list: Vec<DeviceV1> = serde_json::from_str(body).ok()?;
    Some(list.into())
}

impl From<Vec<DeviceV1>> for Devices {
    fn from(list: Vec<DeviceV1>) -> Devices {
        list.into_iter().map(Into::into).collect()
    }
}

/// Why a saved state was not read as a whole; logged by kind only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// Written by a newer app in a format this one does not know: started fresh.
    NewerFormat,
    /// A format number no build ever wrote: started fresh.
    UnknownFormat,
    /// Not JSON, or not a JSON object: started fresh.
    Damaged,
    /// A JSON object with parts this build does not read, and no account among what does: started fresh.
    NothingToKeep,
    /// A JSON object with parts this build does not read: the account and the speaker part were
    /// kept, the progress dropped.
    PartlyUnknown,
}

/// What reading a saved state gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Read {
    /// Read as a whole (and upgraded to the current format).
    Whole(flow::State),
    /// Partly read: what is kept of it (see the module's doc).
    Kept(flow::State),
    /// Nothing to go on with: the app starts fresh.
    Fresh(Trouble),
}

impl PersistedState {
    /// The format this state is saved as.
    pub fn format(&self) -> i64 {
        match self {
            PersistedState::V1(_) => 1,
            PersistedState::V2(_) => 2,
            PersistedState::V3(_) => 3,
        }
    }

    /// Reads a body of a known format strictly: every part must be known.
    pub fn parse(format: i64, body: &str) -> Result<Option<PersistedState>, serde_json::Error> {
        Ok(Some(match format {
            1 => PersistedState::V1(serde_json::from_str(body)?),
            2 => PersistedState::V2(serde_json::from_str(body)?),
            3 => PersistedState::V3(serde_json::from_str(body)?),
            _ => return Ok(None),
        }))
    }

    /// The body to save.
    pub fn to_json(&self) -> String {
        match self {
            PersistedState::V1(state) => serde_json::to_string(state),
            PersistedState::V2(state) => serde_json::to_string(state),
            PersistedState::V3(state) => serde_json::to_string(state),
        }
        .expect("a persisted state always serialises")
    }

    /// The flow state this saved state holds, upgraded, its device lists joined from `lists`
    /// (formats 1 and 2 hold theirs inline); `None` when it names a list `lists` lacks.
    pub fn joined(self, lists: &Lists) -> Option<flow::State> {
        match self {
            PersistedState::V1(state) => Some(StateV2::from(state).into()),
            PersistedState::V2(state) => Some(state.into()),
            PersistedState::V3(state) => Some(state.map_lists(|id| lists.get(&id).cloned())?.into()),
        }
    }
}

/// The format and body to save for a flow state (always the current format). `list_id` names
/// the row of each device list the state holds (the store knows which it has written already).
pub fn encode(state: &flow::State, list_id: impl FnMut(&Devices) -> ListId) -> (i64, String) {
    let persisted = PersistedState::V3(persisted_state(state, list_id));
    (persisted.format(), persisted.to_json())
}

/// The flow state a saved row holds, its device lists joined from `lists`, with what went wrong
/// logged by kind; `None` starts fresh.
pub fn decode(format: i64, body: &str, lists: &Lists) -> Option<flow::State> {
    match read(format, body, lists) {
        Read::Whole(state) => Some(state),
        Read::Kept(state) => {
            let trouble = Trouble::PartlyUnknown;
            tracing::warn!(
                format,
                ?trouble,
                "saved state partly unreadable; account and registration kept, progress dropped"
            );
            Some(state)
        }
        Read::Fresh(trouble) => {
            tracing::warn!(format, ?trouble, "saved state unreadable; starting fresh");
            None
        }
    }
}

/// Reads a saved row, joined with the device lists of the file: whole, in part, or not at all
/// (see the module's doc).
pub fn read(format: i64, body: &str, lists: &Lists) -> Read {
    match PersistedState::parse(format, body) {
        Ok(Some(persisted)) => {
            if let Some(state) = persisted.joined(lists) {
                return Read::Whole(state);
            }
            // A list it names is missing: kept in part, like a part this build does not know.
        }
        Ok(None) if format > CURRENT_FORMAT => return Read::Fresh(Trouble::NewerFormat),
        Ok(None) => return Read::Fresh(Trouble::UnknownFormat),
        Err(error) if !error.is_data() => return Read::Fresh(Trouble::Damaged),
        Err(_) => {}
    }
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) else {
        return Read::Fresh(Trouble::Damaged);
    };
    let kept = match format {
        1 => Kept::from_v1(&object).map(Kept::inline),
        2 => Kept::<Vec<DeviceV1>>::from_v2(&object).map(Kept::inline),
        // 3, the only other format `parse` knows.
        _ => Kept::<ListId>::from_v2(&object).map(|kept| kept.join(|id| lists.get(&id).cloned())),
    };
    match kept {
        Some(kept) => Read::Kept(kept.landing().into()),
        None => Read::Fresh(Trouble::NothingToKeep),
    }
}

// ── Format 1: `flow::State` as it was serialised before this module ──

/// Format 1's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateV1 {
    pub screen: ScreenV1,
    pub account: Option<AccountV1>,
    pub speaker_prompt_answered: bool,
    pub retry: Option<ActivityV1>,
    pub after_login: Option<ActivityV1>,
    pub notice: Option<NoticeV1>,
    pub legacy_speaker_user: bool,
    pub speaker: Option<DraftV1>,
    pub speaker_nickname: Option<String>,
    pub speaker_linked: Option<bool>,
    pub registered: Option<DraftV1>,
    pub app_flip: Option<AppFlipRequestV1>,
    pub return_to: Vec<ScreenV1>,
    /// Missing in what the builds before flow C's speaker-only users saved.
    #[serde(default)]
    pub speaker_only: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountV1 {
    pub subject: String,
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermsV1 {
    pub version: String,
    pub title: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ScreenV1 {
    Welcome,
    Login,
    Busy {
        activity: ActivityV1,
    },
    AppTerms {
        terms: TermsV1,
        revised: bool,
    },
    TermsDeclined,
    SpeakerPrompt,
    Nickname,
    PrivacyPolicy {
        terms: TermsV1,
    },
    DeviceSelection,
    AccountLink,
    SpeakerTerms {
        terms: TermsV1,
    },
    Utterances,
    HandOff,
    WaitingForGoogleHome,
    SpeakerDone,
    Troubleshooting,
    SpeakerCancelled,
    /// Added in place: a saved state without it reads as before.
    NewCodePrompt,
    AppFlipConsent {
        scope: String,
    },
    Home {
        display_name: String,
        speaker_nickname: Option<String>,
        speaker_linked: Option<bool>,
    },
    Migration,
    UpdateRequired {
        need: UpdateNeedV1,
    },
    Help {
        support: SupportV1,
        now: i64,
    },
    Problem {
        problem: ProblemV1,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ActivityV1 {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemV1 {
    Offline,
    ServiceTrouble,
    SessionExpired,
    LoginCancelled,
    LoginRejected,
    LoginInterrupted,
    CodeExpired,
    // Added in format 2's time, like the notices below.
    Untrusted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeV1 {
    LinkIgnored,
    LinkRefused,
    RefreshFailed,
    DevicesChanged,
    SpeakerUpdated,
    LinkRequestRefused,
    LogInFirst,
    LinkNotAnswered,
    RegisterBeforeLinking,
    // Added in format 2's time (a new variant serde reads unaided; an older build meeting one
    // keeps the account and the registration, as the module's doc says).
    BrowserNotOpened,
    GoogleHomeNotOpened,
    StoreNotOpened,
    StartedOver,
    NotSaved,
    RedirectRefused,
    WaitingForService,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateNeedV1 {
    pub target: UpdateTargetV1,
    pub installed: String,
    pub required: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateTargetV1 {
    App,
    Firmware,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupportV1 {
    pub lines: Vec<SupportLineV1>,
    pub holidays: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupportLineV1 {
    pub name: String,
    pub phone: String,
    pub note: Option<String>,
    pub days: SupportDaysV1,
    pub opens: String,
    pub closes: String,
    pub closed_on_holidays: bool,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportDaysV1 {
    Weekdays,
    EveryDay,
}

/// Format 1's `SpeakerDraft`: a registration being filled in, or as last sent. `L` is how it
/// holds its device list: inline (formats 1 and 2), a row's id (format 3), or, once read, the
/// flow's shared list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftV1<L = Vec<DeviceV1>> {
    pub nickname: String,
    pub nickname_error: Option<NicknameErrorV1>,
    pub privacy_version: Option<String>,
    pub selection: SelectionV1<L>,
    pub provider: Option<SpeakerProviderV1>,
    pub speaker_terms_version: Option<String>,
    pub rooms: BTreeMap<String, String>,
    /// Missing in what the builds before moving a registration between phones saved.
    #[serde(default)]
    pub move_here: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelectionV1<L = Vec<DeviceV1>> {
    pub devices: L,
    pub chosen: BTreeSet<String>,
}

impl<L> DraftV1<L> {
    /// The same draft with its list held another way (`None` when `list` has none for it).
    fn map_list<M>(self, list: &mut impl FnMut(L) -> Option<M>) -> Option<DraftV1<M>> {
        let DraftV1 {
            nickname,
            nickname_error,
            privacy_version,
            selection: SelectionV1 { devices, chosen },
            provider,
            speaker_terms_version,
            rooms,
            move_here,
        } = self;
        Some(DraftV1 {
            nickname,
            nickname_error,
            privacy_version,
            selection: SelectionV1 { devices: list(devices)?, chosen },
            provider,
            speaker_terms_version,
            rooms,
            move_here,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceV1 {
    pub id: String,
    pub name: String,
    pub category: CategoryV1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CategoryV1 {
    AirConditioner,
    AirPurifier,
    Shutter,
    Light,
    RangeHood,
    VentilationFan,
    ElectricWindow,
    ElectricLock,
    WaterHeater,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NicknameErrorV1 {
    Empty,
    TooLong,
    InvisibleCharacters,
    Refused,
    TakenElsewhere,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpeakerProviderV1 {
    GoogleHome,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppFlipRequestV1 {
    pub client_id: String,
    pub scope: String,
    pub state: String,
    pub redirect_uri: String,
    pub caller_verified: bool,
}

// ── Format 2 (current): the person, their speaker registration, and where they were ──

/// Format 2's state. Its leaves are format 1's. `L` is how its drafts hold their device lists
/// (see `DraftV1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateV2<L = Vec<DeviceV1>> {
    /// Who is logged in.
    pub account: Option<AccountV1>,
    /// What the user answered and registered; kept even when the progress cannot be read.
    pub speaker: SpeakerV2<L>,
    /// Where the user was.
    pub progress: ProgressV2<L>,
}

/// Format 3's state: format 2's, each device list the id of its `device_list` row.
pub type StateV3 = StateV2<ListId>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeakerV2<L = Vec<DeviceV1>> {
    /// Step 5's question was answered (`State::speaker_prompt_answered`).
    pub prompt_answered: bool,
    /// Had the speaker service under the old Panasonic ID (`State::legacy_speaker_user`).
    pub legacy_user: bool,
    /// Came in by the AiSEG2's 2D code without the app's terms (`State::speaker_only`).
    pub only: bool,
    /// The registered nickname (`State::speaker_nickname`).
    pub nickname: Option<String>,
    /// Whether Google Home held the link when last checked (`State::speaker_linked`).
    pub linked: Option<bool>,
    /// The registration as last sent (`State::registered`).
    pub registered: Option<DraftV1<L>>,
    /// Nicknames registered under the ID on other phones (`State::elsewhere`); added in format
    /// 2's time, so missing in what earlier builds wrote (and not written when empty: what they
    /// wrote is still exactly what this build writes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elsewhere: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressV2<L = Vec<DeviceV1>> {
    pub screen: ScreenV1,
    /// Screens to go back to, innermost last (`State::return_to`).
    pub return_to: Vec<ScreenV1>,
    pub retry: Option<ActivityV1>,
    pub after_login: Option<ActivityV1>,
    pub notice: Option<NoticeV1>,
    /// The registration being filled in (`State::speaker`).
    pub draft: Option<DraftV1<L>>,
    pub app_flip: Option<AppFlipRequestV1>,
}

impl<L> StateV2<L> {
    /// The same state with its lists held another way; `None` when `list` has none for one.
    fn map_lists<M>(self, mut list: impl FnMut(L) -> Option<M>) -> Option<StateV2<M>> {
        let StateV2 { account, speaker, progress } = self;
        let ProgressV2 { screen, return_to, retry, after_login, notice, draft, app_flip } = progress;
        let SpeakerV2 { prompt_answered, legacy_user, only, nickname, linked, registered, elsewhere } = speaker;
        let mut map = |draft: Option<DraftV1<L>>| match draft {
            Some(draft) => draft.map_list(&mut list).map(Some),
            None => Some(None),
        };
        let registered = map(registered)?;
        let draft = map(draft)?;
        Some(StateV2 {
            account,
            speaker: SpeakerV2 { prompt_answered, legacy_user, only, nickname, linked, registered, elsewhere },
            progress: ProgressV2 { screen, return_to, retry, after_login, notice, draft, app_flip },
        })
    }
}

impl<L> SpeakerV2<L> {
    /// The same speaker part with the registration `registered` makes of this one's.
    fn with_registered<M>(self, registered: impl FnOnce(Option<DraftV1<L>>) -> Option<DraftV1<M>>) -> SpeakerV2<M> {
        let SpeakerV2 { prompt_answered, legacy_user, only, nickname, linked, registered: r, elsewhere } = self;
        SpeakerV2 { prompt_answered, legacy_user, only, nickname, linked, registered: registered(r), elsewhere }
    }
}

impl From<StateV1> for StateV2 {
    fn from(s: StateV1) -> StateV2 {
        StateV2 {
            account: s.account,
            speaker: SpeakerV2 {
                prompt_answered: s.speaker_prompt_answered,
                legacy_user: s.legacy_speaker_user,
                only: s.speaker_only,
                nickname: s.speaker_nickname,
                linked: s.speaker_linked,
                registered: s.registered,
                elsewhere: Vec::new(),
            },
            progress: ProgressV2 {
                screen: s.screen,
                return_to: s.return_to,
                retry: s.retry,
                after_login: s.after_login,
                notice: s.notice,
                draft: s.speaker,
                app_flip: s.app_flip,
            },
        }
    }
}

// ── What is kept of a state not read as a whole ──

/// The account and the speaker part of a saved state, read field by field (`L`: how its
/// registration holds its device list, see `DraftV1`).
struct Kept<L = Vec<DeviceV1>> {
    account: AccountV1,
    speaker: SpeakerV2<L>,
}

/// A field, if it is there and reads.
fn field<T: DeserializeOwned>(object: &Map<String, Value>, key: &str) -> Option<T> {
    object.get(key).and_then(|value| T::deserialize(value).ok())
}

impl Kept {
    fn from_v1(object: &Map<String, Value>) -> Option<Kept> {
        Some(Kept {
            account: field(object, "account")?,
            speaker: SpeakerV2 {
                prompt_answered: field(object, "speaker_prompt_answered").unwrap_or_default(),
                legacy_user: field(object, "legacy_speaker_user").unwrap_or_default(),
                only: field(object, "speaker_only").unwrap_or_default(),
                nickname: field(object, "speaker_nickname"),
                linked: field(object, "speaker_linked"),
                registered: field(object, "registered"),
                elsewhere: Vec::new(),
            },
        })
    }

    /// What is kept with the lists inline, the flow's lists made of them.
    fn inline(self) -> Kept<Devices> {
        self.join(|list| Some(list.into()))
    }
}

impl<L: DeserializeOwned> Kept<L> {
    /// Formats 2 and 3 (the same shape, their lists held apart).
    fn from_v2(object: &Map<String, Value>) -> Option<Kept<L>> {
        let empty = Map::new();
        let speaker = match object.get("speaker") {
            Some(Value::Object(speaker)) => speaker,
            _ => &empty,
        };
        Some(Kept {
            account: field(object, "account")?,
            speaker: SpeakerV2 {
                prompt_answered: field(speaker, "prompt_answered").unwrap_or_default(),
                legacy_user: field(speaker, "legacy_user").unwrap_or_default(),
                only: field(speaker, "only").unwrap_or_default(),
                nickname: field(speaker, "nickname"),
                linked: field(speaker, "linked"),
                registered: field(speaker, "registered"),
                elsewhere: field(speaker, "elsewhere").unwrap_or_default(),
            },
        })
    }
}

impl<L> Kept<L> {
    /// The same, the registration's list joined by `list`; a registration whose list is not
    /// there drops only itself, as one that does not read.
    fn join(self, mut list: impl FnMut(L) -> Option<Devices>) -> Kept<Devices> {
        let speaker = self.speaker.with_registered(|registered| registered?.map_list(&mut list));
        Kept { account: self.account, speaker }
    }

    /// The kept state, on home or where a fresh login goes.
    fn landing(self) -> StateV2<L> {
        let s = &self.speaker;
        let screen = if s.prompt_answered || s.only || s.nickname.is_some() {
            ScreenV1::Home {
                display_name: self.account.display_name.clone(),
                speaker_nickname: s.nickname.clone(),
                speaker_linked: s.linked,
            }
        } else {
            ScreenV1::Busy { activity: ActivityV1::LoadingTerms }
        };
        StateV2 {
            account: Some(self.account),
            speaker: self.speaker,
            progress: ProgressV2 {
                screen,
                return_to: Vec::new(),
                retry: None,
                after_login: None,
                notice: None,
                draft: None,
                app_flip: None,
            },
        }
    }
}

// ── The current format and the flow's state ──

impl From<&flow::State> for StateV2 {
    fn from(s: &flow::State) -> StateV2 {
        persisted_state(s, |list| list.iter().map(Into::into).collect())
    }
}

/// A flow state in format 2's shape, each device list held as `list` makes it.
fn persisted_state<L>(s: &flow::State, mut list: impl FnMut(&Devices) -> L) -> StateV2<L> {
    let mut draft = |d: &flow::SpeakerDraft| persisted_draft(d, &mut list);
    // The registration's list first: the order a format 3 body's lists are numbered in.
    let registered = s.registered.as_ref().map(&mut draft);
    let progress_draft = s.speaker.as_ref().map(&mut draft);
    {
        StateV2 {
            account: s.account.as_ref().map(Into::into),
            speaker: SpeakerV2 {
                prompt_answered: s.speaker_prompt_answered,
                legacy_user: s.legacy_speaker_user,
                only: s.speaker_only,
                nickname: s.speaker_nickname.clone(),
                linked: s.speaker_linked,
                registered,
                elsewhere: s.elsewhere.clone(),
            },
            progress: ProgressV2 {
                screen: (&s.screen).into(),
                return_to: s.return_to.iter().map(Into::into).collect(),
                retry: s.retry.as_ref().map(Into::into),
                after_login: s.after_login.as_ref().map(Into::into),
                notice: s.notice.map(Into::into),
                draft: progress_draft,
                app_flip: s.app_flip.as_ref().map(Into::into),
            },
        }
    }
}

impl<L: Into<Devices>> From<StateV2<L>> for flow::State {
    fn from(s: StateV2<L>) -> flow::State {
        let StateV2 { account, speaker, progress } = s;
        flow::State {
            screen: progress.screen.into(),
            account: account.map(Into::into),
            speaker_prompt_answered: speaker.prompt_answered,
            retry: progress.retry.map(Into::into),
            after_login: progress.after_login.map(Into::into),
            notice: progress.notice.map(Into::into),
            legacy_speaker_user: speaker.legacy_user,
            speaker: progress.draft.map(Into::into),
            speaker_nickname: speaker.nickname,
            speaker_linked: speaker.linked,
            registered: speaker.registered.map(Into::into),
            app_flip: progress.app_flip.map(Into::into),
            return_to: progress.return_to.into_iter().map(Into::into).collect(),
            speaker_only: speaker.only,
            elsewhere: speaker.elsewhere,
        }
    }
}

impl From<&flow::Account> for AccountV1 {
    fn from(a: &flow::Account) -> AccountV1 {
        AccountV1 { subject: a.subject.clone(), display_name: a.display_name.clone() }
    }
}

impl From<AccountV1> for flow::Account {
    fn from(a: AccountV1) -> flow::Account {
        flow::Account { subject: a.subject, display_name: a.display_name }
    }
}

impl From<&flow::Terms> for TermsV1 {
    fn from(t: &flow::Terms) -> TermsV1 {
        TermsV1 { version: t.version.clone(), title: t.title.clone(), body: t.body.clone() }
    }
}

impl From<TermsV1> for flow::Terms {
    fn from(t: TermsV1) -> flow::Terms {
        flow::Terms { version: t.version, title: t.title, body: t.body }
    }
}

impl From<&flow::Screen> for ScreenV1 {
    fn from(screen: &flow::Screen) -> ScreenV1 {
        use flow::Screen as S;
        match screen {
            S::Welcome => ScreenV1::Welcome,
            S::Login => ScreenV1::Login,
            S::Busy { activity } => ScreenV1::Busy { activity: activity.into() },
            S::AppTerms { terms, revised } => ScreenV1::AppTerms { terms: terms.into(), revised: *revised },
            S::TermsDeclined => ScreenV1::TermsDeclined,
            S::SpeakerPrompt => ScreenV1::SpeakerPrompt,
            S::Nickname => ScreenV1::Nickname,
            S::PrivacyPolicy { terms } => ScreenV1::PrivacyPolicy { terms: terms.into() },
            S::DeviceSelection => ScreenV1::DeviceSelection,
            S::AccountLink => ScreenV1::AccountLink,
            S::SpeakerTerms { terms } => ScreenV1::SpeakerTerms { terms: terms.into() },
            S::Utterances => ScreenV1::Utterances,
            S::HandOff => ScreenV1::HandOff,
            S::WaitingForGoogleHome => ScreenV1::WaitingForGoogleHome,
            S::SpeakerDone => ScreenV1::SpeakerDone,
            S::Troubleshooting => ScreenV1::Troubleshooting,
            S::SpeakerCancelled => ScreenV1::SpeakerCancelled,
            S::NewCodePrompt => ScreenV1::NewCodePrompt,
            S::AppFlipConsent { scope } => ScreenV1::AppFlipConsent { scope: scope.clone() },
            S::Home { display_name, speaker_nickname, speaker_linked } => ScreenV1::Home {
                display_name: display_name.clone(),
                speaker_nickname: speaker_nickname.clone(),
                speaker_linked: *speaker_linked,
            },
            S::Migration => ScreenV1::Migration,
            S::UpdateRequired { need } => ScreenV1::UpdateRequired { need: need.into() },
            S::Help { support, now } => ScreenV1::Help { support: support.into(), now: *now },
            S::Problem { problem } => ScreenV1::Problem { problem: (*problem).into() },
        }
    }
}

impl From<ScreenV1> for flow::Screen {
    fn from(screen: ScreenV1) -> flow::Screen {
        use flow::Screen as S;
        match screen {
            ScreenV1::Welcome => S::Welcome,
            ScreenV1::Login => S::Login,
            ScreenV1::Busy { activity } => S::Busy { activity: activity.into() },
            ScreenV1::AppTerms { terms, revised } => S::AppTerms { terms: terms.into(), revised },
            ScreenV1::TermsDeclined => S::TermsDeclined,
            ScreenV1::SpeakerPrompt => S::SpeakerPrompt,
            ScreenV1::Nickname => S::Nickname,
            ScreenV1::PrivacyPolicy { terms } => S::PrivacyPolicy { terms: terms.into() },
            ScreenV1::DeviceSelection => S::DeviceSelection,
            ScreenV1::AccountLink => S::AccountLink,
            ScreenV1::SpeakerTerms { terms } => S::SpeakerTerms { terms: terms.into() },
            ScreenV1::Utterances => S::Utterances,
            ScreenV1::HandOff => S::HandOff,
            ScreenV1::WaitingForGoogleHome => S::WaitingForGoogleHome,
            ScreenV1::SpeakerDone => S::SpeakerDone,
            ScreenV1::Troubleshooting => S::Troubleshooting,
            ScreenV1::SpeakerCancelled => S::SpeakerCancelled,
            ScreenV1::NewCodePrompt => S::NewCodePrompt,
            ScreenV1::AppFlipConsent { scope } => S::AppFlipConsent { scope },
            ScreenV1::Home { display_name, speaker_nickname, speaker_linked } => {
                S::Home { display_name, speaker_nickname, speaker_linked }
            }
            ScreenV1::Migration => S::Migration,
            ScreenV1::UpdateRequired { need } => S::UpdateRequired { need: need.into() },
            ScreenV1::Help { support, now } => S::Help { support: support.into(), now },
            ScreenV1::Problem { problem } => S::Problem { problem: problem.into() },
        }
    }
}

impl From<&flow::Activity> for ActivityV1 {
    fn from(activity: &flow::Activity) -> ActivityV1 {
        use flow::Activity as A;
        match activity {
            A::OpeningLogin => ActivityV1::OpeningLogin,
            A::SigningIn => ActivityV1::SigningIn,
            A::LoadingTerms => ActivityV1::LoadingTerms,
            A::SavingConsent { version } => ActivityV1::SavingConsent { version: version.clone() },
            A::SigningOut => ActivityV1::SigningOut,
            A::LoadingPrivacyPolicy => ActivityV1::LoadingPrivacyPolicy,
            A::LoadingDevices => ActivityV1::LoadingDevices,
            A::LoadingSpeakerTerms => ActivityV1::LoadingSpeakerTerms,
            A::Registering => ActivityV1::Registering,
            A::CheckingLink => ActivityV1::CheckingLink,
            A::ApprovingLink => ActivityV1::ApprovingLink,
            A::OpeningRegistration => ActivityV1::OpeningRegistration,
            A::ClaimingCode => ActivityV1::ClaimingCode,
            A::WipingOldId => ActivityV1::WipingOldId,
            A::LoadingHelp => ActivityV1::LoadingHelp,
        }
    }
}

impl From<ActivityV1> for flow::Activity {
    fn from(activity: ActivityV1) -> flow::Activity {
        use flow::Activity as A;
        match activity {
            ActivityV1::OpeningLogin => A::OpeningLogin,
            ActivityV1::SigningIn => A::SigningIn,
            ActivityV1::LoadingTerms => A::LoadingTerms,
            ActivityV1::SavingConsent { version } => A::SavingConsent { version },
            ActivityV1::SigningOut => A::SigningOut,
            ActivityV1::LoadingPrivacyPolicy => A::LoadingPrivacyPolicy,
            ActivityV1::LoadingDevices => A::LoadingDevices,
            ActivityV1::LoadingSpeakerTerms => A::LoadingSpeakerTerms,
            ActivityV1::Registering => A::Registering,
            ActivityV1::CheckingLink => A::CheckingLink,
            ActivityV1::ApprovingLink => A::ApprovingLink,
            ActivityV1::OpeningRegistration => A::OpeningRegistration,
            ActivityV1::ClaimingCode => A::ClaimingCode,
            ActivityV1::WipingOldId => A::WipingOldId,
            ActivityV1::LoadingHelp => A::LoadingHelp,
        }
    }
}

/// Both ways between a persisted enum without data and the flow's, variant for variant (an
/// exhaustive `match` each way, so a new variant on either side does not compile unmapped).
macro_rules! same_variants {
    ($persisted:ident, $flow:ident, [$($variant:ident),+ $(,)?]) => {
        impl From<flow::$flow> for $persisted {
            fn from(value: flow::$flow) -> $persisted {
                match value {
                    $(flow::$flow::$variant => $persisted::$variant,)+
                }
            }
        }
        impl From<$persisted> for flow::$flow {
            fn from(value: $persisted) -> flow::$flow {
                match value {
                    $($persisted::$variant => flow::$flow::$variant,)+
                }
            }
        }
    };
}

same_variants!(
    ProblemV1,
    Problem,
    [Offline, ServiceTrouble, SessionExpired, LoginCancelled, LoginRejected, LoginInterrupted, CodeExpired, Untrusted,]
);
same_variants!(
    NoticeV1,
    Notice,
    [
        LinkIgnored,
        LinkRefused,
        RefreshFailed,
        DevicesChanged,
        SpeakerUpdated,
        LinkRequestRefused,
        LogInFirst,
        LinkNotAnswered,
        RegisterBeforeLinking,
        BrowserNotOpened,
        GoogleHomeNotOpened,
        StoreNotOpened,
        StartedOver,
        NotSaved,
        RedirectRefused,
        WaitingForService,
    ]
);
same_variants!(UpdateTargetV1, UpdateTarget, [App, Firmware]);
same_variants!(SupportDaysV1, SupportDays, [Weekdays, EveryDay]);
same_variants!(
    CategoryV1,
    Category,
    [
        AirConditioner,
        AirPurifier,
        Shutter,
        Light,
        RangeHood,
        VentilationFan,
        ElectricWindow,
        ElectricLock,
        WaterHeater,
        Other,
    ]
);
same_variants!(NicknameErrorV1, NicknameError, [Empty, TooLong, InvisibleCharacters, Refused, TakenElsewhere]);
same_variants!(SpeakerProviderV1, SpeakerProvider, [GoogleHome]);

impl From<&flow::UpdateNeed> for UpdateNeedV1 {
    fn from(n: &flow::UpdateNeed) -> UpdateNeedV1 {
        UpdateNeedV1 { target: n.target.into(), installed: n.installed.clone(), required: n.required.clone() }
    }
}

impl From<UpdateNeedV1> for flow::UpdateNeed {
    fn from(n: UpdateNeedV1) -> flow::UpdateNeed {
        flow::UpdateNeed { target: n.target.into(), installed: n.installed, required: n.required }
    }
}

impl From<&flow::Support> for SupportV1 {
    fn from(s: &flow::Support) -> SupportV1 {
        SupportV1 { lines: s.lines.iter().map(Into::into).collect(), holidays: s.holidays.clone() }
    }
}

impl From<SupportV1> for flow::Support {
    fn from(s: SupportV1) -> flow::Support {
        flow::Support { lines: s.lines.into_iter().map(Into::into).collect(), holidays: s.holidays }
    }
}

impl From<&flow::SupportLine> for SupportLineV1 {
    fn from(l: &flow::SupportLine) -> SupportLineV1 {
        SupportLineV1 {
            name: l.name.clone(),
            phone: l.phone.clone(),
            note: l.note.clone(),
            days: l.days.into(),
            opens: l.opens.clone(),
            closes: l.closes.clone(),
            closed_on_holidays: l.closed_on_holidays,
            valid_from: l.valid_from.clone(),
            valid_until: l.valid_until.clone(),
        }
    }
}

impl From<SupportLineV1> for flow::SupportLine {
    fn from(l: SupportLineV1) -> flow::SupportLine {
        flow::SupportLine {
            name: l.name,
            phone: l.phone,
            note: l.note,
            days: l.days.into(),
            opens: l.opens,
            closes: l.closes,
            closed_on_holidays: l.closed_on_holidays,
            valid_from: l.valid_from,
            valid_until: l.valid_until,
        }
    }
}

/// A flow draft in the persisted shape, its device list held as `list` makes it.
fn persisted_draft<L>(d: &flow::SpeakerDraft, list: &mut impl FnMut(&Devices) -> L) -> DraftV1<L> {
    {
        DraftV1 {
            nickname: d.nickname.clone(),
            nickname_error: d.nickname_error.map(Into::into),
            privacy_version: d.privacy_version.clone(),
            selection: SelectionV1 { devices: list(&d.selection.devices), chosen: d.selection.chosen.clone() },
            provider: d.provider.map(Into::into),
            speaker_terms_version: d.speaker_terms_version.clone(),
            rooms: d.rooms.clone(),
            move_here: d.move_here,
        }
    }
}

impl<L: Into<Devices>> From<DraftV1<L>> for flow::SpeakerDraft {
    fn from(d: DraftV1<L>) -> flow::SpeakerDraft {
        flow::SpeakerDraft {
            nickname: d.nickname,
            nickname_error: d.nickname_error.map(Into::into),
            privacy_version: d.privacy_version,
            selection: flow::Selection { devices: d.selection.devices.into(), chosen: d.selection.chosen },
            provider: d.provider.map(Into::into),
            speaker_terms_version: d.speaker_terms_version,
            rooms: d.rooms,
            move_here: d.move_here,
        }
    }
}

impl From<&flow::Device> for DeviceV1 {
    fn from(d: &flow::Device) -> DeviceV1 {
        DeviceV1 { id: d.id.clone(), name: d.name.clone(), category: d.category.into() }
    }
}

impl From<DeviceV1> for flow::Device {
    fn from(d: DeviceV1) -> flow::Device {
        flow::Device { id: d.id, name: d.name, category: d.category.into() }
    }
}

impl From<&flow::AppFlipRequest> for AppFlipRequestV1 {
    fn from(r: &flow::AppFlipRequest) -> AppFlipRequestV1 {
        AppFlipRequestV1 {
            client_id: r.client_id.clone(),
            scope: r.scope.clone(),
            state: r.state.clone(),
            redirect_uri: r.redirect_uri.clone(),
            caller_verified: r.caller_verified,
        }
    }
}

impl From<AppFlipRequestV1> for flow::AppFlipRequest {
    fn from(r: AppFlipRequestV1) -> flow::AppFlipRequest {
        flow::AppFlipRequest {
            client_id: r.client_id,
            scope: r.scope,
            state: r.state,
            redirect_uri: r.redirect_uri,
            caller_verified: r.caller_verified,
        }
    }
}

#[cfg(test)]
mod tests;
