//! Flow B's side of the cloud: each user's AiSEG2 (its devices and their state), the speaker
//! registrations, the privacy policy and speaker terms, and the Google smart-home fulfillment
//! endpoint that Google calls with the token it got by account linking (SYNC, QUERY, EXECUTE,
//! DISCONNECT). Google Home's own memory (its links and the devices it synced, per Google
//! account) lives here too, so `google.rs` can play the Google Home app against it.
//!
//! A registration belongs to a *speaker user*: one person's phone under a CLUB Panasonic ID,
//! named by an id the app makes once per installation. A household may share one ID: each
//! person registers their own nickname and devices from their own phone, and each Google link
//! serves exactly one speaker user (named by the app in App Flip, chosen by nickname on the
//! consent page in the browser).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{GoogleLinkToken, Subject};
use crate::server::Cloud;
use crate::state::{random_token, Terms};
use crate::wire::{self, JsonBody};

/// A device as the AiSEG2 reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AisegDevice {
    pub id: String,
    pub name: String,
    /// `air_conditioner`, `air_purifier`, `shutter`, `light`, `range_hood`, …
    pub category: String,
    pub echonet_class: String,
}

/// What a device is doing, as the AiSEG2 sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    pub on: bool,
    /// Air conditioners, in Google's words: `cool`, `heat`, `auto`, `dry`, `fan-only`.
    pub mode: Option<String>,
    /// Air conditioners: °C.
    pub setpoint: Option<u32>,
    /// Shutters and windows.
    pub open: Option<bool>,
    /// Electric locks.
    #[serde(default)]
    pub locked: Option<bool>,
}

/// What the cloud registered for one speaker user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub registration_id: String,
    /// The app's id for the phone it was registered from.
    pub speaker_user: String,
    /// Google's id for this registration's user (`agentUserId`): made with the first registration
    /// and kept through changes and moves to another phone, as Google requires it stable.
    pub agent_user_id: String,
    pub nickname: String,
    pub device_ids: Vec<String>,
    /// Device id → room, sent to Google as `roomHint`.
    #[serde(default)]
    pub rooms: std::collections::BTreeMap<String, String>,
    pub privacy_version: String,
    pub speaker_terms_version: String,
}

/// A device as Google holds it after SYNC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedDevice {
    pub id: String,
    #[serde(rename = "type")]
    pub device_type: String,
    pub traits: Vec<String>,
    pub name: String,
    pub nicknames: Vec<String>,
    #[serde(rename = "roomHint", default)]
    pub room_hint: Option<String>,
    /// The traits' attributes (the thermostat modes, open/close in steps or not), `{}` if none.
    #[serde(default)]
    pub attributes: serde_json::Value,
}

/// How a device of an AiSEG2 category appears to Google: its type, traits and their attributes.
/// Categories this cloud does not know become a SWITCH (on/off and nothing more): calling them
/// LIGHT would put, say, a floor heater into 「電気を全部消して」.
fn google_kind(category: &str) -> (&'static str, &'static [&'static str], serde_json::Value) {
    const ON_OFF: &[&str] = &["action.devices.traits.OnOff"];
    const OPEN_CLOSE: &[&str] = &["action.devices.traits.OpenClose"];
    // The AiSEG2 opens or closes a shutter or window fully; it cannot stop it half-way.
    let discrete = || json!({ "discreteOnlyOpenClose": true });
    match category {
        "air_conditioner" => (
            "action.devices.types.AC_UNIT",
            &["action.devices.traits.OnOff", "action.devices.traits.TemperatureSetting"],
            json!({
                "availableThermostatModes": ["off", "cool", "heat", "dry", "fan-only", "auto"],
                "thermostatTemperatureUnit": "C",
            }),
        ),
        "air_purifier" => ("action.devices.types.AIRPURIFIER", ON_OFF, json!({})),
        "shutter" => ("action.devices.types.SHUTTER", OPEN_CLOSE, discrete()),
        "electric_window" => ("action.devices.types.WINDOW", OPEN_CLOSE, discrete()),
        "electric_lock" => ("action.devices.types.LOCK", &["action.devices.traits.LockUnlock"], json!({})),
        "light" => ("action.devices.types.LIGHT", ON_OFF, json!({})),
        "range_hood" => ("action.devices.types.HOOD", ON_OFF, json!({})),
        "ventilation_fan" => ("action.devices.types.FAN", ON_OFF, json!({})),
        "water_heater" => ("action.devices.types.WATERHEATER", ON_OFF, json!({})),
        _ => ("action.devices.types.SWITCH", ON_OFF, json!({})),
    }
}

/// The trait an EXECUTE command belongs to.
fn command_trait(command: &str) -> Option<&'static str> {
    match command.trim_start_matches("action.devices.commands.") {
        "OnOff" => Some("action.devices.traits.OnOff"),
        "ThermostatSetMode" | "ThermostatTemperatureSetpoint" => Some("action.devices.traits.TemperatureSetting"),
        "OpenClose" => Some("action.devices.traits.OpenClose"),
        "LockUnlock" => Some("action.devices.traits.LockUnlock"),
        _ => None,
    }
}

/// QUERY's answer for one device: the states of its traits only (Google reads nothing else).
fn query_state(device: &SyncedDevice, state: &DeviceState) -> serde_json::Value {
    let mut answer = json!({ "online": true, "status": "SUCCESS" });
    for t in &device.traits {
        match t.trim_start_matches("action.devices.traits.") {
            "OnOff" => answer["on"] = json!(state.on),
            "TemperatureSetting" => {
                let mode = if state.on { state.mode.as_deref() } else { Some("off") };
                answer["thermostatMode"] = json!(mode);
                answer["thermostatTemperatureSetpoint"] = json!(state.setpoint);
            }
            "OpenClose" => answer["openPercent"] = json!(if state.open == Some(true) { 100 } else { 0 }),
            "LockUnlock" => {
                answer["isLocked"] = json!(state.locked == Some(true));
                answer["isJammed"] = json!(false);
            }
            _ => {}
        }
    }
    answer
}

struct Home {
    aiseg_id: String,
    /// Printed on the unit; the panel asks for it before server-service settings (C step 5).
    device_code: String,
    panel: crate::panel::PanelScreen,
    /// The panel's last message (a refused 機器コード), until the next tap.
    panel_message: Option<String>,
    firmware_version: String,
    devices: Vec<AisegDevice>,
    states: HashMap<String, DeviceState>,
}

/// Google Home's account link for one Google account.
pub(crate) struct GoogleLink {
    pub access_token: String,
    pub devices: Vec<SyncedDevice>,
    /// The account and speaker user the link serves (what its token's grant says).
    pub serves: Option<SpeakerUser>,
}

/// One speaker user: the account (its key) and the app's id for the phone.
pub(crate) type SpeakerUser = (String, String);

/// A 2D code shown on an AiSEG2 (flow C): one use, a few minutes.
struct PanelCode {
    aiseg_id: String,
    expires: Instant,
}

/// How long an AiSEG2's 2D code can be used.
pub(crate) const PANEL_CODE_TTL: Duration = Duration::from_secs(600);

pub(crate) struct SpeakerWorld {
    pub privacy: Terms,
    pub speaker_terms: Terms,
    /// AiSEG2s by id; a household shares one.
    homes: HashMap<String, Home>,
    /// Which AiSEG2 each account belongs to (several accounts may share one: a household).
    members: HashMap<String, String>,
    registrations: HashMap<SpeakerUser, Registration>,
    registrations_made: HashMap<String, u32>,
    /// Per account, every registration PUT received, oldest first: the speaker user it was for
    /// and the registration id it left in place (`None` when it was refused).
    registration_puts: HashMap<String, Vec<(String, Option<String>)>>,
    /// Google Home's links, by Google account.
    pub links: HashMap<String, GoogleLink>,
    legacy: HashSet<String>,
    pub linking_fails: bool,
    /// Google accounts on whose phone Google Home cannot open this service's app (not installed,
    /// or not a build Google can verify): Google links them in its browser, without App Flip.
    without_app: HashSet<String>,
    /// Google Home's browser waiting on a CLUB Panasonic page, by Google account.
    pub(crate) web_linking: HashMap<String, crate::google::WebLinking>,
    lose_next: Vec<String>,
    panel_codes: HashMap<String, PanelCode>,
    /// Claims carried out, by account and `Idempotency-Key`: the code and the AiSEG2 it bound,
    /// so the same claim sent again (after a lost answer) gets the same answer.
    claims_done: HashMap<(String, String), (String, String)>,
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn device(id: &str, name: &str, category: &str, class: &str) -> AisegDevice {
    AisegDevice { id: id.into(), name: name.into(), category: category.into(), echonet_class: class.into() }
}

/// Taro's AiSEG2: the seed's examples, including the names its step 17 warns about.
fn seed_devices() -> Vec<AisegDevice> {
    vec![
        device("ac-1", "リビングのエアコン", "air_conditioner", "0x0130"),
        device("ac-2", "子供部屋のエアコン", "air_conditioner", "0x0130"),
        device("ac-3", "エアコンA", "air_conditioner", "0x0130"),
        device("ap-1", "ダイニングの空気清浄機", "air_purifier", "0x0135"),
        device("sh-1", "リビングのシャッター", "shutter", "0x0263"),
        device("li-1", "照明", "light", "0x0290"),
        device("li-2", "照明", "light", "0x0290"),
        device("li-3", "子供部屋の照明", "light", "0x0290"),
        device("li-4", "照明1", "light", "0x0290"),
        // A range hood is a ventilation fan to ECHONET Lite (0x0134); AiSEG2 lists it on its own.
        device("rh-1", "キッチンのレンジフード", "range_hood", "0x0134"),
    ]
}

impl SpeakerWorld {
    pub fn seeded() -> SpeakerWorld {
        let mut world = SpeakerWorld {
            privacy: Terms {
                version: "2023-06-21".into(),
                title: "プライバシーポリシー".into(),
                body: "8. 個人情報の開示などのご請求について\nお客様の個人情報の開示、訂正、削除等のご請求は、CLUB Panasonic事務局の窓口でお受けします。\n\n9. 安全管理措置\n当社は、お預かりした情報を適切に管理するための措置を講じます。\n\nパナソニック株式会社\n発効日 2023年6月21日".into(),
            },
            speaker_terms: Terms {
                version: "2023-06-21".into(),
                title: "スマートスピーカー連携サービス利用規約".into(),
                body: "2018年10月22日 制定\n2019年6月24日 改定\n2023年6月21日 改定\n\n第1条（本規約の目的）\n本規約は、AiSEG2とスマートスピーカーを連携し、AiSEG2につながる機器を音声で操作するサービスの利用条件を定めます。\n\n第2条（諸規定等）\n本サービスによる機器操作は音声でご利用ください。".into(),
            },
            homes: HashMap::new(),
            claims_done: HashMap::new(),
            members: HashMap::new(),
            registrations: HashMap::new(),
            registrations_made: HashMap::new(),
            registration_puts: HashMap::new(),
            links: HashMap::new(),
            legacy: HashSet::new(),
            linking_fails: false,
            without_app: HashSet::new(),
            web_linking: HashMap::new(),
            lose_next: Vec::new(),
            panel_codes: HashMap::new(),
        };
        world.set_devices("taro@example.jp", seed_devices());
        world
    }

    /// Whether Google Home on this account's phone can open the app (App Flip).
    pub fn app_on_phone(&self, email: &str) -> bool {
        !self.without_app.contains(&key(email))
    }

    pub fn set_app_on_phone(&mut self, email: &str, present: bool) {
        if present {
            self.without_app.remove(&key(email));
        } else {
            self.without_app.insert(key(email));
        }
    }

    fn home_of(&self, email: &str) -> Option<&Home> {
        self.homes.get(self.members.get(&key(email))?)
    }

    /// The account's AiSEG2, a new one if it has none yet.
    fn home(&mut self, email: &str) -> &mut Home {
        let n = self.homes.len();
        let aiseg_id = self.members.entry(key(email)).or_insert_with(|| format!("A2-{:04}", n + 1)).clone();
        self.homes.entry(aiseg_id).or_insert_with(|| Home {
            aiseg_id: format!("A2-{:04}", n + 1),
            device_code: format!("{:04}-{:04}-{:04}", 4711 + n, 2026, 1000 + n),
            panel: Default::default(),
            panel_message: None,
            firmware_version: "2.80".into(),
            devices: Vec::new(),
            states: HashMap::new(),
        })
    }

    pub fn devices(&self, email: &str) -> Vec<AisegDevice> {
        self.home_of(email).map(|h| h.devices.clone()).unwrap_or_default()
    }

    pub fn set_devices(&mut self, email: &str, devices: Vec<AisegDevice>) {
        let home = self.home(email);
        home.states.retain(|id, _| devices.iter().any(|d| d.id == *id));
        for d in &devices {
            home.states.entry(d.id.clone()).or_default();
        }
        home.devices = devices;
    }

    pub fn state(&self, email: &str, id: &str) -> Option<DeviceState> {
        self.home_of(email)?.states.get(id).cloned()
    }

    pub fn set_firmware(&mut self, email: &str, version: &str) {
        self.home(email).firmware_version = version.into();
    }

    pub fn set_legacy(&mut self, email: &str, legacy: bool) {
        if legacy {
            self.legacy.insert(key(email));
        } else {
            self.legacy.remove(&key(email));
        }
    }

    pub fn is_legacy(&self, email: &str) -> bool {
        self.legacy.contains(&key(email))
    }

    /// The account's registrations, one per speaker user (phone), as the profile shows them:
    /// what each registered and whether a Google link serves it.
    pub fn registrations_of(&self, email: &str) -> Vec<serde_json::Value> {
        let mut found: Vec<_> = self.registrations.iter().filter(|((account, _), _)| *account == key(email)).collect();
        found.sort_by(|a, b| a.0.cmp(b.0));
        found
            .into_iter()
            .map(|(who, r)| {
                json!({
                    "speaker_user": r.speaker_user,
                    "nickname": r.nickname,
                    "device_ids": r.device_ids,
                    "rooms": r.rooms,
                    "privacy_version": r.privacy_version,
                    "speaker_terms_version": r.speaker_terms_version,
                    "linked": self.linked(who).is_some(),
                })
            })
            .collect()
    }

    /// The registration the account's latest accepted PUT was for (the phone that registered last).
    pub fn registration(&self, email: &str) -> Option<Registration> {
        let puts = self.registration_puts.get(&key(email))?;
        let (speaker_user, _) = puts.iter().rev().find(|(_, id)| id.is_some())?;
        self.registrations.get(&(key(email), speaker_user.clone())).cloned()
    }

    /// Every speaker user's registration under the account, by nickname.
    pub fn registrations(&self, email: &str) -> Vec<Registration> {
        let mut all: Vec<Registration> = self
            .registrations
            .iter()
            .filter(|((account, _), _)| *account == key(email))
            .map(|(_, r)| r.clone())
            .collect();
        all.sort_by(|a, b| a.nickname.cmp(&b.nickname));
        all
    }

    pub fn registrations_made(&self, email: &str) -> u32 {
        self.registrations_made.get(&key(email)).copied().unwrap_or(0)
    }

    /// The registration id each PUT left in place, oldest first (`None` when refused).
    pub fn registration_puts(&self, email: &str) -> Vec<Option<String>> {
        self.registration_puts
            .get(&key(email))
            .map(|puts| puts.iter().map(|(_, id)| id.clone()).collect())
            .unwrap_or_default()
    }

    /// Whether a Google account's link serves this speaker user (and it is still registered).
    fn linked(&self, who: &SpeakerUser) -> Option<&GoogleLink> {
        self.links.values().find(|l| l.serves.as_ref() == Some(who)).filter(|_| self.registrations.contains_key(who))
    }

    pub fn lose_next_response(&mut self, path_prefix: &str) {
        self.lose_next.push(path_prefix.into());
    }

    fn take_lost(&mut self, path: &str) -> bool {
        match self.lose_next.iter().position(|p| path.starts_with(p.as_str())) {
            Some(i) => {
                self.lose_next.remove(i);
                true
            }
            None => false,
        }
    }

    /// The code printed on the AiSEG2 unit.
    pub fn device_code(&mut self, email: &str) -> String {
        self.home(email).device_code.clone()
    }

    pub fn panel_view(&mut self, email: &str) -> crate::panel::PanelView {
        let home = self.home(email);
        home.panel.view(home.panel_message.as_deref())
    }

    /// A tap on the AiSEG2's panel.
    pub fn panel_tap(&mut self, email: &str, label: &str, base_url: &str) -> Result<crate::panel::PanelView, String> {
        let current = self.home(email).panel.clone();
        let next = current
            .tap(label, || format!("{base_url}/aiseg/speaker-registration?code={}", self.show_panel_code(email)))
            .ok_or_else(|| format!("the panel's 「{}」 has no 「{label}」", current.view(None).title))?;
        let home = self.home(email);
        home.panel = next.clone();
        home.panel_message = None;
        Ok(next.view(None))
    }

    /// Types the 機器コード and taps 決定.
    pub fn panel_enter_device_code(&mut self, email: &str, code: &str) -> crate::panel::PanelView {
        let home = self.home(email);
        if home.panel != crate::panel::PanelScreen::DeviceCode {
            return home.panel.view(Some("機器コードの入力画面ではありません。"));
        }
        if code.trim() == home.device_code {
            home.panel = crate::panel::PanelScreen::ServerServiceMenu;
            home.panel_message = None;
        } else {
            home.panel_message = Some(crate::panel::WRONG_CODE.into());
        }
        home.panel.view(home.panel_message.as_deref())
    }

    /// The AiSEG2 shows a 2D code (flow C): a one-time token bound to this user's AiSEG2.
    pub fn show_panel_code(&mut self, email: &str) -> String {
        let aiseg_id = self.home(email).aiseg_id.clone();
        let code = random_token();
        self.panel_codes.insert(code.clone(), PanelCode { aiseg_id, expires: Instant::now() + PANEL_CODE_TTL });
        code
    }

    /// Ends every 2D code's validity (a test makes one expire).
    pub fn expire_panel_codes(&mut self) {
        for code in self.panel_codes.values_mut() {
            code.expires = Instant::now();
        }
    }

    /// SYNC's `agentUserId` for a link: its registration's, or (nothing registered) the account's.
    fn agent_user_id(&self, email: &str, subject: &str, speaker_user: Option<&str>) -> String {
        speaker_user
            .and_then(|su| self.registrations.get(&(key(email), su.to_owned())))
            .map(|r| r.agent_user_id.clone())
            .unwrap_or_else(|| agent_user_id(subject))
    }

    /// Google's view of one speaker user's registered devices (what SYNC answers).
    fn sync(&self, email: &str, speaker_user: Option<&str>) -> Vec<SyncedDevice> {
        let registration = speaker_user.and_then(|su| self.registrations.get(&(key(email), su.to_owned())));
        let (Some(home), Some(registration)) = (self.home_of(email), registration) else {
            return Vec::new();
        };
        home.devices
            .iter()
            .filter(|d| registration.device_ids.contains(&d.id))
            .map(|d| {
                let (device_type, traits, attributes) = google_kind(&d.category);
                SyncedDevice {
                    id: d.id.clone(),
                    device_type: device_type.into(),
                    traits: traits.iter().map(|t| (*t).to_owned()).collect(),
                    // Google cuts names at 60 characters.
                    name: d.name.chars().take(60).collect(),
                    nicknames: vec![],
                    room_hint: registration.rooms.get(&d.id).cloned(),
                    attributes,
                }
            })
            .collect()
    }
}

/// An opaque id for Google (never the e-mail address), one per registration so the links of a
/// household sharing an ID stay apart; `seed` is whatever names it when first made.
fn agent_user_id(seed: &str) -> String {
    let digest = Sha256::digest(format!("agent:{seed}").as_bytes());
    format!("agent-{}", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>())
}

pub(crate) fn router() -> Router<Arc<Cloud>> {
    Router::new()
        .route(
            "/terms/privacy",
            get(|State(cloud): State<Arc<Cloud>>| async move { terms_json(&cloud.world().speaker.privacy, "privacy") }),
        )
        .route(
            "/terms/speaker",
            get(|State(cloud): State<Arc<Cloud>>| async move {
                terms_json(&cloud.world().speaker.speaker_terms, "speaker")
            }),
        )
        .route("/me/aiseg", get(aiseg))
        .route("/me/aiseg/devices", get(aiseg_devices))
        .route("/me/aiseg/claim", post(claim))
        .route("/me/speaker-registrations/{speaker_user}", put(register).delete(unregister))
        .route("/me/speaker-registrations/{speaker_user}/link", get(speaker_link))
        .route("/google/fulfillment", post(fulfillment))
        .route("/me/app-flip", post(app_flip))
}

fn terms_json(terms: &Terms, kind: &str) -> Json<serde_json::Value> {
    Json(json!({ "kind": kind, "version": terms.version, "title": terms.title, "body": terms.body }))
}

fn email_of(cloud: &Cloud, subject: &str) -> Option<String> {
    cloud.world().user(subject).map(|u| u.email.clone())
}

async fn aiseg(State(cloud): State<Arc<Cloud>>, Subject(subject): Subject) -> Response {
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let world = cloud.world();
    match world.speaker.home_of(&email) {
        Some(home) => {
            Json(json!({ "aiseg_id": home.aiseg_id, "firmware_version": home.firmware_version })).into_response()
        }
        None => wire::error(StatusCode::NOT_FOUND, "no_aiseg"),
    }
}

async fn aiseg_devices(State(cloud): State<Arc<Cloud>>, Subject(subject): Subject) -> Response {
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let world = cloud.world();
    let home = world.speaker.home_of(&email);
    Json(json!({
        "aiseg_id": home.map(|h| h.aiseg_id.clone()),
        "devices": home.map(|h| h.devices.clone()).unwrap_or_default(),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct Claim {
    code: String,
}

/// Flow C: the code binds the AiSEG2 that showed it to this account; it works once. The same
/// claim sent again with the same `Idempotency-Key` (a retry after a lost answer) is answered as
/// the first one was; the key with another code is refused.
async fn claim(
    State(cloud): State<Arc<Cloud>>,
    Subject(subject): Subject,
    headers: axum::http::HeaderMap,
    JsonBody(claim): JsonBody<Claim>,
) -> Response {
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let idempotency = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| (1..=255).contains(&k.len()))
        .map(|k| (key(&email), k.to_owned()));
    let mut world = cloud.world();
    let speaker = &mut world.speaker;
    if let Some((code, aiseg_id)) = idempotency.as_ref().and_then(|k| speaker.claims_done.get(k)) {
        if *code != claim.code {
            return wire::error(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");
        }
        return Json(json!({ "aiseg_id": aiseg_id })).into_response();
    }
    let aiseg_id = match speaker.panel_codes.remove(&claim.code) {
        Some(code) if code.expires > Instant::now() => code.aiseg_id,
        _ => return wire::error(StatusCode::GONE, "code_expired"),
    };
    // The account joins the AiSEG2 that showed the code; its other members keep it too
    // (a household: each person registers their own nickname and links their own Google).
    speaker.members.insert(key(&email), aiseg_id.clone());
    if let Some(k) = idempotency {
        speaker.claims_done.insert(k, (claim.code, aiseg_id.clone()));
    }
    if speaker.take_lost("/api/v1/me/aiseg/claim") {
        tracing::info!("claim done, answer lost on purpose");
        return wire::error(StatusCode::BAD_GATEWAY, "simulated_lost_response");
    }
    Json(json!({ "aiseg_id": aiseg_id })).into_response()
}

#[derive(Deserialize)]
struct RegistrationBody {
    nickname: String,
    device_ids: Vec<String>,
    #[serde(default)]
    rooms: std::collections::BTreeMap<String, String>,
    privacy_version: String,
    speaker_terms_version: String,
    provider: String,
    /// The nickname is held by another phone under this ID and the person says it is theirs.
    #[serde(default)]
    move_here: bool,
}

/// The service's own nickname rule: 1–20 characters after trimming, no control characters.
fn nickname_ok(nickname: &str) -> bool {
    let trimmed = nickname.trim();
    (1..=20).contains(&trimmed.chars().count()) && !trimmed.chars().any(char::is_control)
}

/// The app's id for a phone: what it makes once per installation (url-safe, at most 64 characters).
fn speaker_user_ok(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn register(
    State(cloud): State<Arc<Cloud>>,
    Subject(subject): Subject,
    Path(speaker_user): Path<String>,
    JsonBody(body): JsonBody<RegistrationBody>,
) -> Response {
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    if !speaker_user_ok(&speaker_user) {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_speaker_user");
    }
    let mut world = cloud.world();
    let speaker = &mut world.speaker;
    let outcome = speaker.put_registration(&email, &speaker_user, body);
    let left = outcome.as_ref().ok().map(|(r, _)| r.registration_id.clone());
    speaker.registration_puts.entry(key(&email)).or_default().push((speaker_user.clone(), left));
    let registration = match outcome {
        Ok((registration, moved_from)) => {
            // Google's tokens for the moved registration now serve this phone's speaker user.
            if let Some(old) = moved_from {
                world.rebind_speaker_user(&subject, &old, &speaker_user);
            }
            registration
        }
        Err((status, error)) => return wire::error(status, error),
    };
    let speaker = &mut world.speaker;
    if speaker.take_lost(&format!("/api/v1/me/speaker-registrations/{speaker_user}")) {
        tracing::info!("registration done, answer lost on purpose");
        return wire::error(StatusCode::BAD_GATEWAY, "simulated_lost_response");
    }
    Json(json!({
        "registration_id": registration.registration_id,
        "nickname": registration.nickname,
        "device_ids": registration.device_ids,
    }))
    .into_response()
}

impl SpeakerWorld {
    /// A registration PUT's effect: the registration in place afterwards and the speaker user it
    /// was moved from, if it was, or the refusal (status and error code).
    ///
    /// A nickname names one speaker user under an ID. Another phone's nickname is refused
    /// (`nickname_taken`) unless the person says it is theirs (`move_here`: a new phone, the app
    /// reinstalled): then that registration, and every Google link serving it, moves here, and
    /// this phone's own earlier registration and links end.
    fn put_registration(
        &mut self,
        email: &str,
        speaker_user: &str,
        body: RegistrationBody,
    ) -> Result<(Registration, Option<String>), (StatusCode, &'static str)> {
        if body.privacy_version != self.privacy.version || body.speaker_terms_version != self.speaker_terms.version {
            return Err((StatusCode::CONFLICT, "outdated_terms"));
        }
        if !nickname_ok(&body.nickname) {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "invalid_nickname"));
        }
        if body.provider != "google_home" {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "unknown_provider"));
        }
        let known: HashSet<&String> =
            self.home_of(email).map(|h| h.devices.iter().map(|d| &d.id).collect()).unwrap_or_default();
        if body.device_ids.is_empty() || body.device_ids.iter().any(|id| !known.contains(id)) {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "unknown_device"));
        }
        let mut device_ids = body.device_ids;
        device_ids.sort();
        let who: SpeakerUser = (key(email), speaker_user.to_owned());
        let holder = self
            .registrations
            .iter()
            .find(|((account, su), r)| *account == who.0 && *su != who.1 && r.nickname == body.nickname.trim())
            .map(|(held_by, _)| held_by.clone());
        let mut moved_from = None;
        if let Some(old) = holder {
            if !body.move_here {
                return Err((StatusCode::UNPROCESSABLE_ENTITY, "nickname_taken"));
            }
            let mut moved = self.registrations.remove(&old).expect("found above");
            moved.speaker_user = speaker_user.to_owned();
            self.links.retain(|_, l| l.serves.as_ref() != Some(&who));
            for link in self.links.values_mut().filter(|l| l.serves.as_ref() == Some(&old)) {
                link.serves = Some(who.clone());
            }
            self.registrations.insert(who.clone(), moved);
            tracing::info!("a nickname moved to another phone");
            moved_from = Some(old.1);
        }
        let same = self.registrations.get(&who).is_some_and(|r| {
            r.nickname == body.nickname.trim()
                && r.device_ids == device_ids
                && r.rooms == body.rooms
                && r.privacy_version == body.privacy_version
        });
        // A PUT: the same registration again (a retry after a lost answer) creates nothing new.
        if same {
            return Ok((self.registrations[&who].clone(), moved_from));
        }
        *self.registrations_made.entry(key(email)).or_default() += 1;
        let agent_user_id = match self.registrations.get(&who) {
            Some(earlier) => earlier.agent_user_id.clone(),
            None => agent_user_id(&format!("{}:{}", who.0, who.1)),
        };
        let registration = Registration {
            registration_id: random_token(),
            speaker_user: speaker_user.to_owned(),
            agent_user_id,
            nickname: body.nickname.trim().to_owned(),
            device_ids,
            rooms: body.rooms,
            privacy_version: body.privacy_version,
            speaker_terms_version: body.speaker_terms_version,
        };
        self.registrations.insert(who.clone(), registration.clone());
        // A changed registration of a linked speaker user: the cloud asks Google to sync again
        // ("Request Sync"), and Google reads the new device list — for that link only.
        let devices = self.sync(email, Some(speaker_user));
        for link in self.links.values_mut().filter(|l| l.serves.as_ref() == Some(&who)) {
            link.devices = devices.clone();
            tracing::info!("registration changed: Google re-synced");
        }
        Ok((registration, moved_from))
    }
}

async fn unregister(
    State(cloud): State<Arc<Cloud>>,
    Subject(subject): Subject,
    Path(speaker_user): Path<String>,
) -> Response {
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let mut world = cloud.world();
    let who: SpeakerUser = (key(&email), speaker_user);
    world.speaker.registrations.remove(&who);
    world.speaker.links.retain(|_, l| l.serves.as_ref() != Some(&who));
    StatusCode::NO_CONTENT.into_response()
}

async fn speaker_link(
    State(cloud): State<Arc<Cloud>>,
    Subject(subject): Subject,
    Path(speaker_user): Path<String>,
) -> Response {
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let world = cloud.world();
    let link = world.speaker.linked(&(key(&email), speaker_user));
    Json(json!({
        "provider": "google_home",
        "linked": link.is_some(),
        "synced_devices": link.map(|l| l.devices.len()).unwrap_or(0),
    }))
    .into_response()
}

/// Google's smart-home intents, called with the token Google got by account linking (only such
/// a token: see `GoogleLinkToken`), for the one speaker user the link serves.
async fn fulfillment(
    State(cloud): State<Arc<Cloud>>,
    link: GoogleLinkToken,
    Json(request): Json<serde_json::Value>,
) -> Response {
    let GoogleLinkToken { subject, speaker_user, token } = link;
    let speaker_user = speaker_user.as_deref();
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let request_id = request["requestId"].clone();
    let input = &request["inputs"][0];
    let mut world = cloud.world();
    let speaker = &mut world.speaker;
    let payload = match input["intent"].as_str() {
        Some("action.devices.SYNC") => {
            json!({ "agentUserId": speaker.agent_user_id(&email, &subject, speaker_user), "devices": speaker.sync(&email, speaker_user).iter().map(|d| {
            let mut device = json!({
                "id": d.id, "type": d.device_type, "traits": d.traits,
                "name": { "name": d.name, "nicknames": d.nicknames, "defaultNames": [] },
                "willReportState": false,
            });
            // Optional members are left out rather than sent as null.
            if let Some(room) = &d.room_hint {
                device["roomHint"] = json!(room);
            }
            if d.attributes.as_object().is_some_and(|a| !a.is_empty()) {
                device["attributes"] = d.attributes.clone();
            }
            device
        }).collect::<Vec<_>>() })
        }
        Some("action.devices.QUERY") => {
            let synced = speaker.sync(&email, speaker_user);
            let home = speaker.home(&email);
            let mut devices = serde_json::Map::new();
            for d in input["payload"]["devices"].as_array().into_iter().flatten() {
                let id = d["id"].as_str().unwrap_or_default();
                let answer = match (synced.iter().find(|s| s.id == id), home.states.get(id)) {
                    (Some(device), Some(state)) => query_state(device, state),
                    _ => json!({ "status": "ERROR", "errorCode": "deviceNotFound" }),
                };
                devices.insert(id.into(), answer);
            }
            json!({ "devices": devices })
        }
        Some("action.devices.EXECUTE") => {
            // Registered devices only, and only commands of their traits (a lock cannot be
            // switched on): what Google itself would send.
            let synced = speaker.sync(&email, speaker_user);
            let home = speaker.home(&email);
            let mut commands = Vec::new();
            for command in input["payload"]["commands"].as_array().into_iter().flatten() {
                for d in command["devices"].as_array().into_iter().flatten() {
                    let id = d["id"].as_str().unwrap_or_default().to_owned();
                    let supported = synced.iter().find(|s| s.id == id).is_some_and(|device| {
                        command["execution"].as_array().into_iter().flatten().all(|exec| {
                            command_trait(exec["command"].as_str().unwrap_or_default())
                                .is_some_and(|t| device.traits.iter().any(|have| have == t))
                        })
                    });
                    let status = match home.states.get_mut(&id).filter(|_| supported) {
                        Some(state) => {
                            for exec in command["execution"].as_array().into_iter().flatten() {
                                let params = &exec["params"];
                                match exec["command"].as_str() {
                                    Some("action.devices.commands.OnOff") => {
                                        state.on = params["on"].as_bool().unwrap_or(state.on)
                                    }
                                    Some("action.devices.commands.ThermostatSetMode") => {
                                        state.on = true;
                                        state.mode = params["thermostatMode"].as_str().map(str::to_owned);
                                    }
                                    Some("action.devices.commands.ThermostatTemperatureSetpoint") => {
                                        state.on = true;
                                        state.setpoint =
                                            params["thermostatTemperatureSetpoint"].as_u64().map(|t| t as u32);
                                    }
                                    Some("action.devices.commands.OpenClose") => {
                                        state.open = Some(params["openPercent"].as_u64().unwrap_or(0) > 0)
                                    }
                                    Some("action.devices.commands.LockUnlock") => {
                                        state.locked = params["lock"].as_bool()
                                    }
                                    _ => {}
                                }
                            }
                            "SUCCESS"
                        }
                        None => "ERROR",
                    };
                    commands.push(json!({ "ids": [id], "status": status }));
                }
            }
            json!({ "commands": commands })
        }
        Some("action.devices.DISCONNECT") => {
            speaker.links.retain(|_, l| l.access_token != token);
            json!({})
        }
        _ => return wire::error(StatusCode::BAD_REQUEST, "unknown_intent"),
    };
    Json(json!({ "requestId": request_id, "payload": payload })).into_response()
}

impl SpeakerWorld {
    /// What Google synced for this Google account (its memory of the link).
    pub fn synced(&self, google_account: &str) -> Vec<SyncedDevice> {
        self.links.get(&key(google_account)).map(|l| l.devices.clone()).unwrap_or_default()
    }

    /// Parses SYNC's answer into Google's memory of the Google account's link; `serves` is what
    /// the token's grant says it is for.
    pub fn remember_link(
        &mut self,
        google_account: &str,
        access_token: String,
        serves: Option<SpeakerUser>,
        sync: &serde_json::Value,
    ) {
        let devices = sync["payload"]["devices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| SyncedDevice {
                id: d["id"].as_str().unwrap_or_default().into(),
                device_type: d["type"].as_str().unwrap_or_default().into(),
                traits: d["traits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                name: d["name"]["name"].as_str().unwrap_or_default().into(),
                nicknames: d["name"]["nicknames"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                room_hint: d["roomHint"].as_str().map(str::to_owned),
                attributes: d.get("attributes").cloned().unwrap_or_else(|| json!({})),
            })
            .collect();
        self.links.insert(key(google_account), GoogleLink { access_token, devices, serves });
    }
}

#[derive(Deserialize)]
struct AppFlipBody {
    client_id: String,
    scope: String,
    redirect_uri: String,
    state: Option<String>,
    /// The phone's speaker user: the link Google gets serves its registration.
    speaker_user: String,
}

/// App Flip: the app, where the user is logged in, asks for an authorization code for Google's
/// client on the user's behalf; Google exchanges it at the token endpoint like any other code.
async fn app_flip(
    State(cloud): State<Arc<Cloud>>,
    Subject(subject): Subject,
    JsonBody(body): JsonBody<AppFlipBody>,
) -> Response {
    use crate::oidc::{GOOGLE_APP_FLIP_REDIRECT_URI, GOOGLE_CLIENT_ID};
    if body.client_id != GOOGLE_CLIENT_ID
        || body.redirect_uri != GOOGLE_APP_FLIP_REDIRECT_URI
        || body.scope.trim().is_empty()
        || !speaker_user_ok(&body.speaker_user)
    {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let Some(email) = email_of(&cloud, &subject) else { return wire::invalid_token() };
    let mut world = cloud.world();
    // As on the consent page: a phone with nothing registered (or whose registration moved away)
    // has nothing to link.
    if !world.speaker.registrations.contains_key(&(key(&email), body.speaker_user.clone())) {
        return wire::error(StatusCode::UNPROCESSABLE_ENTITY, "not_registered");
    }
    let request = crate::state::AuthRequest {
        client_id: body.client_id,
        redirect_uri: body.redirect_uri,
        state: body.state,
        nonce: None,
        code_challenge: String::new(),
        speaker_user: Some(body.speaker_user),
    };
    let login = crate::state::Login { subject, auth_time: chrono::Utc::now() };
    let code = world.issue_code(request, login);
    Json(json!({ "code": code })).into_response()
}
