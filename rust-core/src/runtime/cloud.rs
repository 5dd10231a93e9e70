//! The Smart HEMS cloud API (`docs/cloud-api.md`). The only module that knows its paths and
//! shapes: pointing the app at Panasonic's real endpoints changes this module and the config.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use super::net;
use crate::flow::{Failure, Terms};

/// A failed cloud call, by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("cannot reach the cloud: {0}")]
    Unreachable(String),
    #[error("the access token was not accepted")]
    Unauthorized,
    #[error("the terms version is no longer current")]
    OutdatedTerms,
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

/// The Smart HEMS API client.
pub struct Cloud {
    base: Url,
    http: reqwest::Client,
}

impl Cloud {
    /// `base` is the API root, e.g. `https://…/api/v1`.
    pub fn new(base: &str, http: reqwest::Client) -> Option<Cloud> {
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
            s => Err(CloudError::Status { status: s.as_u16() }),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, token: Option<&str>) -> Result<T, CloudError> {
        self.call(Method::GET, path, token, None)
            .await?
            .ok_or_else(|| CloudError::Malformed(format!("{path}: empty answer")))
    }

    /// The current スマートHEMSサービス利用規約.
    pub async fn app_terms(&self) -> Result<Terms, CloudError> {
        self.get("terms/app", None).await
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
