//! The Smart HEMS cloud API (`docs/cloud-api.md`). The only module that knows its paths and
//! shapes: pointing the app at Panasonic's real endpoints changes this module and the config.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use super::net;
use super::retry::Verdict;
use crate::flow::{
    AppFlipRequest, Category, Device, Failure, Registration, SpeakerProvider, Support, Terms, TermsKind,
};

/// A failed cloud call, by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("cannot reach the cloud: {0}")]
    Unreachable(String),
    /// The server's TLS certificate was not trusted: nothing was sent.
    #[error("the cloud's certificate was not trusted: {0}")]
    Untrusted(String),
    #[error("the access token was not accepted")]
    Unauthorized,
    #[error("the terms version is no longer current")]
    OutdatedTerms,
    #[error("the cloud refused the request: {code}")]
    Rejected { code: String },
    /// `retry_after`: how long the cloud asked the app to wait (`Retry-After` on a 429 or 503).
    #[error("the cloud answered {status}")]
    Status { status: u16, retry_after: Option<Duration> },
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

impl From<&CloudError> for Failure {
    fn from(error: &CloudError) -> Failure {
        match error {
            CloudError::Unreachable(_) => Failure::Offline,
            CloudError::Untrusted(_) => Failure::Untrusted,
            CloudError::Unauthorized => Failure::SessionExpired,
            CloudError::OutdatedTerms => Failure::TermsOutdated,
            CloudError::Rejected { code } if code == "invalid_nickname" => Failure::NicknameRefused,
            CloudError::Rejected { code } if code == "nickname_taken" => Failure::NicknameTaken,
            CloudError::Rejected { code } if code == "not_registered" => Failure::NotRegistered,
            CloudError::Rejected { code } if code == "unknown_device" => Failure::DevicesChanged,
            CloudError::Rejected { code } if code == "code_expired" => Failure::CodeExpired,
            CloudError::Rejected { .. } => Failure::ServiceTrouble,
            CloudError::Status { .. } | CloudError::Malformed(_) => Failure::ServiceTrouble,
        }
    }
}

impl CloudError {
    /// Worth trying again by itself (the network or the server hiccuped).
    pub fn is_transient(&self) -> bool {
        match self {
            CloudError::Unreachable(_) => true,
            CloudError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Whether to try again, and after how long the cloud asked for.
    pub fn verdict(&self) -> Verdict {
        match self {
            CloudError::Status { retry_after, .. } if self.is_transient() => Verdict::Transient { asked: *retry_after },
            _ if self.is_transient() => Verdict::Transient { asked: None },
            _ => Verdict::Final,
        }
    }
}

/// A request that failed before an answer: a certificate the phone does not trust is told apart
/// from a network that is down (the user's remedy differs).
fn send_failed(error: reqwest::Error) -> CloudError {
    if net::is_certificate_error(&error) {
        CloudError::Untrusted(error.without_url().to_string())
    } else {
        CloudError::Unreachable(error.without_url().to_string())
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): seconds, or an HTTP date.
pub(super) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
        }
    }
}

#[derive(Deserialize)]
struct Consents {
    app_terms: Option<String>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    legacy_speaker_user: bool,
    /// The speaker registrations under the account, one per speaker user (phone).
    #[serde(default)]
    speaker_registrations: Vec<WireRegistration>,
}

#[derive(Deserialize)]
struct WireRegistration {
    speaker_user: String,
    nickname: String,
    #[serde(default)]
    device_ids: Vec<String>,
    #[serde(default)]
    rooms: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    privacy_version: String,
    #[serde(default)]
    speaker_terms_version: String,
    #[serde(default)]
    linked: bool,
}

/// What the app reads of the account at login.
pub struct AccountProfile {
    /// The user had the speaker service under the old Panasonic ID (the 6-B note).
    pub legacy_speaker_user: bool,
    /// This phone's speaker registration, if the cloud holds one.
    pub found: Option<crate::flow::FoundRegistration>,
    /// The nicknames registered under the account on other phones.
    pub elsewhere: Vec<String>,
}

#[derive(Deserialize)]
struct WireDevice {
    id: String,
    name: String,
    category: String,
}

#[derive(Deserialize)]
struct Devices {
    devices: Vec<WireDevice>,
}

/// The cloud's word that a registration is kept.
#[derive(Deserialize)]
struct Registered {
    registration_id: String,
    nickname: String,
    device_ids: Vec<String>,
}

#[derive(Deserialize)]
struct Link {
    linked: bool,
}

/// What the cloud says about the app as a whole.
#[derive(Deserialize)]
pub struct AppConfig {
    pub min_app_version: String,
    pub min_firmware_version: String,
    pub support: Option<Support>,
    /// The service's agent id in Google Home (for the one-tap `ha_linking` deep link).
    #[serde(default)]
    pub google_home_agent_id: Option<String>,
}

#[derive(Deserialize)]
struct Aiseg {
    firmware_version: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

/// The largest answer the app reads (a device list of thousands of devices is a few hundred KB):
/// a bigger one is an error, not a reason to fill the phone's memory.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The most devices an AiSEG2 list is read with (an AiSEG2 controls a few dozen).
pub const MAX_DEVICES: usize = 5_000;
/// The longest device name or id kept (Google cuts names at 60).
pub const MAX_NAME_CHARS: usize = 200;
/// The most registrations of other phones offered to move here (a household has a few phones).
pub const MAX_ELSEWHERE: usize = 8;

/// The answer's body, read up to `MAX_BODY`.
pub(super) async fn capped_body(mut response: reqwest::Response) -> Result<Vec<u8>, CloudError> {
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(CloudError::Malformed("answer too large".into()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| CloudError::Unreachable(e.without_url().to_string()))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(CloudError::Malformed("answer too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `text` as one path segment: nothing in it can reach another path.
fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The Smart HEMS API client. Made and held only by `api::Api`, which lends it to calls made
/// under the retry policy.
pub struct Cloud {
    base: Url,
    http: super::net::Http,
}

impl Cloud {
    /// `base` is the API root, e.g. `https://…/api/v1`.
    pub(super) fn new(base: &str, http: impl Into<super::net::Http>) -> Option<Cloud> {
        let mut base = net::allowed_url(base)?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Some(Cloud { base, http: http.into() })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Result<Option<T>, CloudError> {
        let url = self.base.join(path).map_err(|e| CloudError::Malformed(e.to_string()))?;
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.answer(request).await
    }

    /// Sends `request` and reads its answer by the API's conventions.
    async fn answer<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<Option<T>, CloudError> {
        let response = request.send().await.map_err(send_failed)?;
        match response.status() {
            StatusCode::NO_CONTENT => Ok(None),
            s if s.is_success() => {
                let body = capped_body(response).await?;
                serde_json::from_slice(&body).map(Some).map_err(|e| CloudError::Malformed(e.to_string()))
            }
            StatusCode::UNAUTHORIZED => Err(CloudError::Unauthorized),
            StatusCode::CONFLICT => Err(CloudError::OutdatedTerms),
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::GONE => {
                let body = capped_body(response).await?;
                let code = serde_json::from_slice::<ErrorBody>(&body).map(|b| b.error).unwrap_or_default();
                Err(CloudError::Rejected { code })
            }
            s => Err(CloudError::Status { status: s.as_u16(), retry_after: retry_after(&response) }),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, token: Option<&str>) -> Result<T, CloudError> {
        self.call(Method::GET, path, token, None)
            .await?
            .ok_or_else(|| CloudError::Malformed(format!("{path}: empty answer")))
    }

    /// The current version of a terms text.
    pub async fn terms(&self, kind: TermsKind) -> Result<Terms, CloudError> {
        let path = match kind {
            TermsKind::App => "terms/app",
            TermsKind::Privacy => "terms/privacy",
            TermsKind::Speaker => "terms/speaker",
        };
        self.get(path, None).await
    }

    /// Minimum versions and the help data.
    pub async fn app_config(&self) -> Result<AppConfig, CloudError> {
        self.get("app-config", None).await
    }

    /// The firmware version of the user's AiSEG2.
    pub async fn firmware_version(&self, token: &str) -> Result<String, CloudError> {
        Ok(self.get::<Aiseg>("me/aiseg", Some(token)).await?.firmware_version)
    }

    /// Binds the AiSEG2 whose 2D code this is to the user (flow C). A code works once, so the
    /// claim carries an `Idempotency-Key` made once per code: sent again after a lost answer, it
    /// gets the first answer instead of "code used".
    pub async fn claim_code(&self, token: &str, code: &str, idempotency_key: &str) -> Result<(), CloudError> {
        let url = self.base.join("me/aiseg/claim").map_err(|e| CloudError::Malformed(e.to_string()))?;
        let request = self
            .http
            .post(url)
            .bearer_auth(token)
            .header("idempotency-key", idempotency_key)
            .json(&serde_json::json!({ "code": code }));
        self.answer::<serde_json::Value>(request).await.map(|_| ())
    }

    /// Whether the user had the speaker service under the old Panasonic ID.
    /// The account's profile: the old-speaker flag and this phone's (`speaker_user`'s) registration.
    pub async fn profile(&self, token: &str, speaker_user: &str) -> Result<AccountProfile, CloudError> {
        let profile = self.get::<Profile>("me/profile", Some(token)).await?;
        let (mine, others): (Vec<_>, Vec<_>) =
            profile.speaker_registrations.into_iter().partition(|r| r.speaker_user == speaker_user);
        let elsewhere =
            others.into_iter().take(MAX_ELSEWHERE).map(|r| r.nickname.chars().take(MAX_NAME_CHARS).collect());
        let elsewhere = elsewhere.collect();
        let found = mine.into_iter().next().map(|r| crate::flow::FoundRegistration {
            nickname: r.nickname.chars().take(MAX_NAME_CHARS).collect(),
            device_ids: r.device_ids.into_iter().take(MAX_DEVICES).collect(),
            rooms: r.rooms,
            privacy_version: r.privacy_version,
            speaker_terms_version: r.speaker_terms_version,
            linked: r.linked,
        });
        Ok(AccountProfile { legacy_speaker_user: profile.legacy_speaker_user, found, elsewhere })
    }

    /// The AiSEG2's devices as it reports them now.
    pub async fn devices(&self, token: &str) -> Result<Vec<Device>, CloudError> {
        let devices = self.get::<Devices>("me/aiseg/devices", Some(token)).await?.devices;
        // An AiSEG2 names a device in a few words; a name of thousands of characters is cut where
        // it enters (it would be drawn and saved on every screen), long past Google's 60.
        let cut = |text: String, most: usize| match text.char_indices().nth(most) {
            Some((at, _)) => text[..at].to_owned(),
            None => text,
        };
        Ok(devices
            .into_iter()
            .take(MAX_DEVICES)
            .map(|d| Device {
                id: cut(d.id, MAX_NAME_CHARS),
                name: cut(d.name, MAX_NAME_CHARS),
                category: Category::from_wire(&d.category),
            })
            .collect())
    }

    /// Registers the speaker service for this phone's speaker user. A PUT of the whole
    /// registration, so sending it again after a lost answer changes nothing.
    pub async fn register_speaker(&self, token: &str, speaker_user: &str, r: &Registration) -> Result<(), CloudError> {
        let provider = match r.provider {
            SpeakerProvider::GoogleHome => "google_home",
        };
        let body = serde_json::json!({
            "nickname": r.nickname,
            "device_ids": r.device_ids,
            "rooms": r.rooms,
            "privacy_version": r.privacy_version,
            "speaker_terms_version": r.speaker_terms_version,
            "provider": provider,
            "move_here": r.move_here,
        });
        let path = format!("me/speaker-registrations/{}", path_segment(speaker_user));
        // Registered means the cloud says so, of this registration: any other 2xx answer (a proxy's
        // page, an empty body) is not taken for it.
        let answer = self
            .call::<Registered>(Method::PUT, &path, Some(token), Some(body))
            .await?
            .ok_or_else(|| CloudError::Malformed("registration: empty answer".into()))?;
        let same_devices = answer.device_ids.iter().collect::<BTreeSet<_>>() == r.device_ids.iter().collect();
        if answer.registration_id.is_empty() || answer.nickname != r.nickname || !same_devices {
            return Err(CloudError::Malformed("registration: the answer is not this registration".into()));
        }
        Ok(())
    }

    /// App Flip: an authorization code for Google's client, for the logged-in user; the link it
    /// makes serves this phone's speaker user.
    pub async fn app_flip_code(
        &self,
        token: &str,
        speaker_user: &str,
        request: &AppFlipRequest,
    ) -> Result<String, CloudError> {
        #[derive(Deserialize)]
        struct Code {
            code: String,
        }
        let body = serde_json::json!({
            "client_id": request.client_id,
            "scope": request.scope,
            "redirect_uri": request.redirect_uri,
            "state": request.state,
            "speaker_user": speaker_user,
        });
        self.call::<Code>(Method::POST, "me/app-flip", Some(token), Some(body))
            .await?
            .map(|c| c.code)
            .ok_or_else(|| CloudError::Malformed("app-flip: empty answer".into()))
    }

    /// Whether the speaker (Google Home) now holds a working account link for this phone's
    /// speaker user.
    pub async fn speaker_linked(&self, token: &str, speaker_user: &str) -> Result<bool, CloudError> {
        let path = format!("me/speaker-registrations/{}/link", path_segment(speaker_user));
        Ok(self.get::<Link>(&path, Some(token)).await?.linked)
    }

    /// The terms version this user accepted, if any.
    pub async fn accepted_app_terms(&self, token: &str) -> Result<Option<String>, CloudError> {
        Ok(self.get::<Consents>("me/consents", Some(token)).await?.app_terms)
    }

    /// Records the user's consent to `version` of the app terms.
    pub async fn accept_app_terms(&self, token: &str, version: &str) -> Result<(), CloudError> {
        self.call::<serde_json::Value>(
            Method::PUT,
            "me/consents/app",
            Some(token),
            Some(serde_json::json!({ "version": version })),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers any request with a body bigger than the app reads, saying its length
    /// up front or not (chunked, so only counting can stop it).
    async fn oversized_answer(declared: bool) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = if declared {
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", MAX_BODY + 1)
            } else {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
            };
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..(MAX_BODY / chunk.len() + 8) {
                let framed = if declared {
                    chunk.clone()
                } else {
                    [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.clone(), b"\r\n".to_vec()].concat()
                };
                if socket.write_all(&framed).await.is_err() {
                    return; // the app stopped reading
                }
            }
        });
        format!("http://{addr}/api/v1")
    }

    #[tokio::test]
    async fn an_answer_over_the_cap_is_an_error_not_read_whole() {
        for declared in [true, false] {
            let cloud = Cloud::new(&oversized_answer(declared).await, reqwest::Client::new()).unwrap();
            let result = cloud.app_config().await;
            assert!(
                matches!(&result, Err(CloudError::Malformed(m)) if m.contains("too large")),
                "declared {declared}: {:?}",
                result.err()
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod answer_tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A cloud answering its requests in turn with `answers` (status line, extra header lines,
    /// body), the last one for good; the times the requests arrived are kept.
    pub(crate) async fn answering_in_turn(
        answers: Vec<(&'static str, &'static str, &'static str)>,
    ) -> (String, Arc<Mutex<Vec<Instant>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let seen = arrivals.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(Instant::now());
                    seen.len()
                };
                let (status, headers, body) = answers[(n - 1).min(answers.len() - 1)];
                let head = format!(
                    "HTTP/1.1 {status}\r\n{headers}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all([head.as_bytes(), body.as_bytes()].concat().as_slice()).await;
            }
        });
        (format!("http://{addr}/api/v1"), arrivals)
    }

    pub(crate) const TERMS: &str = r#"{"version":"1","title":"利用規約","body":"本文"}"#;

    /// A TLS server on loopback whose certificate (self-signed, in testdata/) no phone trusts.
    pub(crate) fn untrusted_tls_server() -> std::net::SocketAddr {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let cert = CertificateDer::from(include_bytes!("../../testdata/untrusted-cert.der").to_vec());
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(include_bytes!("../../testdata/untrusted-key.der").to_vec()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let config = Arc::new(config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for socket in listener.incoming() {
                let Ok(mut socket) = socket else { return };
                let mut tls = rustls::ServerConnection::new(config.clone()).unwrap();
                // The handshake ends when the client refuses the certificate.
                while tls.complete_io(&mut socket).is_ok() && tls.is_handshaking() {}
            }
        });
        addr
    }

    pub(crate) fn api_at(base: &str) -> crate::runtime::api::Api {
        use crate::runtime::login::{Login, LoginConfig};
        let http = reqwest::Client::new();
        let config = LoginConfig::new("https://id.example.jp", "app", "jp.co.panasonic.smarthems:/oauth2redirect");
        let login = Login::new(config, http.clone()).unwrap();
        let secure = Arc::new(crate::runtime::secure::MemorySecureStore::default());
        crate::runtime::api::Api::new(base, http, login, secure, Default::default()).unwrap()
    }

    /// A 429 asking for 2 s is tried again after 2 s (it was 0.2 s), and the wait is told; one
    /// asking for more than the cap is not tried again early, whether in seconds or as a date.
    #[tokio::test]
    async fn retry_after_is_honoured_within_the_cap() {
        let (base, arrivals) =
            answering_in_turn(vec![("429 Too Many Requests", "retry-after: 2\r\n", ""), ("200 OK", "", TERMS)]).await;
        let api = api_at(&base);
        let terms = api.retrying(|cloud| async move { Ok(cloud.terms(TermsKind::App).await?) }).await;
        assert!(terms.is_ok(), "{:?}", terms.err());
        let arrivals = arrivals.lock().unwrap().clone();
        assert_eq!(arrivals.len(), 2);
        let gap = arrivals[1] - arrivals[0];
        assert!(gap >= Duration::from_secs(2), "tried again after {gap:?}");
        assert_eq!(api.waited.lock().await.try_recv().ok(), Some(Duration::from_secs(2)));

        let in_an_hour = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
        let in_an_hour: &'static str = Box::leak(format!("retry-after: {in_an_hour}\r\n").into_boxed_str());
        for asked in ["retry-after: 3600\r\n", in_an_hour] {
            let (base, arrivals) = answering_in_turn(vec![("503 Service Unavailable", asked, "")]).await;
            let api = api_at(&base);
            let started = Instant::now();
            let terms = api.retrying(|cloud| async move { Ok(cloud.terms(TermsKind::App).await?) }).await;
            assert_eq!(terms.err().map(|e| e.failure()), Some(Failure::ServiceTrouble));
            assert_eq!(arrivals.lock().unwrap().len(), 1, "{asked}");
            assert!(started.elapsed() < Duration::from_secs(2));
        }
    }

    /// A server whose certificate the phone does not trust (here: self-signed, in testdata/) is
    /// its own failure with its own advice, not 「インターネットに接続できません」.
    #[tokio::test]
    async fn an_untrusted_certificate_is_told_as_such() {
        let addr = untrusted_tls_server();
        let cloud = Cloud::new(&format!("https://{addr}/api/v1"), net::client()).unwrap();
        let result = cloud.terms(TermsKind::App).await;
        assert!(matches!(result, Err(CloudError::Untrusted(_))), "{result:?}");
        assert_eq!(Failure::from(&result.unwrap_err()), Failure::Untrusted);
        // A network that is down is still told as offline.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let offline =
            Cloud::new(&format!("https://{closed}/api/v1"), net::client()).unwrap().terms(TermsKind::App).await;
        assert!(matches!(offline, Err(CloudError::Unreachable(_))), "{offline:?}");
    }

    /// A cloud (or something in front of it) answering every request with `status` and `body`.
    async fn answering(status: &'static str, body: String) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all([head.as_bytes(), body.as_bytes()].concat().as_slice()).await;
            }
        });
        format!("http://{addr}/api/v1")
    }

    /// Only the cloud's word that this registration is kept counts as registered.
    #[tokio::test]
    async fn a_registration_is_kept_only_when_the_answer_says_so() {
        let registration = Registration {
            nickname: "たろう".into(),
            device_ids: vec!["ac-1".into()],
            rooms: Default::default(),
            privacy_version: "p1".into(),
            speaker_terms_version: "s1".into(),
            provider: SpeakerProvider::GoogleHome,
            move_here: false,
        };
        let cases: [(&str, &str, bool); 5] = [
            ("200 OK", r#"{"registration_id":"r1","nickname":"たろう","device_ids":["ac-1"]}"#, true),
            ("200 OK", r#"{"ok":true}"#, false),
            ("200 OK", r#"{"registration_id":"r1","nickname":"じろう","device_ids":["ac-1"]}"#, false),
            ("200 OK", r#"<html>Welcome to the hotel Wi-Fi</html>"#, false),
            ("204 No Content", "", false),
        ];
        for (status, body, kept) in cases {
            let cloud = Cloud::new(&answering(status, body.to_owned()).await, reqwest::Client::new()).unwrap();
            let result = cloud.register_speaker("token", "phone", &registration).await;
            assert_eq!(result.is_ok(), kept, "{status} {body}: {result:?}");
        }
    }

    /// A device list with a 100,000-character name: the name is cut where it enters the app.
    #[tokio::test]
    async fn a_huge_device_name_is_cut_where_it_enters() {
        let body = format!(r#"{{"devices":[{{"id":"li-1","name":"{}","category":"light"}}]}}"#, "照".repeat(100_000));
        let cloud = Cloud::new(&answering("200 OK", body).await, reqwest::Client::new()).unwrap();
        let devices = cloud.devices("token").await.unwrap();
        assert_eq!(devices[0].name.chars().count(), MAX_NAME_CHARS);
    }
}
