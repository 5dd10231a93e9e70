//! How the login reaches the provider: the app's one HTTP client (`net::Http`) as the
//! `AsyncHttpClient` openidconnect calls, with what that library leaves to its caller. A busy
//! provider (5xx, 429) is an error that carries its `Retry-After`, so the one retry policy
//! (`retry.rs`) waits as asked — the library would hand back a bare status, or read a 503 page as
//! a token error. Answers are read up to the cloud's cap (`cloud::MAX_BODY`). For discovery and
//! its JWKS (`caching`), GETs are answered from `provider_cache` while fresh, and kept there.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{http, HttpRequest, HttpResponse};

use super::{cloud, provider_cache};

/// A request to the provider that brought no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum ProviderHttpError {
    /// No answer: the network, or a certificate the phone does not trust (found in the source
    /// chain by `net::is_certificate_error`).
    #[error("no answer from the provider")]
    NoAnswer(#[source] reqwest::Error),
    /// The provider answered 5xx or 429; `retry_after` is how long it asked the app to wait.
    #[error("the provider is busy or failing: HTTP {status}")]
    Busy { status: u16, retry_after: Option<Duration> },
    /// The answer broke off on the way (the network's trouble: worth trying again).
    #[error("the answer broke off: {0}")]
    BrokeOff(String),
    /// The answer was larger than the cap, or not HTTP the library can take.
    #[error("the answer could not be read: {0}")]
    Unreadable(String),
    /// The library built a request reqwest cannot send (a bug, not the network's fault).
    #[error("the request could not be made: {0}")]
    Request(String),
}

impl ProviderHttpError {
    /// Whether the request surely never reached the provider: no connection was made, so
    /// nothing it carried (a one-time code) was spent.
    pub fn never_sent(&self) -> bool {
        matches!(self, ProviderHttpError::NoAnswer(e) if e.is_connect())
    }
}

/// The provider's side of the one HTTP client, lent to openidconnect for one call.
pub struct ProviderHttp<'a> {
    http: &'a reqwest::Client,
    /// Set for discovery: GETs go through the process-wide cache, except this URL, fetched
    /// anew (the JWKS, when a token names a key it lacks).
    caching: Option<Option<&'a str>>,
}

impl<'a> ProviderHttp<'a> {
    /// Every request sent as it is (tokens, userinfo, revocation).
    pub fn new(http: &'a reqwest::Client) -> ProviderHttp<'a> {
        ProviderHttp { http, caching: None }
    }

    /// For discovery and its JWKS: answered from `provider_cache` while fresh, except `anew`.
    pub fn caching(http: &'a reqwest::Client, anew: Option<&'a str>) -> ProviderHttp<'a> {
        ProviderHttp { http, caching: Some(anew) }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ProviderHttpError> {
        let cached = match self.caching {
            Some(anew) if request.method() == http::Method::GET => Some((request.uri().to_string(), anew)),
            _ => None,
        };
        if let Some((url, anew)) = &cached {
            match provider_cache::get(url) {
                Some(kept) if *anew != Some(url.as_str()) => return Ok(kept),
                _ => {}
            }
        }
        let answer = self.fetch(request).await?;
        if let Some((url, _)) = &cached {
            provider_cache::put(url, &answer);
        }
        Ok(answer)
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, ProviderHttpError> {
        let request = reqwest::Request::try_from(request).map_err(|e| ProviderHttpError::Request(e.to_string()))?;
        let response = self.http.execute(request).await.map_err(|e| ProviderHttpError::NoAnswer(e.without_url()))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(ProviderHttpError::Busy {
                status: status.as_u16(),
                retry_after: cloud::retry_after(&response),
            });
        }
        let mut answer = http::Response::builder().status(status.as_u16());
        for (name, value) in response.headers() {
            answer = answer.header(name.as_str(), value.as_bytes());
        }
        let body = cloud::capped_body(response).await.map_err(|e| match e {
            cloud::CloudError::Unreachable(reason) => ProviderHttpError::BrokeOff(reason),
            other => ProviderHttpError::Unreadable(other.to_string()),
        })?;
        answer.body(body).map_err(|e| ProviderHttpError::Unreadable(e.to_string()))
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for ProviderHttp<'_> {
    type Error = ProviderHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, ProviderHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
