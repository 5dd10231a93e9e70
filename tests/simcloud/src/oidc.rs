//! CLUB Panasonic ID as an OpenID Connect provider (`/oidc/...`): discovery, JWKS, the
//! authorization endpoint with its login page, the token, revocation and userinfo endpoints.
//!
//! Only what a public native client with PKCE needs (RFC 8252, RFC 7636): one registered client,
//! no client secrets, S256 only. The checks are the ones a real provider makes, because the point
//! of the simulation is to catch an app that gets them wrong.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;

use crate::api::TokenSubject;
use crate::keys::{self, IdTokenFacts};
use crate::server::Cloud;
use crate::state::{AuthRequest, Grant, Login, Tokens};
use crate::{pages, wire};

pub(crate) const CLIENT_ID: &str = "smarthems-app";
pub(crate) const REDIRECT_URI: &str = "jp.co.panasonic.smarthems:/oauth2redirect";
/// Google Home's account-linking client (DESIGN.md: Google's redirect, the sandbox host for tests).
pub(crate) const GOOGLE_CLIENT_ID: &str = "google-home";
pub(crate) const GOOGLE_REDIRECT_URI: &str = "https://oauth-redirect-sandbox.googleusercontent.com/r/smarthems-sim";
/// Google's App Flip redirect for this app (`/a/<bundle id>`).
pub(crate) const GOOGLE_APP_FLIP_REDIRECT_URI: &str =
    "https://oauth-redirect-sandbox.googleusercontent.com/a/jp.co.panasonic.smarthems";

/// Whether `uri` is registered for `client_id`: the app's own redirects, or exactly Google's.
fn client_redirect_ok(client_id: &str, uri: &str) -> bool {
    match client_id {
        CLIENT_ID => redirect_uri_registered(uri),
        GOOGLE_CLIENT_ID => uri == GOOGLE_REDIRECT_URI,
        _ => false,
    }
}

fn known_client(client_id: Option<&str>) -> bool {
    matches!(client_id, Some(CLIENT_ID | GOOGLE_CLIENT_ID))
}
pub(crate) const SSO_COOKIE: &str = "clubp_sso";

pub(crate) fn router() -> Router<Arc<Cloud>> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/login", get(login_page).post(login))
        .route("/cancel", get(cancel))
        .route("/consent", axum::routing::post(consent))
        .merge(crate::registration::router())
        .route("/token", axum::routing::post(token))
        .route("/revoke", axum::routing::post(revoke))
        .route("/logout", get(logout))
        .route("/userinfo", get(userinfo).post(userinfo))
}

/// A provider's answer with the `Cache-Control` the test asked for (`set_oidc_cache_control`).
fn cacheable<T: serde::Serialize>(cloud: &Cloud, body: T) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = Json(body).into_response();
    let control = cloud.world().oidc_cache_control.clone();
    if let Some(value) = control.and_then(|v| axum::http::HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(axum::http::header::CACHE_CONTROL, value);
    }
    response
}

async fn discovery(State(cloud): State<Arc<Cloud>>) -> axum::response::Response {
    let issuer = cloud.issuer();
    cacheable(
        &cloud,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "revocation_endpoint": format!("{issuer}/revoke"),
            "end_session_endpoint": format!("{issuer}/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": ["iss", "aud", "sub", "exp", "iat", "auth_time", "nonce", "name", "email"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": true,
            "prompt_values_supported": ["none", "login", "consent", "create"],
            "ui_locales_supported": ["ja-JP"],
        }),
    )
}

async fn jwks(State(cloud): State<Arc<Cloud>>) -> axum::response::Response {
    let rotated = cloud.world().key_rotated;
    cacheable(&cloud, keys::jwks(rotated))
}

/// RFC 8252: the app's private-use scheme must match exactly; a loopback redirect may use any
/// port (and path), because desktop-style test clients pick a free port at run time.
fn redirect_uri_registered(uri: &str) -> bool {
    if uri == REDIRECT_URI {
        return true;
    }
    Url::parse(uri).is_ok_and(|url| {
        url.scheme() == "http"
            && url.host_str() == Some("127.0.0.1")
            && url.username().is_empty()
            && url.password().is_none()
            && url.fragment().is_none()
    })
}

/// RFC 7636 §4.1/4.2: 43–128 characters of the unreserved set.
fn pkce_value_ok(value: &str) -> bool {
    (43..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    pkce_value_ok(verifier) && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

const BAD_REDIRECT: &str = "リダイレクトURIが正しくありません。";

/// Where an authorization answer goes: the validated redirect URI, with `state` and `iss` (RFC
/// 9207) appended to whatever the answer carries.
struct Reply<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    issuer: String,
}

impl Reply<'_> {
    fn send(&self, status: StatusCode, pairs: &[(&str, &str)]) -> Response {
        let Ok(mut url) = Url::parse(self.redirect_uri) else {
            return pages::error(StatusCode::BAD_REQUEST, BAD_REDIRECT);
        };
        {
            let mut query = url.query_pairs_mut();
            query.extend_pairs(pairs);
            if let Some(state) = self.state {
                query.append_pair("state", state);
            }
            query.append_pair("iss", &self.issuer);
        }
        let Ok(location) = HeaderValue::from_str(url.as_str()) else {
            return pages::error(StatusCode::BAD_REQUEST, BAD_REDIRECT);
        };
        (status, [(header::LOCATION, location), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))])
            .into_response()
    }

    fn error(&self, error: &str, description: &str) -> Response {
        self.send(StatusCode::FOUND, &[("error", error), ("error_description", description)])
    }
}

fn sso_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SSO_COOKIE)
        .map(|(_, value)| value)
}

async fn authorize(State(cloud): State<Arc<Cloud>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let params = match wire::params(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(_) => return pages::error(StatusCode::BAD_REQUEST, "リクエストが正しくありません。"),
    };
    let param = |name: &str| params.get(name).map(String::as_str);

    // Until client and redirect URI are known to be genuine, nothing may be sent to the redirect
    // URI (RFC 6749 §4.1.2.1): the person sees an error page instead.
    if !known_client(param("client_id")) {
        tracing::info!("authorize refused: unknown client");
        return pages::error(StatusCode::BAD_REQUEST, "このアプリからはログインできません（不明なクライアント）。");
    }
    let client_id = param("client_id").unwrap_or_default();
    let Some(redirect_uri) = param("redirect_uri").filter(|uri| client_redirect_ok(client_id, uri)) else {
        tracing::info!("authorize refused: unregistered redirect_uri");
        return pages::error(
            StatusCode::BAD_REQUEST,
            "このアプリからはログインできません（未登録のリダイレクトURI）。",
        );
    };
    let reply = Reply { redirect_uri, state: param("state"), issuer: cloud.issuer() };

    let request = match check_authorization_request(&params) {
        Ok(request) => request,
        Err((error, description)) => {
            tracing::info!(error, "authorize refused");
            return reply.error(error, description);
        }
    };
    let prompts: Vec<&str> = param("prompt").unwrap_or_default().split_whitespace().collect();
    if let Some(unknown) = prompts.iter().find(|p| !["none", "login", "consent", "create"].contains(p)) {
        tracing::info!(prompt = unknown, "authorize refused: unsupported prompt");
        return reply.error("invalid_request", "unsupported prompt value");
    }
    if prompts.contains(&"none") && prompts.len() > 1 {
        return reply.error("invalid_request", "prompt=none cannot be combined");
    }

    let mut world = cloud.world();
    let session = sso_cookie(&headers).and_then(|id| world.session(id));
    // `login` and `create` always want the form; `consent` has nothing to ask here (the app asks
    // for its terms itself), so it behaves like no prompt.
    let wants_form = prompts.iter().any(|p| *p == "login" || *p == "create");
    match session {
        // A third party (Google) always asks the person's consent, even with a session (step 20).
        Some(login) if !wants_form && request.client_id == GOOGLE_CLIENT_ID => {
            let interaction = world.begin_interaction(request);
            consent_page(&world, &interaction, &login.subject, None)
        }
        Some(login) if !wants_form => {
            tracing::info!("authorize: SSO session, redirecting back");
            let code = world.issue_code(request, login);
            reply.send(StatusCode::FOUND, &[("code", &code)])
        }
        None if prompts.contains(&"none") => reply.error("login_required", "no CLUB Panasonic session"),
        _ if prompts.contains(&"create") => {
            let interaction = world.begin_interaction(request);
            pages::register(&interaction, "", None)
        }
        _ => {
            let interaction = world.begin_interaction(request);
            pages::login(&interaction, "", None)
        }
    }
}

/// The checks that are reported back to the app by redirect, as `(error, error_description)`.
fn check_authorization_request(params: &HashMap<String, String>) -> Result<AuthRequest, (&'static str, &'static str)> {
    let param = |name: &str| params.get(name).map(String::as_str);
    match param("response_type") {
        Some("code") => {}
        Some(_) => return Err(("unsupported_response_type", "only response_type=code is supported")),
        None => return Err(("invalid_request", "response_type is required")),
    }
    if !param("scope").unwrap_or_default().split_whitespace().any(|s| s == "openid") {
        return Err(("invalid_scope", "scope must contain openid"));
    }
    let Some(code_challenge) = param("code_challenge") else {
        return Err(("invalid_request", "code_challenge is required (PKCE)"));
    };
    if param("code_challenge_method") != Some("S256") {
        return Err(("invalid_request", "code_challenge_method must be S256"));
    }
    if !pkce_value_ok(code_challenge) {
        return Err(("invalid_request", "malformed code_challenge"));
    }
    Ok(AuthRequest {
        client_id: param("client_id").unwrap_or(CLIENT_ID).into(),
        redirect_uri: param("redirect_uri").unwrap_or_default().into(),
        state: param("state").map(str::to_owned),
        nonce: param("nonce").map(str::to_owned),
        code_challenge: code_challenge.into(),
        speaker_user: None,
    })
}

const EXPIRED_PAGE: &str = "ログイン画面の有効期限が切れました。アプリからもう一度ログインしてください。";

/// The 新規登録 page's ログイン tab: the login form again, for the same authorization.
async fn login_page(State(cloud): State<Arc<Cloud>>, RawQuery(query): RawQuery) -> Response {
    let params = wire::params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let interaction = params.get("interaction").map(String::as_str).unwrap_or_default();
    if cloud.world().interaction(interaction).is_none() {
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED_PAGE);
    }
    pages::login(interaction, "", None)
}

async fn login(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let Ok(form) = wire::params(&body) else {
        return pages::error(StatusCode::BAD_REQUEST, "リクエストが正しくありません。");
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let interaction = field("interaction");

    let mut world = cloud.world();
    if world.interaction(interaction).is_none() {
        tracing::info!("login refused: unknown or expired interaction");
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED_PAGE);
    }
    let Some(subject) = world.check_password(field("email"), field("password")) else {
        tracing::info!("login refused: wrong credentials");
        return pages::login(interaction, field("email"), Some(pages::WRONG_CREDENTIALS));
    };
    let Some(request) = world.take_interaction(interaction) else {
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED_PAGE);
    };
    let login = Login { subject, auth_time: Utc::now() };
    let session = world.open_session(login.clone());
    let mut response = if request.client_id == GOOGLE_CLIENT_ID {
        // Logged in for Google: ask for consent next (step 20), with the new session's cookie.
        let interaction = world.begin_interaction(request);
        let page = consent_page(&world, &interaction, &login.subject, None);
        drop(world);
        page
    } else {
        let code = world.issue_code(request.clone(), login);
        drop(world);
        tracing::info!("login succeeded, redirecting back with a code");
        let reply =
            Reply { redirect_uri: &request.redirect_uri, state: request.state.as_deref(), issuer: cloud.issuer() };
        reply.send(StatusCode::SEE_OTHER, &[("code", &code)])
    };
    let cookie = format!("{SSO_COOKIE}={session}; Path=/oidc; HttpOnly; SameSite=Lax");
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn cancel(State(cloud): State<Arc<Cloud>>, RawQuery(query): RawQuery) -> Response {
    let params = wire::params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let interaction = params.get("interaction").map(String::as_str).unwrap_or_default();
    let Some(request) = cloud.world().take_interaction(interaction) else {
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED_PAGE);
    };
    tracing::info!("login cancelled by the user");
    let reply = Reply { redirect_uri: &request.redirect_uri, state: request.state.as_deref(), issuer: cloud.issuer() };
    reply.error("access_denied", "The user cancelled the login.")
}

/// The consent page asks whose speaker this link is for when the ID has several.
const CHOOSE_NICKNAME: &str = "連携するニックネームを選んでください。";

/// Linking before registering in the app (flow B step 17, C step 24) links nothing.
const NOTHING_REGISTERED: &str =
    "スマートスピーカー連携サービスが登録されていません。先にスマートHEMSサービスアプリでニックネームと機器を登録してください。";

/// The speaker users registered under the account: (id, nickname), by nickname.
fn speaker_users(world: &crate::state::World, subject: &str) -> Vec<(String, String)> {
    let Some(email) = world.user(subject).map(|u| u.email.clone()) else { return Vec::new() };
    world.speaker.registrations(&email).into_iter().map(|r| (r.speaker_user, r.nickname)).collect()
}

/// Step 20's consent page for the logged-in account.
pub(crate) fn consent_page(
    world: &crate::state::World,
    interaction: &str,
    subject: &str,
    problem: Option<&str>,
) -> Response {
    let choices = speaker_users(world, subject);
    let problem = problem.or(choices.is_empty().then_some(NOTHING_REGISTERED));
    pages::consent(interaction, &choices, problem)
}

/// The consent page's 「許可」 or 「キャンセル」 (for Google Home's link).
async fn consent(State(cloud): State<Arc<Cloud>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = wire::params(&body).unwrap_or_default();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut world = cloud.world();
    let login = sso_cookie(&headers).and_then(|id| world.session(id));
    let Some(request) = world.take_interaction(field("interaction")) else {
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED_PAGE);
    };
    let reply = Reply { redirect_uri: &request.redirect_uri, state: request.state.as_deref(), issuer: cloud.issuer() };
    match (field("decision"), login) {
        ("allow", Some(login)) => {
            // The link serves one registered speaker user: the only one, or the one chosen (only
            // this account's registrations are choices). Nothing registered: nothing to link.
            let choices = speaker_users(&world, &login.subject);
            let chosen = match choices.as_slice() {
                [] => Err(NOTHING_REGISTERED),
                [(only, _)] => Ok(only.clone()),
                _ => choices
                    .iter()
                    .find(|(id, _)| id == field("speaker_user"))
                    .map(|(id, _)| id.clone())
                    .ok_or(CHOOSE_NICKNAME),
            };
            let chosen = match chosen {
                Ok(chosen) => chosen,
                Err(problem) => {
                    let interaction = world.begin_interaction(request);
                    return consent_page(&world, &interaction, &login.subject, Some(problem));
                }
            };
            let request = AuthRequest { speaker_user: Some(chosen), ..request.clone() };
            let code = world.issue_code(request, login);
            drop(world);
            tracing::info!("consent given");
            reply.send(StatusCode::SEE_OTHER, &[("code", &code)])
        }
        ("allow", None) => {
            drop(world);
            reply.error("login_required", "the session ended before consent")
        }
        _ => {
            drop(world);
            reply.error("access_denied", "The user did not allow the link.")
        }
    }
}

/// OAuth token-endpoint error. The body is exactly `{"error":…}` (the contract's shape); the
/// reason goes to the log instead of `error_description`.
fn token_error(status: StatusCode, error: &str, reason: &str) -> Response {
    tracing::info!(error, reason, "token request refused");
    let mut response = wire::error(status, error);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn token(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let Ok(form) = wire::params(&body) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "repeated parameter");
    };
    let field = |name: &str| form.get(name).map(String::as_str);
    // A public client authenticates by naming itself; anything else is not this client.
    if !known_client(field("client_id")) {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "missing or unknown client_id");
    }
    match field("grant_type") {
        Some("authorization_code") => exchange_code(&cloud, &form),
        Some("refresh_token") => refresh(&cloud, &form),
        Some(_) => token_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant type"),
        None => token_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type missing"),
    }
}

fn exchange_code(cloud: &Cloud, form: &HashMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str);
    // App Flip codes are issued to Google without PKCE (the app vouched for the user instead);
    // every other code needs its verifier.
    let (Some(code), Some(redirect_uri)) = (field("code"), field("redirect_uri")) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "code and redirect_uri are required");
    };
    let verifier = match field("code_verifier") {
        Some(verifier) => verifier,
        None if field("client_id") == Some(GOOGLE_CLIENT_ID) => "",
        None => return token_error(StatusCode::BAD_REQUEST, "invalid_request", "code_verifier is required (PKCE)"),
    };
    let mut world = cloud.world();
    let Some((request, login)) = world.take_code(code) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown, used or expired code");
    };
    if Some(request.client_id.as_str()) != field("client_id") {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "the code was issued to another client");
    }
    if request.redirect_uri != redirect_uri {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri differs from the authorization request",
        );
    }
    let app_flip = request.code_challenge.is_empty() && request.client_id == GOOGLE_CLIENT_ID;
    if !app_flip && !pkce_matches(verifier, &request.code_challenge) {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "code_verifier does not match the challenge");
    }
    world.token_exchanges += 1;
    let (grant, tokens) = world.start_grant(request, login);
    drop(world);
    tracing::info!("authorization code exchanged");
    token_response(cloud, &grant, tokens)
}

fn refresh(cloud: &Cloud, form: &HashMap<String, String>) -> Response {
    let Some(refresh_token) = form.get("refresh_token") else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token missing");
    };
    let client_id = form.get("client_id").map(String::as_str).unwrap_or_default();
    let Some((grant, tokens)) = cloud.world().rotate_refresh_token(refresh_token, client_id) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown, rotated or revoked refresh token");
    };
    tracing::info!("refresh token rotated");
    token_response(cloud, &grant, tokens)
}

/// A refreshed ID token keeps the original `auth_time` (OIDC Core §12.2) and, so that a client
/// checking it against the nonce it logged in with still succeeds, the original `nonce`.
fn token_response(cloud: &Cloud, grant: &Grant, tokens: Tokens) -> Response {
    let facts = IdTokenFacts {
        client_id: &grant.client_id,
        subject: &grant.login.subject,
        nonce: grant.nonce.as_deref(),
        auth_time: grant.login.auth_time,
    };
    let (fault, rotated) = {
        let mut world = cloud.world();
        (world.take_id_token_fault(), world.key_rotated)
    };
    if let Some(fault) = fault {
        tracing::info!(?fault, "minting a broken ID token (test switch)");
    }
    let id_token = match keys::id_token(&cloud.issuer(), facts, fault, rotated) {
        Ok(id_token) => id_token,
        Err(reason) => {
            tracing::error!(%reason, "cannot sign an ID token");
            return token_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "signing failed");
        }
    };
    let body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "refresh_token": tokens.refresh_token,
        "id_token": id_token,
    });
    ([(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body)).into_response()
}

/// OpenID Connect RP-Initiated Logout: ends the browser's session (its SSO cookie) and sends it
/// back to the client's registered `post_logout_redirect_uri` (with `state`), or shows that the
/// person is logged out. Nothing goes to an address not registered for the client.
async fn logout(State(cloud): State<Arc<Cloud>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Ok(params) = wire::params(query.unwrap_or_default().as_bytes()) else {
        return pages::error(StatusCode::BAD_REQUEST, "リクエストが正しくありません。");
    };
    let param = |name: &str| params.get(name).map(String::as_str);
    let back = match (param("client_id"), param("post_logout_redirect_uri")) {
        (_, None) => None,
        (Some(client), Some(uri)) if client_redirect_ok(client, uri) => Some(uri),
        _ => {
            tracing::info!("logout refused: unregistered post_logout_redirect_uri");
            return pages::error(StatusCode::BAD_REQUEST, "このアプリからはログアウトできません（未登録の戻り先）。");
        }
    };
    if let Some(id) = sso_cookie(&headers) {
        cloud.world().end_session(id);
    }
    tracing::info!("logged out of CLUB Panasonic");
    let mut response = match back.and_then(|uri| Url::parse(uri).ok()) {
        Some(mut url) => {
            if let Some(state) = param("state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            match HeaderValue::from_str(url.as_str()) {
                Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
                Err(_) => pages::error(StatusCode::BAD_REQUEST, BAD_REDIRECT),
            }
        }
        None => pages::error(StatusCode::OK, "CLUB Panasonicからログアウトしました。"),
    };
    let expired = format!("{SSO_COOKIE}=; Path=/oidc; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(cookie) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// RFC 7009: unknown tokens are not an error (the client's goal, a dead token, is reached).
async fn revoke(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let Ok(form) = wire::params(&body) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "repeated parameter");
    };
    let Some(token) = form.get("token") else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "token missing");
    };
    cloud.world().revoke(token);
    tracing::info!("token revoked");
    StatusCode::OK.into_response()
}

async fn userinfo(State(cloud): State<Arc<Cloud>>, TokenSubject(subject): TokenSubject) -> Response {
    let world = cloud.world();
    match world.user(&subject) {
        Some(user) => {
            Json(json!({ "sub": user.subject, "name": user.display_name, "email": user.email })).into_response()
        }
        None => wire::invalid_token(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_redirect_uris() {
        let cases = [
            (REDIRECT_URI, true),
            ("http://127.0.0.1:49152/callback", true),
            ("http://127.0.0.1/cb", true),
            ("jp.co.panasonic.smarthems:/oauth2redirect/x", false),
            ("jp.co.panasonic.smarthems://oauth2redirect", false),
            ("https://127.0.0.1:49152/callback", false),
            ("http://localhost:49152/callback", false),
            ("http://127.0.0.1:49152/cb#fragment", false),
            ("http://user@127.0.0.1:49152/cb", false),
            ("not a url", false),
        ];
        for (uri, registered) in cases {
            assert_eq!(redirect_uri_registered(uri), registered, "{uri}");
        }
    }

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(challenge, challenge));
        assert!(!pkce_matches("short", challenge));
    }
}
