//! The Smart HEMS cloud API (`/api/v1/...`): app configuration, terms of use, the profile and the
//! user's consent to the terms.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::seed;
use crate::server::Cloud;
use crate::wire::{self, JsonBody};

pub(crate) fn router() -> Router<Arc<Cloud>> {
    Router::new()
        .route("/app-config", get(app_config))
        .route("/terms/app", get(app_terms))
        .route("/me/profile", get(profile))
        .route("/me/consents", get(consents))
        .route("/me/consents/app", put(accept_app_terms))
        .merge(crate::speaker::router())
}

/// The account behind the request's bearer token; extracting it answers the contract's 401 for
/// a missing, unknown, expired or revoked token (or a deleted account).
pub(crate) struct Subject(pub String);

impl FromRequestParts<Arc<Cloud>> for Subject {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, cloud: &Arc<Cloud>) -> Result<Self, Response> {
        let token = wire::bearer(&parts.headers).ok_or_else(wire::invalid_token)?;
        let world = cloud.world();
        world
            .access_token_subject(token)
            .filter(|subject| world.user(subject).is_some())
            .map(|subject| Subject(subject.to_owned()))
            .ok_or_else(wire::invalid_token)
    }
}

async fn app_config() -> Json<serde_json::Value> {
    Json(seed::app_config())
}

async fn app_terms(State(cloud): State<Arc<Cloud>>) -> Json<serde_json::Value> {
    let world = cloud.world();
    let terms = &world.terms;
    Json(json!({
        "kind": "app",
        "version": terms.version,
        "title": terms.title,
        "body": terms.body,
    }))
}

async fn profile(State(cloud): State<Arc<Cloud>>, Subject(subject): Subject) -> Response {
    let world = cloud.world();
    match world.user(&subject) {
        Some(user) => Json(json!({
            "subject": user.subject,
            "display_name": user.display_name,
            "legacy_speaker_user": world.speaker.is_legacy(&user.email),
        }))
        .into_response(),
        None => wire::invalid_token(),
    }
}

async fn consents(State(cloud): State<Arc<Cloud>>, Subject(subject): Subject) -> Response {
    let world = cloud.world();
    let accepted = world.user(&subject).and_then(|u| u.app_consent.clone());
    Json(json!({ "app_terms": accepted })).into_response()
}

#[derive(Deserialize)]
struct Consent {
    version: String,
}

/// Only the current version can be accepted: an app showing stale terms must fetch and show the
/// new ones first, which is what the 409 tells it.
async fn accept_app_terms(
    State(cloud): State<Arc<Cloud>>,
    Subject(subject): Subject,
    JsonBody(consent): JsonBody<Consent>,
) -> Response {
    let mut world = cloud.world();
    if consent.version != world.terms.version {
        return wire::error(StatusCode::CONFLICT, "outdated_terms");
    }
    match world.user_mut(&subject) {
        Some(user) => {
            user.app_consent = Some(consent.version);
            StatusCode::NO_CONTENT.into_response()
        }
        None => wire::invalid_token(),
    }
}
