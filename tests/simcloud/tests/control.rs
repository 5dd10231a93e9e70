//! Steering the simulation: faults, offline/online, the request log, the HTTP control API, the
//! handle's lifetime and the binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use smarthems_simcloud::{RequestRecord, SimCloud};

async fn status_of(url: String) -> StatusCode {
    app().get(url).send().await.unwrap().status()
}

#[tokio::test]
async fn fail_next_answers_the_scheduled_faults() {
    let cloud = SimCloud::start().await;
    let api = cloud.api_base();
    let terms = format!("{api}/terms/app");
    let config = format!("{api}/app-config");

    cloud.fail_next("/api/v1/terms", 503, 2);
    cloud.fail_next("/oidc/token", 500, 1);

    // (url, expected status) in order: the faults are consumed only by matching paths.
    let sequence = [
        (config.clone(), StatusCode::OK),
        (terms.clone(), StatusCode::SERVICE_UNAVAILABLE),
        (terms.clone(), StatusCode::SERVICE_UNAVAILABLE),
        (terms.clone(), StatusCode::OK),
    ];
    for (step, (url, expected)) in sequence.into_iter().enumerate() {
        let response = app().get(&url).send().await.unwrap();
        assert_eq!(response.status(), expected, "step {step}");
        if expected != StatusCode::OK {
            assert_eq!(response.json::<Value>().await.unwrap(), json!({"error": "simulated_failure"}));
        }
    }

    // Any party: the token endpoint fails once, then the same code is still good.
    let pkce = Pkce::new();
    let code = query_of(&login(&cloud, &browser(), &pkce, EMAIL, PASSWORD).await)["code"].clone();
    assert_eq!(
        exchange(&cloud, &code, &pkce.verifier).await,
        (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "simulated_failure"}))
    );
    assert_eq!(exchange(&cloud, &code, &pkce.verifier).await.0, StatusCode::OK);
}

// Multi-threaded, like an app runtime: connections are served on other threads than the test's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_refuses_connections_and_online_comes_back_on_the_same_port() {
    let cloud = SimCloud::start().await;
    let base = cloud.base_url();
    let url = format!("{}/app-config", cloud.api_base());
    // A client with a pooled keep-alive connection, like the app's.
    let client = app();
    assert_eq!(client.get(&url).send().await.unwrap().status(), StatusCode::OK);

    cloud.go_offline().await;
    let error = client.get(&url).send().await.expect_err("offline");
    assert!(error.is_connect() || error.is_request(), "{error:?}");
    let addr = base.trim_start_matches("http://");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "the port refuses connections");
    cloud.go_offline().await; // idempotent

    cloud.go_online().await;
    assert_eq!(cloud.base_url(), base);
    assert_eq!(client.get(&url).send().await.unwrap().status(), StatusCode::OK);
    cloud.go_online().await; // idempotent
    assert_eq!(status_of(url).await, StatusCode::OK);
}

#[tokio::test]
async fn request_log_has_paths_without_secrets() {
    let cloud = SimCloud::start().await;
    let tokens = signed_in(&cloud).await;
    app()
        .get(format!("{}/me/profile", cloud.api_base()))
        .bearer_auth(str_of(&tokens, "access_token"))
        .send()
        .await
        .unwrap();

    let log = cloud.requests();
    let expected =
        [("GET", "/oidc/authorize"), ("POST", "/oidc/login"), ("POST", "/oidc/token"), ("GET", "/api/v1/me/profile")];
    let expected: Vec<RequestRecord> = expected
        .iter()
        .map(|(method, path)| RequestRecord { method: (*method).into(), path: (*path).into() })
        .collect();
    assert_eq!(log, expected);
}

/// A value sent anywhere in a request — query, header, Basic credentials, JSON or form body,
/// percent-encoded — is found; a request that did not carry it is not listed.
#[tokio::test]
async fn requests_containing_finds_a_value_wherever_it_was_sent() {
    use base64::engine::general_purpose::STANDARD;
    let cloud = SimCloud::start().await;
    let secret = "old-session+7f3a/x";
    let api = cloud.api_base();
    let issuer = cloud.issuer();
    let record = |method: &str, path: &str| RequestRecord { method: method.into(), path: path.into() };

    app().get(format!("{api}/app-config")).send().await.unwrap();
    assert_eq!(cloud.requests_containing(secret), vec![]);

    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    app().get(format!("{api}/terms/app?s={encoded}")).send().await.unwrap();
    app().get(format!("{api}/me/profile")).header("x-old-session", secret).send().await.unwrap();
    app()
        .post(format!("{issuer}/token"))
        .header("authorization", format!("Basic {}", STANDARD.encode(format!("app:{secret}"))))
        .send()
        .await
        .unwrap();
    app().post(format!("{issuer}/revoke")).form(&[("token", secret)]).send().await.unwrap();
    app().put(format!("{api}/me/consents/app")).json(&json!({ "v": secret })).send().await.unwrap();
    assert_eq!(
        cloud.requests_containing(secret),
        vec![
            record("GET", "/api/v1/terms/app"),
            record("GET", "/api/v1/me/profile"),
            record("POST", "/oidc/token"),
            record("POST", "/oidc/revoke"),
            record("PUT", "/api/v1/me/consents/app"),
        ]
    );
    assert_eq!(cloud.requests().len(), 6, "{:?}", cloud.requests());
}

#[tokio::test]
async fn http_control_api_mirrors_the_handle() {
    let cloud = SimCloud::start().await;
    let control = cloud.control_url();
    assert!(control.ends_with("/_sim"));
    assert_ne!(control.split('/').nth(2), cloud.base_url().split('/').nth(2), "a side port");
    let client = app();
    let post = |path: &str, body: Value| client.post(format!("{control}{path}")).json(&body).send();

    // (path, body, expected status)
    let calls = [
        ("/users", json!({"email": "jiro@example.jp", "password": "J1ro!", "display_name": "パナソニック 次郎"}), 204),
        ("/terms/app", json!({"version": "2024-04-01", "body": "第1条 改定"}), 204),
        ("/access-token-ttl", json!({"secs": 120}), 204),
        ("/id-token-fault", json!({"fault": "unsigned"}), 204),
        ("/id-token-fault", json!({"fault": "almost_right"}), 400),
        ("/fail", json!({"path_prefix": "/api/v1/app-config", "status": 502, "times": 1}), 204),
        ("/fail", json!({"path_prefix": "/x", "status": 42, "times": 1}), 400),
        ("/users", json!({"email": "missing-fields"}), 400),
    ];
    for (path, body, status) in calls {
        assert_eq!(post(path, body.clone()).await.unwrap().status().as_u16(), status, "{path} {body}");
    }
    assert_eq!(status_of(format!("{}/app-config", cloud.api_base())).await, StatusCode::BAD_GATEWAY);
    let terms: Value = app().get(format!("{}/terms/app", cloud.api_base())).send().await.unwrap().json().await.unwrap();
    assert_eq!(terms["version"], "2024-04-01");

    // The added user logs in; tokens get the new lifetime.
    let pkce = Pkce::new();
    let code = query_of(&login(&cloud, &browser(), &pkce, "jiro@example.jp", "J1ro!").await)["code"].clone();
    let (_, tokens) = exchange(&cloud, &code, &pkce.verifier).await;
    assert_eq!(tokens["expires_in"], 120);
    let header = str_of(&tokens, "id_token").split('.').next().unwrap();
    assert_eq!(header, URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#), "the ID token is unsigned");
    let exchanges: Value = client.get(format!("{control}/token-exchanges")).send().await.unwrap().json().await.unwrap();
    assert_eq!(exchanges, json!({"token_exchanges": 1}));

    // expire + revoke
    assert_eq!(post("/expire-access-tokens", Value::Null).await.unwrap().status(), 204);
    let profile = app()
        .get(format!("{}/me/profile", cloud.api_base()))
        .bearer_auth(str_of(&tokens, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(post("/revoke-refresh-tokens", Value::Null).await.unwrap().status(), 204);
    assert_eq!(refresh(&cloud, str_of(&tokens, "refresh_token")).await.1["error"], "invalid_grant");

    let consent: Value =
        client.get(format!("{control}/app-consent?email=jiro@example.jp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(consent, json!({"app_terms": null}));
    let requests: Vec<RequestRecord> =
        client.get(format!("{control}/requests")).send().await.unwrap().json().await.unwrap();
    assert_eq!(requests, cloud.requests());
    assert!(requests.iter().all(|r| !r.path.starts_with("/_sim")), "control calls are not logged");

    // offline/online over HTTP: the side port stays up while the main one is down.
    assert_eq!(post("/offline", Value::Null).await.unwrap().status(), 204);
    assert!(app().get(cloud.base_url()).send().await.is_err());
    assert_eq!(post("/online", Value::Null).await.unwrap().status(), 204);
    assert_eq!(status_of(format!("{}/app-config", cloud.api_base())).await, StatusCode::OK);
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_cloud() {
    let cloud = SimCloud::start().await;
    let clone = cloud.clone();
    let addr = cloud.base_url().trim_start_matches("http://").to_owned();
    let control = cloud.control_url().split('/').nth(2).unwrap().to_owned();
    drop(cloud);
    assert_eq!(status_of(format!("{}/app-config", clone.api_base())).await, StatusCode::OK, "a clone keeps it alive");
    drop(clone);

    for addr in [addr, control] {
        let mut refused = false;
        // Polled for up to 10 s: a loaded machine may take a while to close the listener.
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(refused, "{addr} still accepts connections");
    }
}

#[test]
fn binary_prints_its_urls_and_stops_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simcloud"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the simcloud binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let urls: Value = serde_json::from_str(&line).expect("one JSON line");
    let base = str_of(&urls, "base_url");
    assert_eq!(urls["issuer"], format!("{base}/oidc"));
    assert_eq!(urls["api_base"], format!("{base}/api/v1"));
    assert!(str_of(&urls, "control_url").ends_with("/_sim"));

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(status_of(format!("{base}/api/v1/app-config")));
    assert_eq!(status, StatusCode::OK);

    drop(child.stdin.take());
    // Polled for up to 20 s.
    for _ in 0..400 {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success());
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("simcloud kept running after stdin closed");
}
