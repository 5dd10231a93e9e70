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
        .route("/expire-access-tokens", post(expire_access_tokens))
        .route("/revoke-refresh-tokens", post(revoke_refresh_tokens))
        .route("/access-token-ttl", post(access_token_ttl))
        .route("/users", post(add_user))
        .route("/requests", get(requests))
        .route("/token-exchanges", get(token_exchanges))
        .route("/app-consent", get(app_consent));
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
}

async fn fail(State(cloud): State<Arc<Cloud>>, JsonBody(fail): JsonBody<Fail>) -> Response {
    if StatusCode::from_u16(fail.status).is_err() {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_status");
    }
    cloud
        .world()
        .fail_next(&fail.path_prefix, fail.status, fail.times);
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

async fn publish_app_terms(
    State(cloud): State<Arc<Cloud>>,
    JsonBody(terms): JsonBody<Terms>,
) -> StatusCode {
    cloud
        .world()
        .publish_app_terms(&terms.version, terms.title.as_deref(), &terms.body);
    StatusCode::NO_CONTENT
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

async fn access_token_ttl(
    State(cloud): State<Arc<Cloud>>,
    JsonBody(ttl): JsonBody<Ttl>,
) -> StatusCode {
    cloud.world().access_token_ttl = Duration::from_secs(ttl.secs);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NewUser {
    email: String,
    password: String,
    #[serde(alias = "name")]
    display_name: String,
}

async fn add_user(
    State(cloud): State<Arc<Cloud>>,
    JsonBody(user): JsonBody<NewUser>,
) -> StatusCode {
    cloud
        .world()
        .add_user(&user.email, &user.password, &user.display_name);
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

async fn app_consent(
    State(cloud): State<Arc<Cloud>>,
    query: Result<Query<ConsentQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return wire::error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let world = cloud.world();
    let accepted = world
        .user_by_email(&query.email)
        .and_then(|u| u.app_consent.clone());
    Json(json!({ "app_terms": accepted })).into_response()
}
