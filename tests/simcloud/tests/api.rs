//! The Smart HEMS API: public documents, the bearer check and the consent rules.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use smarthems_simcloud::SimCloud;

async fn get_json(url: String, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = app().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put_consent(cloud: &SimCloud, token: &str, body: &str) -> (StatusCode, Value) {
    let response = app()
        .put(format!("{}/me/consents/app", cloud.api_base()))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn public_documents() {
    let cloud = SimCloud::start().await;
    let (status, config) = get_json(format!("{}/app-config", cloud.api_base()), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["min_app_version"], "3.0.0");
    assert_eq!(config["min_firmware_version"], "2.80");
    let lines = config["support"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["phone"], "0120-871-141");
    assert_eq!(lines[0]["valid_until"], "2023-10-31");
    assert_eq!(
        (lines[0]["days"].as_str(), lines[0]["opens"].as_str(), lines[0]["closes"].as_str()),
        (Some("weekdays"), Some("09:00"), Some("17:00"))
    );
    assert_eq!(lines[1]["phone"], "0120-081-701");
    assert_eq!(lines[1]["valid_until"], Value::Null);
    assert!(config["support"]["holidays"].as_array().unwrap().iter().any(|d| d == "2026-11-23"));

    let (status, terms) = get_json(format!("{}/terms/app", cloud.api_base()), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(terms["kind"], "app");
    assert_eq!(terms["version"], "2023-06-21");
    assert_eq!(terms["title"], "スマートHEMSサービス利用規約");
    assert!(str_of(&terms, "body").starts_with("第1条（本規約の目的）"));
}

/// The cloud changes the app config without an app release; tests do it by the handle or over
/// the control port, and the API answers the changed document at once.
#[tokio::test]
async fn app_config_changes_by_merge_patch() {
    let cloud = SimCloud::start().await;
    let url = format!("{}/app-config", cloud.api_base());
    let mut lines = cloud.app_config()["support"]["lines"].clone();
    lines[1]["opens"] = json!("10:00");
    lines[1]["closes"] = json!("16:00");
    cloud.patch_app_config(&json!({"min_app_version": "3.2.0", "support": {"lines": lines}}));
    let (_, config) = get_json(url.clone(), None).await;
    assert_eq!(config["min_app_version"], "3.2.0");
    assert_eq!(config["min_firmware_version"], "2.80", "members not in the patch stay");
    assert_eq!(
        (&config["support"]["lines"][1]["opens"], &config["support"]["lines"][1]["closes"]),
        (&json!("10:00"), &json!("16:00"))
    );
    assert_eq!(config["support"]["lines"][0]["phone"], "0120-871-141");
    assert!(config["support"]["holidays"].as_array().unwrap().iter().any(|d| d == "2027-03-22"), "holidays untouched");

    let control = cloud.control_url();
    let patch = |body: &str| app().post(format!("{control}/app-config")).body(body.to_owned()).send();
    assert_eq!(
        patch(r#"{"min_firmware_version":"2.90","google_home_agent_id":null}"#).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    for refused in [r#"["min_app_version"]"#, "3.3.0", "{"] {
        assert_eq!(patch(refused).await.unwrap().status(), StatusCode::BAD_REQUEST, "{refused}");
    }
    let (_, config) = get_json(url, None).await;
    assert_eq!(
        (config["min_app_version"].as_str(), config["min_firmware_version"].as_str()),
        (Some("3.2.0"), Some("2.90"))
    );
    assert!(config.get("google_home_agent_id").is_none(), "null removes a member");
    let (_, over_control) = get_json(format!("{control}/app-config"), None).await;
    assert_eq!(over_control, config);
}

#[tokio::test]
async fn protected_calls_need_a_live_bearer_token() {
    let cloud = SimCloud::start().await;
    let tokens = signed_in(&cloud).await;
    let token = str_of(&tokens, "access_token");
    let api = cloud.api_base();

    for path in ["/me/profile", "/me/consents"] {
        for (name, auth) in [("no token", None), ("unknown token", Some("forged")), ("live token", Some(token))] {
            let (status, body) = get_json(format!("{api}{path}"), auth).await;
            if name == "live token" {
                assert_eq!(status, StatusCode::OK, "{path}");
            } else {
                assert_eq!(
                    (status, body),
                    (StatusCode::UNAUTHORIZED, json!({"error": "invalid_token"})),
                    "{path} {name}"
                );
            }
        }
    }
    let (_, profile) = get_json(format!("{api}/me/profile"), Some(token)).await;
    assert_eq!(profile["display_name"], "パナソニック 太郎");
    assert!(str_of(&profile, "subject").starts_with("cp-"));

    // A PUT with a bad token is refused before its body is looked at.
    assert_eq!(put_consent(&cloud, "forged", "{}").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn consent_follows_the_current_terms() {
    let cloud = SimCloud::start().await;
    let tokens = signed_in(&cloud).await;
    let token = str_of(&tokens, "access_token");
    let consents = format!("{}/me/consents", cloud.api_base());

    assert_eq!(get_json(consents.clone(), Some(token)).await.1, json!({"app_terms": null}));
    assert_eq!(cloud.app_consent(EMAIL), None);

    // (body, expected status, expected answer)
    let cases = [
        (r#"{"version":"2020-01-01"}"#, StatusCode::CONFLICT, json!({"error": "outdated_terms"})),
        (r#"{"versio":"2023-06-21"}"#, StatusCode::BAD_REQUEST, json!({"error": "invalid_request"})),
        ("not json", StatusCode::BAD_REQUEST, json!({"error": "invalid_request"})),
        (r#"{"version":"2023-06-21"}"#, StatusCode::NO_CONTENT, Value::Null),
    ];
    for (body, status, answer) in cases {
        assert_eq!(put_consent(&cloud, token, body).await, (status, answer), "{body}");
    }
    assert_eq!(get_json(consents.clone(), Some(token)).await.1, json!({"app_terms": "2023-06-21"}));
    assert_eq!(cloud.app_consent(EMAIL).as_deref(), Some("2023-06-21"));

    // New terms: the old version can no longer be accepted, the new one can.
    cloud.publish_app_terms("2024-04-01", "第1条（本規約の目的）改定版");
    let (_, terms) = get_json(format!("{}/terms/app", cloud.api_base()), None).await;
    assert_eq!(terms["version"], "2024-04-01");
    assert_eq!(terms["title"], "スマートHEMSサービス利用規約");
    assert_eq!(put_consent(&cloud, token, r#"{"version":"2023-06-21"}"#).await.0, StatusCode::CONFLICT);
    assert_eq!(get_json(consents.clone(), Some(token)).await.1, json!({"app_terms": "2023-06-21"}));
    assert_eq!(put_consent(&cloud, token, r#"{"version":"2024-04-01"}"#).await.0, StatusCode::NO_CONTENT);
    assert_eq!(cloud.app_consent(EMAIL).as_deref(), Some("2024-04-01"));
    assert_eq!(cloud.app_consent("nobody@example.jp"), None);
}

#[tokio::test]
async fn unknown_paths_answer_json_404() {
    let cloud = SimCloud::start().await;
    let (status, body) = get_json(format!("{}/nothing-here", cloud.api_base()), None).await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"error": "not_found"})));
}

/// A registration PUT is idempotent: the retry after a lost answer leaves the same registration,
/// and the cloud's record shows both PUTs (and a refused one as such).
#[tokio::test]
async fn a_retried_registration_put_keeps_the_registration() {
    let cloud = SimCloud::start().await;
    let token = str_of(&signed_in(&cloud).await, "access_token").to_owned();
    let put = |nickname: &str| {
        let body = json!({
            "nickname": nickname, "device_ids": ["ac-1"], "privacy_version": "2023-06-21",
            "speaker_terms_version": "2023-06-21", "provider": "google_home",
        });
        app()
            .put(format!("{}/me/speaker-registrations/phone-1", cloud.api_base()))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    cloud.lose_next_response("/api/v1/me/speaker-registrations/phone-1");
    assert_eq!(put("たろう").await.unwrap().status(), StatusCode::BAD_GATEWAY);
    let answer: Value = put("たろう").await.unwrap().json().await.unwrap();
    let id = str_of(&answer, "registration_id").to_owned();
    assert_eq!(put("").await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(cloud.registration_puts(EMAIL), [Some(id.clone()), Some(id.clone()), None]);
    assert_eq!(cloud.registrations_made(EMAIL), 1);
    assert_eq!(cloud.speaker_registration(EMAIL).unwrap().registration_id, id);

    let (_, record) = get_json(format!("{}/speaker-registration?email={EMAIL}", cloud.control_url()), None).await;
    assert_eq!(record["puts"], json!([id, id, null]));
    assert_eq!(record["registrations_made"], 1);
}
