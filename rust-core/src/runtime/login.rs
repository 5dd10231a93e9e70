//! CLUB Panasonic ID login: OpenID Connect authorization code flow with PKCE (S256) in the system
//! browser, as RFC 8252 asks of native apps.
//!
//! Everything about the provider is found by discovery from the issuer URL. The redirect is
//! trusted only when it is our redirect URI, its `state` matches the login we started, its `iss`
//! is our issuer (RFC 9207) and the ID token verifies (signature from the JWKS, issuer, audience,
//! expiry, nonce). Tokens and the in-flight PKCE verifier live in the secure store only.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreIdToken, CoreIdTokenClaims,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreSubjectIdentifierType, CoreTokenIntrospectionResponse,
    CoreTokenResponse,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EmptyAdditionalClaims,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, Nonce, NonceVerifier,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardErrorResponse, TokenResponse, TokenUrl, UserInfoUrl,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use url::Url;

use super::jwk::{self, RingJsonWebKey};
use super::net;
use super::provider_http::{ProviderHttp, ProviderHttpError};
use super::retry::{RetryPolicy, Verdict};
use super::secure::{SecureStore, SecureStoreError};
use crate::flow::{Account, Failure};

const PENDING_KEY: &str = "login.pending";
const TOKENS_KEY: &str = "login.tokens";
/// Set at logout when the provider cannot end its own session (no `end_session_endpoint`): the
/// next login asks the provider to show its form (`prompt=login`) instead of silently returning
/// the previous person.
const FRESH_LOGIN_KEY: &str = "login.fresh";
/// Refresh this long before the access token expires, so a call never leaves with a dying token.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The discovery document as the core reads it (OpenID Connect Discovery 1.0 §3, with RFC 7009's
/// revocation endpoint, RP-Initiated Logout's end-session endpoint and RFC 9207's `iss` flag):
/// what it uses and the members the spec requires. Read into this, not into openidconnect's
/// `ProviderMetadata` with its forty-odd members, whose deserialiser alone was 76 KB of the
/// shipped library (issue 13); openidconnect's client is then made from what was read.
#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: Option<String>,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    revocation_endpoint: Option<String>,
    end_session_endpoint: Option<String>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
    /// Algorithms openidconnect does not know are left out (none of them would verify).
    id_token_signing_alg_values_supported: Vec<String>,
    // Required by the spec, unused by the client: a document without them is not a provider's.
    #[allow(dead_code)]
    response_types_supported: serde::de::IgnoredAny,
    #[allow(dead_code)]
    subject_types_supported: serde::de::IgnoredAny,
}

/// What the core keeps of the discovery document beside openidconnect's client.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct ExtraMetadata {
    revocation_endpoint: Option<String>,
    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
    end_session_endpoint: Option<String>,
    authorization_response_iss_parameter_supported: bool,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    RingJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
/// openidconnect's `CoreClient` with the provider's keys verified by `ring` (`jwk.rs`).
type Client = openidconnect::Client<
    EmptyAdditionalClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    RingJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    CoreTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What the provider told us in discovery, checked against the network policy.
struct Provider {
    client: Client,
    issuer: String,
    jwks_uri: String,
    revocation_endpoint: Option<Url>,
    end_session_endpoint: Option<Url>,
    /// Where the greeting's name is read from, by the core itself (`userinfo_name`) rather than
    /// through openidconnect's userinfo request.
    userinfo_endpoint: Option<Url>,
    requires_iss: bool,
}

/// A login that was started in the browser and not yet finished.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
}

/// The tokens of the logged-in user.
#[derive(Serialize, Deserialize)]
struct Tokens {
    access_token: String,
    refresh_token: Option<String>,
    /// Seconds since the epoch.
    expires_at: u64,
    /// The user the tokens are for (the login's ID token `sub`): a refreshed ID token must name
    /// the same one. Absent in tokens kept before it was recorded.
    #[serde(default)]
    subject: Option<String>,
    /// The login's nonce: a refreshed ID token that carries one must carry this (OIDC Core §12.2).
    #[serde(default)]
    nonce: Option<String>,
    /// The latest ID token, sent back as `id_token_hint` when the user logs out.
    #[serde(default)]
    id_token: Option<String>,
}

/// What the core takes from a verified ID token (read out, not cloned whole: the claims' clone
/// was 10 KB of the shipped library).
struct Person {
    subject: String,
    name: Option<String>,
}

impl Person {
    fn of(claims: &CoreIdTokenClaims) -> Person {
        Person {
            subject: claims.subject().to_string(),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
        }
    }
}

/// Login settings from the app's configuration.
pub struct LoginConfig {
    pub issuer: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// Ask for `offline_access` as OpenID Connect Core §11 says: with `prompt=consent`, without
    /// which a provider following the spec grants no refresh token. `false` only for a provider
    /// that grants one on the scope alone and would otherwise show its consent page every login.
    pub offline_access_with_consent: bool,
    /// Where the provider sends the browser after logout (registered with the provider as a
    /// `post_logout_redirect_uri`); the login redirect URI when not set.
    pub post_logout_redirect_uri: Option<String>,
}

impl LoginConfig {
    /// The settings with the spec's defaults: refresh tokens asked for with `prompt=consent`,
    /// the browser sent back to `redirect_uri` after logout.
    pub fn new(issuer: &str, client_id: &str, redirect_uri: &str) -> LoginConfig {
        LoginConfig {
            issuer: issuer.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            offline_access_with_consent: true,
            post_logout_redirect_uri: None,
        }
    }
}

/// Why a login step failed, in detail (for logs); flattened into a `Failure` for the flow.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("cannot reach the provider: {0}")]
    Unreachable(String),
    /// The provider's certificate is not one the phone trusts (a wrong clock, a network that
    /// intercepts traffic): told apart from being offline, the remedy differs.
    #[error("the provider's certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("the provider failed: {0}")]
    Provider(String),
    /// The provider answered 5xx or 429: worth trying again, as the API's are, after the
    /// `Retry-After` it asked for.
    #[error("the provider is busy or failing: HTTP {status}")]
    ProviderBusy { status: u16, retry_after: Option<Duration> },
    #[error("the provider's configuration breaks our policy: {0}")]
    Policy(&'static str),
    #[error("the redirect is not ours")]
    ForeignRedirect,
    #[error("no login was started or it was already used")]
    NoPendingLogin,
    #[error("state does not match")]
    StateMismatch,
    #[error("iss does not match the issuer")]
    IssuerMismatch,
    #[error("the user cancelled")]
    Cancelled,
    #[error("the provider refused: {0}")]
    Refused(String),
    #[error("the ID token is invalid: {0}")]
    InvalidIdToken(String),
    #[error("the session has ended")]
    SessionEnded,
    #[error("secure store: {0}")]
    SecureStore(String),
    #[error("the stored login can no longer be read: {0}")]
    SecretsLost(String),
}

impl From<&LoginError> for Failure {
    fn from(error: &LoginError) -> Failure {
        match error {
            LoginError::Unreachable(_) => Failure::Offline,
            LoginError::Untrusted(_) => Failure::Untrusted,
            LoginError::Provider(_)
            | LoginError::ProviderBusy { .. }
            | LoginError::Policy(_)
            | LoginError::SecureStore(_) => Failure::ServiceTrouble,
            LoginError::Cancelled => Failure::LoginCancelled,
            // A login the phone can no longer read is a login to make again, not a network problem.
            LoginError::SessionEnded | LoginError::SecretsLost(_) => Failure::SessionExpired,
            // Refused before the awaited login was spent: the real redirect may still come.
            LoginError::ForeignRedirect
            | LoginError::NoPendingLogin
            | LoginError::StateMismatch
            | LoginError::IssuerMismatch => Failure::RedirectRefused,
            LoginError::Refused(_) | LoginError::InvalidIdToken(_) => Failure::LoginRejected,
        }
    }
}

impl LoginError {
    /// Whether to try again, and after how long the provider asked for: the network's and a
    /// busy provider's trouble pass; everything else would fail the same way.
    pub fn verdict(&self) -> Verdict {
        match self {
            LoginError::Unreachable(_) => Verdict::Transient { asked: None },
            LoginError::ProviderBusy { retry_after, .. } => Verdict::Transient { asked: *retry_after },
            _ => Verdict::Final,
        }
    }
}

/// Whether an ID token failed only because it names a key the cached JWKS does not hold yet.
fn unknown_key(error: &openidconnect::ClaimsVerificationError) -> bool {
    matches!(
        error,
        openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey
        )
    )
}

/// The login half of the runtime.
pub struct Login {
    config: LoginConfig,
    redirect: Url,
    http: super::net::Http,
    /// The API's retry policy, for the provider's calls too; each pause long enough to tell the
    /// user goes to `waits` (the event loop shows it).
    retry: RetryPolicy,
    waits: Option<tokio::sync::mpsc::UnboundedSender<Duration>>,
    /// Discovered once and kept for this app object (the documents themselves are kept for the
    /// process while their cache lifetime lasts, `provider_cache`); found again when an ID token
    /// names a key we do not have yet (the provider rotated its signing key).
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    /// One refresh at a time: checks run beside the user may need a token together, and a
    /// provider that rotates refresh tokens takes a second use of a spent one for a stolen token
    /// (RFC 9700 §4.14.2) and ends the whole session.
    refreshing: tokio::sync::Mutex<()>,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn store_error(e: SecureStoreError) -> LoginError {
    match e {
        SecureStoreError::Lost { .. } => LoginError::SecretsLost(e.to_string()),
        SecureStoreError::Unavailable { .. } => LoginError::SecureStore(e.to_string()),
    }
}

/// A request to the provider that brought no usable answer: busy (try again), its certificate
/// not trusted, or no network.
fn request_failed(error: &ProviderHttpError) -> LoginError {
    match error {
        ProviderHttpError::Busy { status, retry_after } => {
            LoginError::ProviderBusy { status: *status, retry_after: *retry_after }
        }
        ProviderHttpError::Request(reason) | ProviderHttpError::Unreadable(reason) => {
            LoginError::Provider(reason.clone())
        }
        ProviderHttpError::NoAnswer(_) | ProviderHttpError::BrokeOff(_) => unreachable(error),
    }
}

/// A request to the provider that got no answer: its certificate not trusted, or no network.
fn unreachable(error: &(dyn std::error::Error + 'static)) -> LoginError {
    if net::is_certificate_error(error) {
        LoginError::Untrusted(error.to_string())
    } else {
        LoginError::Unreachable(error.to_string())
    }
}

/// Maps a token-endpoint failure: the provider saying no is `refused`, the rest is the network's
/// or the provider's fault.
fn token_error(
    error: RequestTokenError<ProviderHttpError, StandardErrorResponse<CoreErrorResponseType>>,
    refused: impl FnOnce(String) -> LoginError,
) -> LoginError {
    use openidconnect::core::CoreErrorResponseType as E;
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            E::InvalidGrant | E::InvalidRequest | E::InvalidClient | E::UnauthorizedClient => {
                refused(response.error().as_ref().to_owned())
            }
            other => LoginError::Provider(other.as_ref().to_owned()),
        },
        RequestTokenError::Request(e) => request_failed(&e),
        RequestTokenError::Parse(e, _) => LoginError::Provider(e.to_string()),
        RequestTokenError::Other(e) => LoginError::Provider(e),
    }
}

impl Login {
    pub fn new(config: LoginConfig, http: impl Into<super::net::Http>) -> Result<Login, &'static str> {
        if net::allowed_url(&config.issuer).is_none() {
            return Err("issuer");
        }
        let redirect = Url::parse(&config.redirect_uri).map_err(|_| "redirect_uri")?;
        Ok(Login {
            config,
            redirect,
            http: http.into(),
            retry: RetryPolicy::default(),
            waits: None,
            provider: tokio::sync::Mutex::default(),
            refreshing: tokio::sync::Mutex::default(),
        })
    }

    /// The provider's calls under `retry` (the API's policy), each told pause sent to `waits`.
    pub fn with_retry(self, retry: RetryPolicy, waits: tokio::sync::mpsc::UnboundedSender<Duration>) -> Login {
        Login { retry, waits: Some(waits), ..self }
    }

    /// The HTTP client as openidconnect calls it.
    fn client(&self) -> ProviderHttp<'_> {
        ProviderHttp::new(&self.http)
    }

    /// `attempt` under the retry policy, with the provider's own sense of what passes.
    async fn retried<T, F, Fut>(&self, verdict: impl Fn(&LoginError) -> Verdict, attempt: F) -> Result<T, LoginError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, LoginError>>,
    {
        let told = |pause: Duration| {
            tracing::info!(seconds = pause.as_secs(), "waiting as the provider asked");
            if let Some(waits) = &self.waits {
                let _ = waits.send(pause);
            }
        };
        self.retry.run(verdict, told, attempt).await
    }

    async fn provider(&self) -> Result<Arc<Provider>, LoginError> {
        let mut cached = self.provider.lock().await;
        if let Some(provider) = cached.as_ref() {
            return Ok(provider.clone());
        }
        // Discovery and the JWKS it fetches only read: always safe to ask again.
        let provider = Arc::new(self.retried(LoginError::verdict, || self.discover(None)).await?);
        *cached = Some(provider.clone());
        Ok(provider)
    }

    /// The provider found again with its current keys: the JWKS fetched anew (and kept for the
    /// process in its place), the discovery document as kept.
    async fn rediscovered(&self, stale: &Provider) -> Result<Arc<Provider>, LoginError> {
        let mut cached = self.provider.lock().await;
        let anew = Some(stale.jwks_uri.as_str());
        let provider = Arc::new(self.retried(LoginError::verdict, || self.discover(anew)).await?);
        *cached = Some(provider.clone());
        Ok(provider)
    }

    /// Who an ID token names, verified (signature from the JWKS, `iss`, `aud`, `exp`, `nonce`).
    /// A token naming a key the cached JWKS lacks is checked once more against the provider's
    /// current keys: the provider rotated its signing key while the app was running.
    async fn verified_claims(
        &self,
        provider: &Provider,
        id_token: &CoreIdToken,
        nonce: impl NonceVerifier + Copy,
    ) -> Result<Person, String> {
        match id_token.claims(&provider.client.id_token_verifier(), nonce) {
            Ok(claims) => Ok(Person::of(claims)),
            Err(error) if unknown_key(&error) => {
                let provider = self.rediscovered(provider).await.map_err(|e| e.to_string())?;
                let verifier = provider.client.id_token_verifier();
                let person = id_token.claims(&verifier, nonce).map(Person::of).map_err(|e| e.to_string());
                person
            }
            Err(error) => Err(error.to_string()),
        }
    }

    /// The provider from its discovery document and JWKS — as kept for the process while their
    /// HTTP cache lifetime lasts (`provider_cache`), except `anew`, fetched again.
    async fn discover(&self, anew: Option<&str>) -> Result<Provider, LoginError> {
        use openidconnect::DiscoveryError as D;
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|_| LoginError::Policy("issuer"))?;
        let http = ProviderHttp::caching(&self.http, anew);
        let metadata = self.metadata(&issuer, &http).await?;
        let endpoints = [
            Some(metadata.authorization_endpoint().url().as_str()),
            metadata.token_endpoint().map(|u| u.url().as_str()),
            Some(metadata.jwks_uri().url().as_str()),
            metadata.additional_metadata().revocation_endpoint.as_deref(),
            // The ID token goes there as id_token_hint.
            metadata.additional_metadata().end_session_endpoint.as_deref(),
            // The access token is sent there too: the same https-only rule.
            metadata.userinfo_endpoint().map(|u| u.url().as_str()),
        ];
        if endpoints.into_iter().flatten().any(|u| net::allowed_url(u).is_none()) {
            return Err(LoginError::Policy("endpoints must be https"));
        }
        if metadata.token_endpoint().is_none() {
            return Err(LoginError::Policy("no token endpoint"));
        }
        let extra = metadata.additional_metadata();
        let revocation_endpoint = extra.revocation_endpoint.as_deref().and_then(net::allowed_url);
        let end_session_endpoint = extra.end_session_endpoint.as_deref().and_then(net::allowed_url);
        let requires_iss = metadata.additional_metadata().authorization_response_iss_parameter_supported;
        let issuer = metadata.issuer().to_string();
        let jwks_uri = metadata.jwks_uri().url().to_string();
        let userinfo_endpoint = metadata.userinfo_endpoint().map(|u| u.url().clone());
        // Its keys only once every endpoint has passed the policy.
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &http).await.map_err(|e| match e {
            D::Request(e) => request_failed(&e),
            other => LoginError::Provider(other.to_string()),
        })?;
        let metadata = metadata.set_jwks(jwks);
        let redirect =
            RedirectUrl::new(self.config.redirect_uri.clone()).map_err(|_| LoginError::Policy("redirect"))?;
        let client = Client::from_provider_metadata(metadata, ClientId::new(self.config.client_id.clone()), None)
            .set_redirect_uri(redirect);
        Ok(Provider {
            client,
            issuer,
            jwks_uri,
            revocation_endpoint,
            end_session_endpoint,
            userinfo_endpoint,
            requires_iss,
        })
    }

    /// The discovery document at `{issuer}/.well-known/openid-configuration`, checked as
    /// openidconnect's own discovery checks it (200, JSON, the issuer it names is ours), as
    /// openidconnect's metadata without its keys (`discover` fetches them).
    async fn metadata(&self, issuer: &IssuerUrl, http: &ProviderHttp<'_>) -> Result<Metadata, LoginError> {
        let url = issuer.join(".well-known/openid-configuration").map_err(|_| LoginError::Policy("issuer"))?;
        let request = openidconnect::http::Request::get(url.as_str())
            .header(openidconnect::http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| LoginError::Provider(e.to_string()))?;
        let answer = openidconnect::AsyncHttpClient::call(http, request).await.map_err(|e| request_failed(&e))?;
        if answer.status() != openidconnect::http::StatusCode::OK {
            return Err(LoginError::Provider(format!("discovery answered HTTP {}", answer.status())));
        }
        let json = answer.headers().get(openidconnect::http::header::CONTENT_TYPE).is_none_or(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Err(LoginError::Provider("discovery is not JSON".into()));
        }
        let document: Discovery =
            serde_json::from_slice(answer.body()).map_err(|e| LoginError::Provider(format!("discovery: {e}")))?;
        if document.issuer != issuer.as_str() {
            return Err(LoginError::Provider("discovery names another issuer".into()));
        }
        let bad = |name: &'static str| move |_| LoginError::Provider(format!("discovery: {name} is not a URL"));
        let algs =
            document.id_token_signing_alg_values_supported.iter().filter_map(|name| jwk::signing_alg(name)).collect();
        let token_endpoint = document.token_endpoint.map(TokenUrl::new).transpose().map_err(bad("token_endpoint"))?;
        let userinfo_endpoint =
            document.userinfo_endpoint.map(UserInfoUrl::new).transpose().map_err(bad("userinfo_endpoint"))?;
        let extra = ExtraMetadata {
            revocation_endpoint: document.revocation_endpoint,
            end_session_endpoint: document.end_session_endpoint,
            authorization_response_iss_parameter_supported: document.authorization_response_iss_parameter_supported,
        };
        // The client reads the issuer, the endpoints, the keys and the algorithms; the response
        // and subject types it never reads.
        let metadata = Metadata::new(
            issuer.clone(),
            AuthUrl::new(document.authorization_endpoint).map_err(bad("authorization_endpoint"))?,
            JsonWebKeySetUrl::new(document.jwks_uri).map_err(bad("jwks_uri"))?,
            Vec::new(),
            Vec::new(),
            algs,
            extra,
        )
        .set_token_endpoint(token_endpoint)
        .set_userinfo_endpoint(userinfo_endpoint);
        Ok(metadata)
    }

    /// Starts a login: the URL to open in the system browser. `create` asks the provider for its
    /// registration page instead (OIDC `prompt=create`); after a logout the provider could not
    /// end, its login form (`prompt=login`).
    pub async fn begin(&self, store: &dyn SecureStore, create: bool) -> Result<Url, LoginError> {
        let provider = self.provider().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("offline_access".into()))
            .set_pkce_challenge(challenge);
        if self.config.offline_access_with_consent {
            request = request.add_prompt(CoreAuthPrompt::Consent);
        }
        if create {
            request = request.add_prompt(CoreAuthPrompt::Extension("create".into()));
        } else if matches!(store.load(FRESH_LOGIN_KEY.into()), Ok(Some(_))) {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        let (url, state, nonce) = request.url();
        let pending = Pending {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        };
        store.save(PENDING_KEY.into(), serde_json::to_string(&pending).expect("serialisable")).map_err(store_error)?;
        Ok(url)
    }

    /// Forgets a login that was started but will not be finished.
    pub fn forget(&self, store: &dyn SecureStore) {
        if let Err(error) = store.delete(PENDING_KEY.into()) {
            tracing::warn!(%error, "could not forget the pending login");
        }
    }

    /// Finishes a login from the redirect URL the browser handed back.
    pub async fn finish(&self, store: &dyn SecureStore, redirect: &str) -> Result<Account, LoginError> {
        let url = Url::parse(redirect).map_err(|_| LoginError::ForeignRedirect)?;
        let ours = url.scheme() == self.redirect.scheme()
            && url.host_str() == self.redirect.host_str()
            && url.path() == self.redirect.path()
            && (url.port() == self.redirect.port() || self.redirect.host_str() == Some("127.0.0.1"));
        if !ours {
            return Err(LoginError::ForeignRedirect);
        }
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());

        // The pending login is used once, whatever happens next: a replayed redirect finds nothing.
        let pending: Pending = store
            .load(PENDING_KEY.into())
            .map_err(store_error)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or(LoginError::NoPendingLogin)?;
        let state_ok = param("state").is_some_and(|s| bool::from(s.as_bytes().ct_eq(pending.state.as_bytes())));
        if !state_ok {
            // Someone else's redirect: keep our pending login so the real one can still arrive.
            return Err(LoginError::StateMismatch);
        }
        let provider = self.provider().await?;
        match param("iss") {
            // Another issuer's answer (a mix-up, RFC 9207): ours may still arrive, as above.
            Some(iss) if iss != provider.issuer => return Err(LoginError::IssuerMismatch),
            None if provider.requires_iss => return Err(LoginError::IssuerMismatch),
            _ => {}
        }
        self.forget(store);
        if let Some(error) = param("error") {
            return Err(if error == "access_denied" { LoginError::Cancelled } else { LoginError::Refused(error) });
        }
        let code = param("code").ok_or(LoginError::Refused("no code".into()))?;

        // The code is single use (RFC 6749 §4.1.2: the provider MUST deny a second use and SHOULD
        // revoke what the first issued). Once the request may have reached the provider — any
        // answer, even a 503, or a connection lost after sending — a retry could only get
        // `invalid_grant` or cost the tokens just issued; so the exchange is tried again only
        // when no connection was made. Otherwise the user starts the login again (one tap with
        // the provider's SSO session), which brings a fresh code.
        let connect_failed = std::sync::atomic::AtomicBool::new(false);
        let never_sent = |e: &LoginError| match e {
            LoginError::Unreachable(_) if connect_failed.load(std::sync::atomic::Ordering::Relaxed) => {
                Verdict::Transient { asked: None }
            }
            _ => Verdict::Final,
        };
        let response = self
            .retried(never_sent, || async {
                let request = provider
                    .client
                    .exchange_code(AuthorizationCode::new(code.clone()))
                    .map_err(|_| LoginError::Policy("no token endpoint"))?
                    .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()));
                request.request_async(&self.client()).await.map_err(|e| {
                    let never = matches!(&e, RequestTokenError::Request(e) if e.never_sent());
                    connect_failed.store(never, std::sync::atomic::Ordering::Relaxed);
                    token_error(e, LoginError::Refused)
                })
            })
            .await?;

        let id_token = response.id_token().ok_or(LoginError::InvalidIdToken("missing".into()))?;
        let nonce = Nonce::new(pending.nonce);
        let Person { subject, name: mut display_name } =
            self.verified_claims(&provider, id_token, &nonce).await.map_err(LoginError::InvalidIdToken)?;
        if display_name.is_none() {
            // Many providers give profile claims only through userinfo.
            display_name = self.userinfo_name(&provider, response.access_token().secret(), &subject).await;
        }

        {
            // Not while a refresh of an earlier session is saving its tokens (`access_token`).
            let _one = self.refreshing.lock().await;
            self.keep(store, &response, Some(subject.clone()), Some(nonce.secret().clone()))?;
        }
        // Someone has logged in with the form: the provider's own session may be used again.
        if let Err(error) = store.delete(FRESH_LOGIN_KEY.into()) {
            tracing::warn!(%error, "could not clear the fresh-login mark");
        }
        Ok(Account { subject, display_name: display_name.unwrap_or_default() })
    }

    /// The user's name from the userinfo endpoint (OIDC Core §5.3), read by the core rather than
    /// through openidconnect's userinfo request, whose generic code (signed answers, every
    /// standard claim) was some 20 KB of the shipped library for one name (issue 13). Only for
    /// the greeting: an answer that is not plain JSON, names another user (§5.3.2) or fails
    /// leaves it without a name.
    async fn userinfo_name(&self, provider: &Provider, token: &str, subject: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct UserInfo {
            sub: String,
            name: Option<String>,
        }
        use openidconnect::http::header::{ACCEPT, AUTHORIZATION};
        let endpoint = provider.userinfo_endpoint.as_ref()?;
        let request = openidconnect::http::Request::get(endpoint.as_str())
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(Vec::new())
            .ok()?;
        let info = match openidconnect::AsyncHttpClient::call(&self.client(), request).await {
            Ok(answer) if answer.status().is_success() => serde_json::from_slice::<UserInfo>(answer.body()).ok(),
            Ok(answer) => {
                tracing::warn!(status = answer.status().as_u16(), "userinfo refused; greeting without a name");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "userinfo failed; greeting without a name");
                None
            }
        }?;
        if info.sub != subject {
            tracing::warn!("userinfo names another user; greeting without a name");
            return None;
        }
        info.name
    }

    /// The user a refreshed ID token names, verified as at login — except that a refresh sends no
    /// nonce, so one is only compared when the token carries it (OIDC Core §12.2) — and required
    /// to be the session's user, or these tokens are someone else's.
    async fn refreshed_subject(
        &self,
        provider: &Provider,
        id_token: &CoreIdToken,
        session: &Tokens,
    ) -> Result<String, String> {
        let login_nonce = |nonce: Option<&Nonce>| match (nonce, session.nonce.as_deref()) {
            (Some(got), Some(ours)) if !bool::from(got.secret().as_bytes().ct_eq(ours.as_bytes())) => {
                Err("the ID token carries another login's nonce".to_owned())
            }
            _ => Ok(()),
        };
        let subject = self.verified_claims(provider, id_token, login_nonce).await?.subject;
        match session.subject.as_deref() {
            Some(session) if session != subject => Err("the ID token names another user".into()),
            _ => Ok(subject),
        }
    }

    fn keep(
        &self,
        store: &dyn SecureStore,
        response: &CoreTokenResponse,
        subject: Option<String>,
        nonce: Option<String>,
    ) -> Result<(), LoginError> {
        let previous = self.tokens(store)?;
        let (mut previous_refresh, previous_subject, previous_nonce, previous_id_token) =
            previous.map(|t| (t.refresh_token, t.subject, t.nonce, t.id_token)).unwrap_or_default();
        // Someone else's refresh token is never carried over to a new login.
        if subject.is_some() && previous_subject.is_some() && subject != previous_subject {
            previous_refresh = None;
        }
        let tokens = Tokens {
            access_token: response.access_token().secret().clone(),
            // A provider that does not rotate keeps the refresh token it gave before.
            refresh_token: response.refresh_token().map(|t| t.secret().clone()).or(previous_refresh),
            expires_at: now() + response.expires_in().map(|d| d.as_secs()).unwrap_or(300),
            subject: subject.or(previous_subject),
            // A refresh keeps the login's nonce; a login brings its own.
            nonce: nonce.or(previous_nonce),
            id_token: response.id_token().map(|t| t.to_string()).or(previous_id_token),
        };
        store.save(TOKENS_KEY.into(), serde_json::to_string(&tokens).expect("serialisable")).map_err(store_error)
    }

    fn tokens(&self, store: &dyn SecureStore) -> Result<Option<Tokens>, LoginError> {
        Ok(store.load(TOKENS_KEY.into()).map_err(store_error)?.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Whether tokens are kept (someone is logged in on this phone).
    pub fn has_session(&self, store: &dyn SecureStore) -> bool {
        matches!(self.tokens(store), Ok(Some(_)))
    }

    /// A usable access token, refreshed first when it is about to expire or `force_refresh` is
    /// set (the cloud just said it is no longer valid).
    pub async fn access_token(&self, store: &dyn SecureStore, force_refresh: bool) -> Result<String, LoginError> {
        let tokens = self.tokens(store)?.ok_or(LoginError::SessionEnded)?;
        if !force_refresh && tokens.expires_at > now() + REFRESH_MARGIN.as_secs() {
            return Ok(tokens.access_token);
        }
        let _one = self.refreshing.lock().await;
        // Refreshed by another call while this one waited: that token is the one to use.
        let refreshed = self.tokens(store)?.ok_or(LoginError::SessionEnded)?;
        if refreshed.access_token != tokens.access_token && refreshed.expires_at > now() + REFRESH_MARGIN.as_secs() {
            return Ok(refreshed.access_token);
        }
        let tokens = refreshed;
        let Some(refresh) = tokens.refresh_token.clone() else {
            // No refresh token (a provider may grant none): the access token is used until it
            // really expires — the margin is for refreshing early, not for ending early — and
            // then the user logs in again.
            return match !force_refresh && tokens.expires_at > now() {
                true => Ok(tokens.access_token),
                false => Err(LoginError::SessionEnded),
            };
        };
        let provider = self.provider().await?;
        // Retried like the API. A rotating provider may have spent the refresh token before its
        // answer was lost, but the app has no other token to send: the user's 「再試行」 would
        // send the same one, so retrying here adds no risk and spares the error screen.
        let refresh = RefreshToken::new(refresh);
        let response = self
            .retried(LoginError::verdict, || async {
                let request = provider
                    .client
                    .exchange_refresh_token(&refresh)
                    .map_err(|_| LoginError::Policy("no token endpoint"))?;
                request.request_async(&self.client()).await.map_err(|e| token_error(e, |_| LoginError::SessionEnded))
            })
            .await?;
        let subject = match response.id_token() {
            Some(id_token) => match self.refreshed_subject(&provider, id_token, &tokens).await {
                Ok(subject) => Some(subject),
                Err(reason) => {
                    // Tokens we cannot vouch for are not kept, and the rotation has already
                    // spent our refresh token: the session is over, as when a refresh is refused.
                    tracing::warn!(%reason, "refreshed ID token refused; the session ends");
                    if let Err(error) = store.delete(TOKENS_KEY.into()) {
                        tracing::error!(%error, "could not wipe the refused session");
                    }
                    return Err(LoginError::SessionEnded);
                }
            },
            None => None,
        };
        // Logged out (or someone else logged in) while the refresh was on its way: its tokens
        // belong to a session that has ended, and are not saved over what is there now.
        let now_kept = self.tokens(store)?;
        if now_kept.as_ref().and_then(|t| t.refresh_token.as_ref()) != tokens.refresh_token.as_ref() {
            tracing::info!("refreshed for a session that has ended: not kept");
            return Err(LoginError::SessionEnded);
        }
        tracing::info!("access token refreshed");
        self.keep(store, &response, subject, None)?;
        Ok(response.access_token().secret().clone())
    }

    /// Logs out: wipes every secret, revokes at the provider the token that keeps the session
    /// alive (the refresh token, or the access token when there is none — RFC 7009 with its
    /// `token_type_hint`), and returns the provider's logout page for the system browser, which
    /// ends the provider's own session there (OpenID Connect RP-Initiated Logout, with
    /// `id_token_hint`). Without that page the next login asks for the provider's form instead
    /// (`prompt=login`), so the next person on this phone is never silently the previous one.
    /// Revocation is best effort: being offline must not keep a user logged in.
    pub async fn sign_out(&self, store: &dyn SecureStore) -> Option<Url> {
        let tokens = {
            // A refresh on its way (a check run beside the user) saves first, and its tokens are
            // the ones revoked; none saves after the wipe.
            let _one = self.refreshing.lock().await;
            let tokens = self.tokens(store).ok().flatten();
            for key in [TOKENS_KEY, PENDING_KEY] {
                if let Err(error) = store.delete(key.into()) {
                    tracing::error!(%error, "could not wipe a secret");
                }
            }
            tokens
        };
        let provider = self.provider().await.ok();
        let logout_page = provider.as_ref().and_then(|p| self.logout_page(p, tokens.as_ref()));
        if logout_page.is_none() {
            if let Err(error) = store.save(FRESH_LOGIN_KEY.into(), "1".into()) {
                tracing::error!(%error, "could not mark the next login as fresh");
            }
        }
        if let (Some(provider), Some(tokens)) = (provider, tokens) {
            self.revoke(&provider, tokens).await;
        }
        logout_page
    }

    fn logout_page(&self, provider: &Provider, tokens: Option<&Tokens>) -> Option<Url> {
        let mut page = provider.end_session_endpoint.clone()?;
        let back = self.config.post_logout_redirect_uri.as_deref().unwrap_or(&self.config.redirect_uri);
        {
            let mut query = page.query_pairs_mut();
            query.append_pair("client_id", &self.config.client_id).append_pair("post_logout_redirect_uri", back);
            if let Some(hint) = tokens.and_then(|t| t.id_token.as_deref()) {
                query.append_pair("id_token_hint", hint);
            }
        }
        Some(page)
    }

    async fn revoke(&self, provider: &Provider, tokens: Tokens) {
        let Some(endpoint) = provider.revocation_endpoint.clone() else { return };
        let (token, hint) = match tokens.refresh_token {
            Some(refresh) => (refresh, "refresh_token"),
            None => (tokens.access_token, "access_token"),
        };
        let form =
            [("token", token.as_str()), ("token_type_hint", hint), ("client_id", self.config.client_id.as_str())];
        // Revoking twice is harmless (RFC 7009 §2.2: an invalid token is answered 200), so a
        // busy provider is asked again like any other.
        let revoked = self
            .retried(LoginError::verdict, || async {
                let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
                let request = openidconnect::http::Request::post(endpoint.as_str())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body.into_bytes())
                    .map_err(|e| LoginError::Provider(e.to_string()))?;
                match openidconnect::AsyncHttpClient::call(&self.client(), request).await {
                    Ok(response) if response.status().is_success() => Ok(()),
                    Ok(response) => Err(LoginError::Refused(response.status().to_string())),
                    Err(error) => Err(request_failed(&error)),
                }
            })
            .await;
        match revoked {
            Ok(()) => tracing::info!(hint, "token revoked"),
            Err(error) => tracing::warn!(%error, "revocation failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::secure::MemorySecureStore;

    fn login() -> Login {
        let config = LoginConfig::new("https://id.example.jp", "app", "jp.co.panasonic.smarthems:/oauth2redirect");
        Login::new(config, reqwest::Client::new()).unwrap()
    }

    fn kept_tokens(refresh_token: Option<&str>, expires_in: i64) -> Tokens {
        Tokens {
            access_token: "at".into(),
            refresh_token: refresh_token.map(Into::into),
            expires_at: (now() as i64 + expires_in) as u64,
            subject: Some("taro".into()),
            nonce: None,
            id_token: None,
        }
    }

    fn kept(store: &MemorySecureStore, refresh_token: Option<&str>, expires_in: i64) {
        let tokens = kept_tokens(refresh_token, expires_in);
        store.save(TOKENS_KEY.into(), serde_json::to_string(&tokens).unwrap()).unwrap();
    }

    /// Without a refresh token, an access token inside the refresh margin (or one of 60 s or less
    /// from the start) is still used; only a token that has really expired ends the session.
    #[tokio::test]
    async fn an_access_token_without_a_refresh_token_is_used_until_it_expires() {
        let login = login();
        // (seconds left, asked to refresh after a 401, expected)
        for (left, forced, usable) in
            [(30, false, true), (59, false, true), (3600, false, true), (-1, false, false), (30, true, false)]
        {
            let store = MemorySecureStore::default();
            kept(&store, None, left);
            let result = login.access_token(&store, forced).await;
            assert_eq!(result.is_ok(), usable, "{left} s left, forced {forced}: {result:?}");
            if !usable {
                assert!(matches!(result, Err(LoginError::SessionEnded)), "{result:?}");
            }
        }
    }

    /// A login the phone can no longer read (its key is gone) means logging in again, not
    /// "check your connection".
    #[test]
    fn a_lost_key_asks_for_a_new_login() {
        let lost = store_error(SecureStoreError::Lost { reason: "KeyPermanentlyInvalidatedException".into() });
        assert_eq!(Failure::from(&lost), Failure::SessionExpired);
        let unavailable = store_error(SecureStoreError::Unavailable { reason: "locked".into() });
        assert_eq!(Failure::from(&unavailable), Failure::ServiceTrouble);
    }

    /// A provider on loopback answering each request with the next of `bodies` (discovery first,
    /// with `{issuer}` replaced): its issuer, and the requests it got as text.
    async fn provider_answering(bodies: Vec<String>) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let (seen, requests) = tokio::sync::mpsc::unbounded_channel();
        let base = issuer.clone();
        tokio::spawn(async move {
            for body in bodies {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let mut request = vec![0u8; 16384];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let _ = seen.send(String::from_utf8_lossy(&request[..n]).into_owned());
                let body = body.replace("{issuer}", &base);
                let head = format!(
                    // Not kept for the process: another test's provider may get this port later.
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: \
                     {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all([head.into_bytes(), body.into_bytes()].concat().as_slice()).await;
            }
        });
        (issuer, requests)
    }

    fn discovery(extra: serde_json::Value) -> String {
        let mut document = serde_json::json!({
            "issuer": "{issuer}",
            "authorization_endpoint": "{issuer}/authorize",
            "token_endpoint": "{issuer}/token",
            "jwks_uri": "{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        document.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        document.to_string()
    }

    /// A provider whose discovery names any endpoint outside the https rule (userinfo included:
    /// the access token goes there; the logout page: the ID token goes there) is refused before
    /// a login page opens.
    #[tokio::test]
    async fn every_endpoint_of_the_provider_must_be_https() {
        for extra in [
            serde_json::json!({"userinfo_endpoint": "http://userinfo.example.net/me"}),
            serde_json::json!({"end_session_endpoint": "http://id.example.net/logout"}),
        ] {
            let (issuer, _) = provider_answering(vec![discovery(extra), r#"{"keys":[]}"#.into()]).await;
            let config = LoginConfig::new(&issuer, "app", "jp.co.panasonic.smarthems:/oauth2redirect");
            let login = Login::new(config, reqwest::Client::new()).unwrap();
            let result = login.begin(&MemorySecureStore::default(), false).await;
            assert!(matches!(result, Err(LoginError::Policy(_))), "{result:?}");
        }
    }

    /// The greeting's name from userinfo counts only in a plain JSON answer about the user the ID
    /// token named (OIDC Core §5.3.2), fetched with the access token as a bearer token.
    #[tokio::test]
    async fn the_userinfo_name_counts_only_for_the_same_user() {
        for (answer, name) in [
            (r#"{"sub":"taro","name":"山田太郎"}"#, Some("山田太郎")),
            (r#"{"sub":"jiro","name":"山田次郎"}"#, None),
            (r#"{"sub":"taro"}"#, None),
            ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0YXJvIiwibmFtZSI6InguIn0.", None),
        ] {
            let document = discovery(serde_json::json!({"userinfo_endpoint": "{issuer}/userinfo"}));
            let (issuer, mut requests) =
                provider_answering(vec![document, r#"{"keys":[]}"#.into(), answer.into()]).await;
            let config = LoginConfig::new(&issuer, "app", "jp.co.panasonic.smarthems:/oauth2redirect");
            let login = Login::new(config, reqwest::Client::new()).unwrap();
            let provider = login.provider().await.unwrap();
            assert_eq!(login.userinfo_name(&provider, "at", "taro").await.as_deref(), name, "{answer}");
            let sent = [requests.recv().await, requests.recv().await, requests.recv().await].map(Option::unwrap);
            assert!(sent[2].starts_with("GET /userinfo"), "{}", sent[2]);
            assert!(sent[2].to_ascii_lowercase().contains("authorization: bearer at\r\n"), "{}", sent[2]);
        }
    }

    /// A provider whose certificate the phone does not trust is told as such at the first step
    /// (discovery), not as being offline.
    #[tokio::test]
    async fn an_untrusted_provider_is_told_as_such() {
        let addr = crate::runtime::cloud::answer_tests::untrusted_tls_server();
        let config = LoginConfig::new(&format!("https://{addr}"), "app", "jp.co.panasonic.smarthems:/oauth2redirect");
        let login = Login::new(config, net::client()).unwrap();
        let result = login.begin(&MemorySecureStore::default(), false).await;
        assert!(matches!(result, Err(LoginError::Untrusted(_))), "{result:?}");
        assert_eq!(Failure::from(&result.unwrap_err()), Failure::Untrusted);
    }

    /// Refresh tokens are asked for as OpenID Connect Core §11 says (offline_access with
    /// prompt=consent) unless configured otherwise.
    #[tokio::test]
    async fn offline_access_is_asked_with_prompt_consent() {
        for (with_consent, prompt) in [(true, Some("consent")), (false, None)] {
            let (issuer, _) = provider_answering(vec![discovery(serde_json::json!({})), r#"{"keys":[]}"#.into()]).await;
            let config = LoginConfig {
                offline_access_with_consent: with_consent,
                ..LoginConfig::new(&issuer, "app", "jp.co.panasonic.smarthems:/oauth2redirect")
            };
            let login = Login::new(config, reqwest::Client::new()).unwrap();
            let url = login.begin(&MemorySecureStore::default(), false).await.unwrap();
            let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
            assert!(param("scope").unwrap().split(' ').any(|s| s == "offline_access"));
            assert_eq!(param("prompt").as_deref(), prompt);
        }
    }

    /// Logout without a refresh token revokes the access token (RFC 7009, with its hint); with no
    /// logout page at the provider, the next login asks for the provider's form (prompt=login),
    /// until someone has logged in with it.
    #[tokio::test]
    async fn logout_without_a_logout_page_revokes_the_access_token_and_asks_for_the_form_next() {
        let document = discovery(serde_json::json!({"revocation_endpoint": "{issuer}/revoke"}));
        let (issuer, mut requests) = provider_answering(vec![document, r#"{"keys":[]}"#.into(), String::new()]).await;
        let config = LoginConfig::new(&issuer, "app", "jp.co.panasonic.smarthems:/oauth2redirect");
        let login = Login::new(config, reqwest::Client::new()).unwrap();
        let store = MemorySecureStore::default();
        kept(&store, None, 3600);
        assert_eq!(login.sign_out(&store).await, None, "no logout page to open");
        let revocation = [requests.recv().await, requests.recv().await, requests.recv().await].map(Option::unwrap);
        assert!(revocation[2].starts_with("POST /revoke"), "{}", revocation[2]);
        assert!(revocation[2].contains("token=at&token_type_hint=access_token"), "{}", revocation[2]);
        let url = login.begin(&store, false).await.unwrap();
        assert!(url.query_pairs().any(|(k, v)| k == "prompt" && v.split(' ').any(|p| p == "login")), "{url}");
    }

    /// With a logout page, logout hands it to the browser with the ID token as a hint and the
    /// app's address to come back to; the next login needs no prompt=login.
    #[tokio::test]
    async fn logout_opens_the_providers_logout_page() {
        let document = discovery(serde_json::json!({"end_session_endpoint": "{issuer}/logout"}));
        let (issuer, _) = provider_answering(vec![document, r#"{"keys":[]}"#.into()]).await;
        let config = LoginConfig::new(&issuer, "app", "jp.co.panasonic.smarthems:/oauth2redirect");
        let login = Login::new(config, reqwest::Client::new()).unwrap();
        let store = MemorySecureStore::default();
        let tokens = Tokens { id_token: Some("id.token.jwt".into()), ..kept_tokens(Some("rt"), 3600) };
        store.save(TOKENS_KEY.into(), serde_json::to_string(&tokens).unwrap()).unwrap();
        let page = login.sign_out(&store).await.expect("the provider's logout page");
        assert_eq!(page.path(), "/logout");
        let param = |name: &str| page.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        assert_eq!(param("id_token_hint").as_deref(), Some("id.token.jwt"));
        assert_eq!(param("post_logout_redirect_uri").as_deref(), Some("jp.co.panasonic.smarthems:/oauth2redirect"));
        assert_eq!(param("client_id").as_deref(), Some("app"));
        assert!(store.values().is_empty(), "every secret wiped, no fresh-login mark needed");
    }
}
