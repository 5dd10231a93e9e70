//! The Smart HEMS cloud API (`/api/v1/...`): app configuration, terms of use, the profile and the
//! user's consent to the terms.
//!
//! The app configuration is data the real cloud changes without an app release (support lines and
//! their hours, holidays, minimum versions), so tests change it too, with a JSON merge patch.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

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

/// The account behind the request's bearer token, issued to the app: the Smart HEMS API is the
/// app's, so Google's token (issued for fulfillment) is refused here as Google's side refuses the
/// app's. Extracting it answers the contract's 401 for a missing, unknown, expired or revoked
/// token (or a deleted account).
pub(crate) struct Subject(pub String);

impl FromRequestParts<Arc<Cloud>> for Subject {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, cloud: &Arc<Cloud>) -> Result<Self, Response> {
        let token = wire::bearer(&parts.headers).ok_or_else(wire::invalid_token)?.to_owned();
        let trusted = {
            let world = cloud.world();
            let ours = world.access_token_holder(&token, crate::oidc::CLIENT_ID).map(|(subject, _)| subject.to_owned());
            if let Some(subject) = ours.filter(|subject| world.user(subject).is_some()) {
                return Ok(Subject(subject));
            }
            world.trusted_userinfo.clone()
        };
        match trusted {
            Some(userinfo) => outside_subject(cloud, &userinfo, &token).await.ok_or_else(wire::invalid_token),
            None => Err(wire::invalid_token()),
        }
    }
}

/// The account behind an outside provider's access token, asked of its userinfo endpoint: the
/// user with that e-mail address, made on first sight (an interop provider has its own users).
async fn outside_subject(cloud: &Cloud, userinfo: &str, token: &str) -> Option<Subject> {
    let answer = reqwest::Client::new().get(userinfo).bearer_auth(token).send().await.ok()?;
    if !answer.status().is_success() {
        return None;
    }
    let me: serde_json::Value = answer.json().await.ok()?;
    let email = me["email"].as_str().or(me["sub"].as_str())?.to_owned();
    let mut world = cloud.world();
    if world.user_by_email(&email).is_none() {
        let name = me["name"].as_str().unwrap_or("CLUB Panasonic 利用者").to_owned();
        world.add_user(&email, &crate::state::random_token(), &name);
    }
    world.user_by_email(&email).map(|user| Subject(user.subject.clone()))
}

/// The account behind a bearer token of any client (OIDC userinfo serves every client).
pub(crate) struct TokenSubject(pub String);

impl FromRequestParts<Arc<Cloud>> for TokenSubject {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, cloud: &Arc<Cloud>) -> Result<Self, Response> {
        let token = wire::bearer(&parts.headers).ok_or_else(wire::invalid_token)?;
        let world = cloud.world();
        world
            .access_token_subject(token)
            .filter(|subject| world.user(subject).is_some())
            .map(|subject| TokenSubject(subject.to_owned()))
            .ok_or_else(wire::invalid_token)
    }
}

/// The link behind a token Google got by account linking (issued to the `google-home` client):
/// the account, the speaker user the link serves, and the token itself. The fulfillment endpoint
/// acts for Google only: the app's own access token, though live and for the same person, gets the
/// same 401 as an unknown one.
pub(crate) struct GoogleLinkToken {
    pub subject: String,
    pub speaker_user: Option<String>,
    pub token: String,
}

impl FromRequestParts<Arc<Cloud>> for GoogleLinkToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, cloud: &Arc<Cloud>) -> Result<Self, Response> {
        let token = wire::bearer(&parts.headers).ok_or_else(wire::invalid_token)?;
        let world = cloud.world();
        world
            .access_token_holder(token, crate::oidc::GOOGLE_CLIENT_ID)
            .filter(|(subject, _)| world.user(subject).is_some())
            .map(|(subject, speaker_user)| GoogleLinkToken {
                subject: subject.to_owned(),
                speaker_user: speaker_user.map(str::to_owned),
                token: token.to_owned(),
            })
            .ok_or_else(wire::invalid_token)
    }
}

async fn app_config(State(cloud): State<Arc<Cloud>>) -> Json<serde_json::Value> {
    Json(cloud.world().app_config.clone())
}

/// RFC 7396 JSON merge patch: members of an object patch replace (or, when `null`, remove) the
/// target's members, recursively; anything else replaces the target whole — arrays included, so
/// changing one support line means sending the `lines` array again.
pub(crate) fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let Some(members) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let Some(object) = target.as_object_mut() else { return };
    for (name, value) in members {
        if value.is_null() {
            object.remove(name);
        } else {
            merge_patch(object.entry(name.as_str()).or_insert(serde_json::Value::Null), value);
        }
    }
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
            "speaker_registrations": world.speaker.registrations_of(&user.email),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396_appendix_a() {
        // (original, patch, result): a selection of the RFC's examples.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!(["a", "b"]), json!({"a": "b"}), json!({"a": "b"})),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (mut target, patch, result) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, result, "{patch}");
        }
    }
}
