//! The Smart HEMS cloud API (`docs/cloud-api.md`). The only module that knows its paths and
//! shapes: pointing the app at Panasonic's real endpoints changes this module and the config.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use super::net;
use crate::flow::{
    AppFlipRequest, Category, Device, Failure, Registration, SpeakerProvider, Support, Terms, TermsKind,
};

/// A failed cloud call, by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("cannot reach the cloud: {0}")]
    Unreachable(String),
    #[error("the access token was not accepted")]
    Unauthorized,
    #[error("the terms version is no longer current")]
    OutdatedTerms,
    #[error("the cloud refused the request: {code}")]
    Rejected { code: String },
    #[error("the cloud answered {status}")]
    Status { status: u16 },
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

impl From<&CloudError> for Failure {
    fn from(error: &CloudError) -> Failure {
        match error {
            CloudError::Unreachable(_) => Failure::Offline,
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
            CloudError::Status { status } => *status >= 500 || *status == 429,
            _ => false,
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

/// `text` as one path segment: nothing in it can reach another path.
fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The Smart HEMS API client. Made and held only by `api::Api`, which lends it to calls made
/// under the retry policy.
pub struct Cloud {
    base: Url,
    http: reqwest::Client,
}

impl Cloud {
    /// `base` is the API root, e.g. `https://…/api/v1`.
    pub(super) fn new(base: &str, http: reqwest::Client) -> Option<Cloud> {
        let mut base = net::allowed_url(base)?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Some(Cloud { base, http })
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
        let response = request.send().await.map_err(|e| CloudError::Unreachable(e.without_url().to_string()))?;
        match response.status() {
            StatusCode::NO_CONTENT => Ok(None),
            s if s.is_success() => {
                response.json().await.map(Some).map_err(|e| CloudError::Malformed(e.without_url().to_string()))
            }
            StatusCode::UNAUTHORIZED => Err(CloudError::Unauthorized),
            StatusCode::CONFLICT => Err(CloudError::OutdatedTerms),
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::GONE => {
                let code = response.json::<ErrorBody>().await.map(|b| b.error).unwrap_or_default();
                Err(CloudError::Rejected { code })
            }
            s => Err(CloudError::Status { status: s.as_u16() }),
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

    /// Binds the AiSEG2 whose 2D code this is to the user (flow C). A code works once.
    pub async fn claim_code(&self, token: &str, code: &str) -> Result<(), CloudError> {
        let body = serde_json::json!({ "code": code });
        self.call::<serde_json::Value>(Method::POST, "me/aiseg/claim", Some(token), Some(body)).await.map(|_| ())
    }

    /// Whether the user had the speaker service under the old Panasonic ID.
    pub async fn legacy_speaker_user(&self, token: &str) -> Result<bool, CloudError> {
        Ok(self.get::<Profile>("me/profile", Some(token)).await?.legacy_speaker_user)
    }

    /// The AiSEG2's devices as it reports them now.
    pub async fn devices(&self, token: &str) -> Result<Vec<Device>, CloudError> {
        let devices = self.get::<Devices>("me/aiseg/devices", Some(token)).await?.devices;
        Ok(devices
            .into_iter()
            .map(|d| Device { id: d.id, name: d.name, category: Category::from_wire(&d.category) })
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
        self.call::<serde_json::Value>(Method::PUT, &path, Some(token), Some(body)).await.map(|_| ())
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
