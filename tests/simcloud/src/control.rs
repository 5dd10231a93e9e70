//! The test-control API (`/_sim/...`), served on its own side port so that a test can bring the
//! main port back online after taking it offline. Every operation of the Rust handle is here for
//! tests written in other languages (the phone shells' UI tests).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::server::{self, Cloud};
use crate::wire::{self, JsonBody};

pub(crate) fn router(cloud: Arc<Cloud>) -> Router {
    let sim = Router::new()
        .route("/fail", post(fail))
        .route("/offline", post(offline))
        .route("/online", post(online))
        .route("/terms/app", post(publish_app_terms))
        .route("/app-config", get(app_config).post(patch_app_config))
        .route("/expire-access-tokens", post(expire_access_tokens))
        .route("/revoke-refresh-tokens", post(revoke_refresh_tokens))
        .route("/access-token-ttl", post(access_token_ttl))
        .route("/id-token-fault", post(id_token_fault))
        .route("/users", post(add_user))
        .route("/requests", get(requests))
        .route("/token-exchanges", get(token_exchanges))
        .route("/app-consent", get(app_consent))
        .route("/google/link", post(google_link))
        .route("/google/unlink", post(google_unlink))
        .route("/google/linking-fails", post(google_linking_fails))
        .route("/google/app-on-phone", post(google_app_on_phone))
        .route("/google/say", post(google_say))
        .route("/aiseg/devices", get(aiseg_devices))
        .route("/aiseg/panel-link", post(panel_link))
        .route("/speaker-registration", get(speaker_registration));
    Router::new()
        .nest("/_sim", sim)
        .fallback(|| async { wire::error(StatusCode::NOT_FOUND, "not_found") })
        .with_state(cloud)
}

#[derive(Deserialize)]
struct Fail {
    path_prefix: String,
    status: u16,
    times: u32,
    /// Seconds sent as `Retry-After` with each faked answer.
    #[serde(default)]
    retry_after: Option<u64>,
}

async fn fail(State(cloud): State<Arc<Cloud>>, JsonBody(fail): JsonBody<Fail>) -> Response {
    if StatusCode::from_u16(fail.status).is_err() {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_status");
    }
    cloud.world().fail_next(&fail.path_prefix, fail.status, fail.times, fail.retry_after);
    StatusCode::NO_CONTENT.into_response()
}

async fn offline(State(cloud): State<Arc<Cloud>>) -> StatusCode {
    server::go_offline(&cloud).await;
    StatusCode::NO_CONTENT
}

async fn online(State(cloud): State<Arc<Cloud>>) -> Response {
    match server::go_online(&cloud).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot re-bind the main port");
            wire::error(StatusCode::INTERNAL_SERVER_ERROR, "rebind_failed")
        }
    }
}

#[derive(Deserialize)]
struct Terms {
    version: String,
    body: String,
    title: Option<String>,
}

async fn publish_app_terms(State(cloud): State<Arc<Cloud>>, JsonBody(terms): JsonBody<Terms>) -> StatusCode {
    cloud.world().publish_app_terms(&terms.version, terms.title.as_deref(), &terms.body);
    StatusCode::NO_CONTENT
}

async fn app_config(State(cloud): State<Arc<Cloud>>) -> Json<serde_json::Value> {
    Json(cloud.world().app_config.clone())
}

/// A JSON merge patch (RFC 7396) of the app config; it must be an object, so that the document
/// stays one.
async fn patch_app_config(State(cloud): State<Arc<Cloud>>, JsonBody(patch): JsonBody<serde_json::Value>) -> Response {
    if !patch.is_object() {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    crate::api::merge_patch(&mut cloud.world().app_config, &patch);
    StatusCode::NO_CONTENT.into_response()
}

async fn expire_access_tokens(State(cloud): State<Arc<Cloud>>) -> StatusCode {
    cloud.world().expire_access_tokens();
    StatusCode::NO_CONTENT
}

async fn revoke_refresh_tokens(State(cloud): State<Arc<Cloud>>) -> StatusCode {
    cloud.world().revoke_refresh_tokens();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Ttl {
    secs: u64,
}

async fn access_token_ttl(State(cloud): State<Arc<Cloud>>, JsonBody(ttl): JsonBody<Ttl>) -> StatusCode {
    cloud.world().access_token_ttl = Duration::from_secs(ttl.secs);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct IdTokenFaults {
    fault: crate::IdTokenFault,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

/// `{"fault":"wrong_audience"|"wrong_issuer"|"expired"|"wrong_nonce"|"foreign_key"|"unsigned"|
/// "wrong_subject","times":1}`: the next ID tokens are broken that way.
async fn id_token_fault(State(cloud): State<Arc<Cloud>>, JsonBody(faults): JsonBody<IdTokenFaults>) -> StatusCode {
    cloud.world().break_id_tokens(faults.fault, faults.times);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NewUser {
    email: String,
    password: String,
    #[serde(alias = "name")]
    display_name: String,
}

async fn add_user(State(cloud): State<Arc<Cloud>>, JsonBody(user): JsonBody<NewUser>) -> StatusCode {
    cloud.world().add_user(&user.email, &user.password, &user.display_name);
    StatusCode::NO_CONTENT
}

async fn requests(State(cloud): State<Arc<Cloud>>) -> Json<Vec<crate::RequestRecord>> {
    Json(cloud.world().requests())
}

async fn token_exchanges(State(cloud): State<Arc<Cloud>>) -> Json<serde_json::Value> {
    Json(json!({ "token_exchanges": cloud.world().token_exchanges }))
}

#[derive(Deserialize)]
struct ConsentQuery {
    email: String,
}

async fn app_consent(State(cloud): State<Arc<Cloud>>, query: Result<Query<ConsentQuery>, QueryRejection>) -> Response {
    let Ok(Query(query)) = query else {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let world = cloud.world();
    let accepted = world.user_by_email(&query.email).and_then(|u| u.app_consent.clone());
    Json(json!({ "app_terms": accepted })).into_response()
}

// ── Flow B and C: Google Home, the smart speaker, the AiSEG2 ──

/// A person at Google: the CLUB Panasonic ID they log in with and, when it is not named after
/// that ID, their Google account; `nickname` answers the consent page's choice in a household.
#[derive(Deserialize)]
struct Account {
    email: String,
    #[serde(default)]
    password: String,
    google_account: Option<String>,
    nickname: Option<String>,
}

impl Account {
    fn google_account(&self) -> &str {
        self.google_account.as_deref().unwrap_or(&self.email)
    }
}

async fn google_link(State(cloud): State<Arc<Cloud>>, JsonBody(a): JsonBody<Account>) -> Response {
    let who = crate::google::WebLinker {
        google_account: a.google_account(),
        email: &a.email,
        password: &a.password,
        nickname: a.nickname.as_deref(),
    };
    match crate::google::link(&cloud, &who, true).await {
        Ok(outcome) => Json(json!({ "outcome": format!("{outcome:?}") })).into_response(),
        Err(error) => (StatusCode::CONFLICT, Json(json!({ "error": error }))).into_response(),
    }
}

async fn google_unlink(State(cloud): State<Arc<Cloud>>, JsonBody(a): JsonBody<Account>) -> Response {
    match crate::google::unlink(&cloud, a.google_account()).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => (StatusCode::CONFLICT, Json(json!({ "error": error }))).into_response(),
    }
}

#[derive(Deserialize)]
struct Switch {
    fails: bool,
}

async fn google_linking_fails(State(cloud): State<Arc<Cloud>>, JsonBody(s): JsonBody<Switch>) -> StatusCode {
    cloud.world().speaker.linking_fails = s.fails;
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct AppOnPhone {
    /// The Google account, named after this CLUB Panasonic ID unless `google_account` says otherwise.
    email: String,
    google_account: Option<String>,
    present: bool,
}

/// Whether Google Home on that Google account's phone can open the app (App Flip) or links in its browser.
async fn google_app_on_phone(State(cloud): State<Arc<Cloud>>, JsonBody(a): JsonBody<AppOnPhone>) -> StatusCode {
    cloud.world().speaker.set_app_on_phone(a.google_account.as_deref().unwrap_or(&a.email), a.present);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Say {
    /// The Google account speaking (named after the CLUB Panasonic ID unless said otherwise).
    email: String,
    google_account: Option<String>,
    utterance: String,
}

/// `{"answer": …}` when the assistant acted, `{"refused": …}` when it could not.
async fn google_say(State(cloud): State<Arc<Cloud>>, JsonBody(say): JsonBody<Say>) -> Json<serde_json::Value> {
    let google_account = say.google_account.as_deref().unwrap_or(&say.email);
    Json(match crate::google::say(&cloud, google_account, &say.utterance).await {
        Ok(answer) => json!({ "answer": answer }),
        Err(refused) => json!({ "refused": refused }),
    })
}

#[derive(Deserialize)]
struct ByEmail {
    email: String,
}

/// The AiSEG2's devices with their states.
async fn aiseg_devices(State(cloud): State<Arc<Cloud>>, query: Result<Query<ByEmail>, QueryRejection>) -> Response {
    let Ok(Query(q)) = query else { return wire::error(StatusCode::BAD_REQUEST, "email_required") };
    let world = cloud.world();
    let devices: Vec<_> = world
        .speaker
        .devices(&q.email)
        .into_iter()
        .map(|d| json!({ "id": d.id, "name": d.name, "category": d.category, "state": world.speaker.state(&q.email, &d.id) }))
        .collect();
    Json(json!({ "devices": devices })).into_response()
}

/// The link of a fresh 2D code on the account's AiSEG2 (flow C).
async fn panel_link(State(cloud): State<Arc<Cloud>>, JsonBody(a): JsonBody<ByEmail>) -> Json<serde_json::Value> {
    let code = cloud.world().speaker.show_panel_code(&a.email);
    Json(json!({ "link": format!("{}/aiseg/speaker-registration?code={code}", cloud.base_url()) }))
}

async fn speaker_registration(
    State(cloud): State<Arc<Cloud>>,
    query: Result<Query<ByEmail>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else { return wire::error(StatusCode::BAD_REQUEST, "email_required") };
    let world = cloud.world();
    Json(json!({
        "registration": world.speaker.registration(&q.email),
        "registrations": world.speaker.registrations(&q.email),
        "registrations_made": world.speaker.registrations_made(&q.email),
        "puts": world.speaker.registration_puts(&q.email),
    }))
    .into_response()
}
