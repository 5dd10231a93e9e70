//! A simulated cloud for the スマートHEMSサービス app's tests, on loopback: CLUB Panasonic ID as an
//! OpenID Connect provider (`/oidc`) and the Smart HEMS API (`/api/v1`), as specified in
//! `docs/cloud-api.md`.
//!
//! Tests start one [`SimCloud`] each and point the app's `Config` at [`SimCloud::issuer`] and
//! [`SimCloud::api_base`]; they steer it through the handle (or over HTTP under
//! [`SimCloud::control_url`] from other languages) to add accounts, publish new terms, expire or
//! revoke tokens, inject failures and take the network away.

mod api;
mod control;
mod faults;
mod google;
mod keys;
mod oidc;
mod pages;
mod panel;
mod registration;
mod seed;
mod server;
mod speaker;
mod state;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::watch;

pub use google::{mode_in_japanese, AppFlipRequest, LinkOutcome, LinkStart, WebLinker};
pub use keys::IdTokenFault;
pub use panel::PanelView;
pub use registration::Message;
pub use speaker::{AisegDevice, DeviceState, Registration, SyncedDevice};
pub use state::RequestRecord;

/// Handle to a running simulated cloud. Clones share the same cloud; when the last clone is
/// dropped both ports shut down.
#[derive(Clone)]
pub struct SimCloud {
    inner: Arc<Inner>,
}

struct Inner {
    cloud: Arc<server::Cloud>,
    control_addr: SocketAddr,
    /// Never sent on; dropping it (with the last handle) is the servers' shutdown signal.
    _lifetime: watch::Sender<()>,
}

/// Requests held by `SimCloud::hold`; dropping it answers them and holds no more.
pub struct Held {
    path_prefix: String,
    cloud: Arc<server::Cloud>,
    _release: watch::Sender<()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.cloud.world().holds.retain(|(prefix, _)| *prefix != self.path_prefix);
    }
}

impl SimCloud {
    /// The one registered client (a public native app: no secret).
    pub const CLIENT_ID: &str = oidc::CLIENT_ID;
    /// The app's registered private-use-scheme redirect URI.
    pub const REDIRECT_URI: &str = oidc::REDIRECT_URI;

    /// Starts on a free loopback port, on the current tokio runtime.
    ///
    /// # Panics
    /// If no loopback port can be bound (a broken test machine, not a test failure).
    pub async fn start() -> SimCloud {
        Self::start_on_port(0).await.expect("binding the simulated cloud on 127.0.0.1")
    }

    /// Starts with the main port fixed (0 = any free port); the control port is always picked
    /// by the system.
    pub async fn start_on_port(port: u16) -> std::io::Result<SimCloud> {
        // Key generation is slow in debug builds; do it off the async threads, before the first
        // login needs it.
        let _ = tokio::task::spawn_blocking(keys::warm_up).await;
        let started = server::start(port).await?;
        Ok(SimCloud {
            inner: Arc::new(Inner {
                cloud: started.cloud,
                control_addr: started.control_addr,
                _lifetime: started.lifetime,
            }),
        })
    }

    /// `http://127.0.0.1:PORT`, the same across `go_offline`/`go_online`.
    pub fn base_url(&self) -> String {
        self.inner.cloud.base_url().to_owned()
    }

    /// The OIDC issuer, `<base>/oidc`.
    pub fn issuer(&self) -> String {
        self.inner.cloud.issuer()
    }

    /// The Smart HEMS API base, `<base>/api/v1`.
    pub fn api_base(&self) -> String {
        format!("{}/api/v1", self.base_url())
    }

    /// The base of the HTTP control API, `http://127.0.0.1:SIDEPORT/_sim`, on a side port that
    /// stays up while the main port is offline.
    pub fn control_url(&self) -> String {
        format!("http://{}/_sim", self.inner.control_addr)
    }

    /// Adds a CLUB Panasonic ID that can log in (or resets an existing one's password and name).
    pub fn add_user(&self, email: &str, password: &str, display_name: &str) {
        self.inner.cloud.world().add_user(email, password, display_name);
    }

    /// The API also accepts an outside OpenID provider's access tokens, checked at its userinfo
    /// endpoint (the account is the one with the e-mail address it names, made when first seen):
    /// interop tests log the app in at that provider and use this API.
    pub fn trust_outside_provider(&self, userinfo_endpoint: &str) {
        self.inner.cloud.world().trusted_userinfo = Some(userinfo_endpoint.to_owned());
    }

    /// The next `times` requests whose path starts with `path_prefix` (any party on the main
    /// port) answer `status` with `{"error":"simulated_failure"}`.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100–999).
    pub fn fail_next(&self, path_prefix: &str, status: u16, times: u32) {
        assert!(StatusCode::from_u16(status).is_ok(), "fail_next: {status} is not an HTTP status");
        self.inner.cloud.world().fail_next(path_prefix, status, times, None);
    }

    /// As `fail_next`, with `Retry-After: <seconds>` on each faked answer (a busy server saying
    /// when to come back).
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100–999).
    pub fn fail_next_asking_wait(&self, path_prefix: &str, status: u16, times: u32, seconds: u64) {
        assert!(StatusCode::from_u16(status).is_ok(), "fail_next: {status} is not an HTTP status");
        self.inner.cloud.world().fail_next(path_prefix, status, times, Some(seconds));
    }

    /// The `Cache-Control` the provider sends with discovery and its JWKS (none by default);
    /// `None` sends none.
    pub fn set_oidc_cache_control(&self, value: Option<&str>) {
        self.inner.cloud.world().oidc_cache_control = value.map(Into::into);
    }

    /// Requests whose path starts with `path_prefix` hang, unanswered, until the returned handle
    /// is dropped (then they are answered as usual): a service that stops answering.
    #[must_use = "the requests are released when the handle is dropped"]
    pub fn hold(&self, path_prefix: &str) -> Held {
        let (release, held) = watch::channel(());
        self.inner.cloud.world().holds.push((path_prefix.to_owned(), held));
        Held { path_prefix: path_prefix.to_owned(), cloud: self.inner.cloud.clone(), _release: release }
    }

    /// Closes the main port: new connections are refused and kept-alive ones are closed.
    pub async fn go_offline(&self) {
        server::go_offline(&self.inner.cloud).await;
    }

    /// Re-opens the main port on the same port number.
    ///
    /// # Panics
    /// If the port was taken by someone else in the meantime.
    pub async fn go_online(&self) {
        server::go_online(&self.inner.cloud).await.expect("re-binding the simulated cloud's port");
    }

    /// Publishes a new version of the スマートHEMSサービス利用規約; earlier consents no longer
    /// match the current version.
    pub fn publish_app_terms(&self, version: &str, body: &str) {
        self.inner.cloud.world().publish_app_terms(version, None, body);
    }

    /// What `GET /api/v1/app-config` answers now.
    pub fn app_config(&self) -> serde_json::Value {
        self.inner.cloud.world().app_config.clone()
    }

    /// Changes the app config by a JSON merge patch (RFC 7396): `{"min_app_version":"3.2.0"}`
    /// changes that member only; arrays (the support lines, the holidays) are replaced whole.
    pub fn patch_app_config(&self, patch: &serde_json::Value) {
        api::merge_patch(&mut self.inner.cloud.world().app_config, patch);
    }

    /// Every access token issued so far is expired from now on.
    pub fn expire_access_tokens(&self) {
        self.inner.cloud.world().expire_access_tokens();
    }

    /// Every refresh token issued so far is revoked, as after a password change.
    pub fn revoke_refresh_tokens(&self) {
        self.inner.cloud.world().revoke_refresh_tokens();
    }

    /// The next `times` ID tokens the token endpoint mints are broken in this one way (wrong
    /// `aud`, `iss`, `nonce`, expired, signed with another key, or unsigned); the tokens after
    /// them are good again.
    pub fn break_next_id_tokens(&self, fault: IdTokenFault, times: u32) {
        self.inner.cloud.world().break_id_tokens(fault, times);
    }

    /// The provider rotates its signing key: ID tokens from now on are signed with a new key
    /// under a new `kid`, which the JWKS publishes beside the old one.
    pub fn rotate_signing_key(&self) {
        self.inner.cloud.world().key_rotated = true;
    }

    /// Lifetime of access tokens issued from now on (default 3600 s).
    pub fn set_access_token_ttl(&self, secs: u64) {
        self.inner.cloud.world().access_token_ttl = Duration::from_secs(secs);
    }

    /// Every request the main port received, in order: method and path only.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.inner.cloud.world().requests()
    }

    /// The requests that carried `needle` anywhere — URL, query, headers (Basic credentials
    /// decoded), body (form fields decoded) — as method and path only, so a failing test can
    /// print them without printing secrets.
    pub fn requests_containing(&self, needle: &str) -> Vec<RequestRecord> {
        self.inner.cloud.world().requests_containing(needle)
    }

    /// How many `authorization_code` grants succeeded.
    pub fn token_exchanges(&self) -> u32 {
        self.inner.cloud.world().token_exchanges
    }

    /// The terms version the account accepted last, if any.
    pub fn app_consent(&self, email: &str) -> Option<String> {
        self.inner.cloud.world().user_by_email(email)?.app_consent.clone()
    }

    // ── New CLUB Panasonic IDs: the outboxes of mail and SMS ──

    /// Every e-mail the cloud sent, oldest first.
    pub fn mail_outbox(&self) -> Vec<Message> {
        self.inner.cloud.world().signups.mail.clone()
    }

    /// Every SMS the cloud sent, oldest first.
    pub fn sms_outbox(&self) -> Vec<Message> {
        self.inner.cloud.world().signups.sms.clone()
    }

    /// Every registration link sent so far is now more than an hour old.
    pub fn expire_mail_links(&self) {
        self.inner.cloud.world().signups.links_expired = true;
    }

    // ── Flow B: the AiSEG2, the speaker registration and Google Home ──

    /// The AiSEG2's devices of this account.
    pub fn aiseg_devices(&self, email: &str) -> Vec<AisegDevice> {
        self.inner.cloud.world().speaker.devices(email)
    }

    /// Replaces the AiSEG2's device list (devices added or removed on the panel).
    pub fn set_aiseg_devices(&self, email: &str, devices: Vec<AisegDevice>) {
        self.inner.cloud.world().speaker.set_devices(email, devices);
    }

    /// Adds `n` numbered devices (for tests with a large AiSEG2).
    pub fn add_aiseg_devices(&self, email: &str, n: usize) {
        let mut devices = self.aiseg_devices(email);
        let categories = ["air_conditioner", "light", "shutter", "air_purifier", "range_hood"];
        for i in 0..n {
            devices.push(AisegDevice {
                id: format!("bulk-{i}"),
                name: format!("部屋{}の機器", i),
                category: categories[i % categories.len()].into(),
                echonet_class: "0x0290".into(),
            });
        }
        self.set_aiseg_devices(email, devices);
    }

    /// What a device of the AiSEG2 is doing.
    pub fn device_state(&self, email: &str, id: &str) -> Option<DeviceState> {
        self.inner.cloud.world().speaker.state(email, id)
    }

    /// The AiSEG2's firmware version (step 1).
    pub fn set_firmware_version(&self, email: &str, version: &str) {
        self.inner.cloud.world().speaker.set_firmware(email, version);
    }

    /// Marks the account as a user of the speaker service under the old Panasonic ID (6-B note).
    pub fn set_legacy_speaker_user(&self, email: &str, legacy: bool) {
        self.inner.cloud.world().speaker.set_legacy(email, legacy);
    }

    /// The registration the account's latest accepted PUT was for (the phone that registered last).
    pub fn speaker_registration(&self, email: &str) -> Option<Registration> {
        self.inner.cloud.world().speaker.registration(email)
    }

    /// Every speaker user's registration under the account (a household sharing the ID), by nickname.
    pub fn speaker_registrations(&self, email: &str) -> Vec<Registration> {
        self.inner.cloud.world().speaker.registrations(email)
    }

    /// How many distinct registrations the cloud created for the account.
    pub fn registrations_made(&self, email: &str) -> u32 {
        self.inner.cloud.world().speaker.registrations_made(email)
    }

    /// Every registration PUT that reached the registration service for the account (faults of
    /// `fail_next` are answered before it), oldest first: the registration id each one left in
    /// place (`None` for a refused one). A retry after a lost answer shows as a second PUT with
    /// the same id.
    pub fn registration_puts(&self, email: &str) -> Vec<Option<String>> {
        self.inner.cloud.world().speaker.registration_puts(email)
    }

    /// The next registration (or 2D-code claim, `/api/v1/me/aiseg/claim`) under this path is
    /// carried out, but its answer is lost (502).
    pub fn lose_next_response(&self, path_prefix: &str) {
        self.inner.cloud.world().speaker.lose_next_response(path_prefix);
    }

    /// The AiSEG2 panel: メニュー → 設定 → サーバーサービス → 機器コード → スマートスピーカー設定 →
    /// ID登録 shows a 2D code; this is the link it carries (one use, ten minutes).
    pub fn panel_registration_link(&self, email: &str) -> String {
        let code = self.inner.cloud.world().speaker.show_panel_code(email);
        format!("{}/aiseg/speaker-registration?code={code}", self.base_url())
    }

    /// The 機器コード printed on the account's AiSEG2 unit.
    pub fn aiseg_device_code(&self, email: &str) -> String {
        self.inner.cloud.world().speaker.device_code(email)
    }

    /// What the account's AiSEG2 panel shows now.
    pub fn panel_view(&self, email: &str) -> PanelView {
        self.inner.cloud.world().speaker.panel_view(email)
    }

    /// Taps a button on the AiSEG2 panel (C steps 1–8).
    pub fn panel_tap(&self, email: &str, label: &str) -> Result<PanelView, String> {
        let base = self.base_url();
        self.inner.cloud.world().speaker.panel_tap(email, label, &base)
    }

    /// Types the 機器コード on the panel and taps 決定.
    pub fn panel_enter_device_code(&self, email: &str, code: &str) -> PanelView {
        self.inner.cloud.world().speaker.panel_enter_device_code(email, code)
    }

    /// Every 2D code shown so far expires.
    pub fn expire_panel_codes(&self) {
        self.inner.cloud.world().speaker.expire_panel_codes();
    }

    /// The Google Home app links in its browser (steps 19–24): logs in with the CLUB Panasonic ID
    /// if asked, picks the nickname if the ID has several speaker users, and taps 「許可」 — going
    /// on from the login page it shows, if it shows one.
    pub async fn google_link(&self, who: &WebLinker<'_>) -> Result<LinkOutcome, String> {
        google::link(&self.inner.cloud, who, true).await
    }

    /// Google Home asks the app to approve a link (App Flip): the request it hands the app.
    pub fn google_app_flip_request(&self) -> AppFlipRequest {
        google::app_flip_request()
    }

    /// Whether Google Home on this Google account's phone can open the app (installed, and a
    /// build Google can verify). Without it Google links in its browser instead of through App Flip.
    pub fn set_app_on_phone(&self, google_account: &str, present: bool) {
        self.inner.cloud.world().speaker.set_app_on_phone(google_account, present);
    }

    /// The person starts linking in Google Home (step 19); Google decides how: App Flip when the
    /// app can be opened, otherwise CLUB Panasonic's login page in its browser.
    pub async fn google_start_link(&self, google_account: &str) -> Result<LinkStart, String> {
        google::start_link(&self.inner.cloud, google_account).await
    }

    /// Google Home receives the app's App Flip answer (the redirect URL, or `None` when the app
    /// sent none it could read) and finishes the link, stops, or goes on in its browser.
    pub async fn google_finish_app_flip(
        &self,
        google_account: &str,
        request: &AppFlipRequest,
        answer: Option<&str>,
    ) -> Result<LinkOutcome, String> {
        google::finish_app_flip(&self.inner.cloud, google_account, request, answer).await
    }

    /// Whether Google Home shows CLUB Panasonic's login page to this Google account now.
    pub fn google_shows_login(&self, google_account: &str) -> bool {
        google::shows_login(&self.inner.cloud, google_account)
    }

    /// The Google Home app's consent is cancelled.
    pub async fn google_cancel_link(&self, who: &WebLinker<'_>) -> Result<LinkOutcome, String> {
        google::link(&self.inner.cloud, who, false).await
    }

    /// Linking in Google Home appears to finish but stores no link (p.10's case).
    pub fn set_google_linking_fails(&self, fails: bool) {
        self.inner.cloud.world().speaker.linking_fails = fails;
    }

    /// The user unlinks in Google Home (DISCONNECT).
    pub async fn google_unlink(&self, google_account: &str) -> Result<(), String> {
        google::unlink(&self.inner.cloud, google_account).await
    }

    /// The devices Google holds for this Google account after SYNC.
    pub fn google_synced_devices(&self, google_account: &str) -> Vec<SyncedDevice> {
        self.inner.cloud.world().speaker.synced(google_account)
    }

    /// A spoken command to this Google account's Assistant: its answer, or why it did nothing.
    pub async fn google_say(&self, google_account: &str, utterance: &str) -> Result<String, String> {
        google::say(&self.inner.cloud, google_account, utterance).await
    }
}

impl std::fmt::Debug for SimCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCloud")
            .field("base_url", &self.base_url())
            .field("control_url", &self.control_url())
            .finish()
    }
}
