//! What the simulation writes to its log: method, path, status and reasons, never a secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use smarthems_simcloud::SimCloud;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Everything the simulation logs while a full login and API call run through it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_carry_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    // Global, and alone in this test binary: a thread-local subscriber races with callsite
    // caching in other tests' threads and misses lines.
    tracing_subscriber::registry()
        .with(fmt::layer().with_ansi(false).with_writer(move || writer.clone()))
        .with(Targets::new().with_target("smarthems_simcloud", Level::TRACE))
        .init();

    let cloud = SimCloud::start().await;
    let pkce = Pkce::new();
    let browser = browser();
    let page = browser.get(authorize_url(&cloud, &pkce, &[])).send().await.unwrap().text().await.unwrap();
    let interaction = interaction_of(&page);
    submit_login(&cloud, &browser, &interaction, EMAIL, "wrong-password").await;
    let location = location(&submit_login(&cloud, &browser, &interaction, EMAIL, PASSWORD).await);
    let code = query_of(&location)["code"].clone();
    let (_, tokens) = exchange(&cloud, &code, &pkce.verifier).await;
    let (_, refreshed) = refresh(&cloud, str_of(&tokens, "refresh_token")).await;
    refresh(&cloud, str_of(&tokens, "refresh_token")).await; // refused reuse is logged too

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("/oidc/token"), "the capture works: {log}");
    for secret in [
        EMAIL,
        PASSWORD,
        "wrong-password",
        &code,
        &pkce.verifier,
        str_of(&tokens, "access_token"),
        str_of(&tokens, "refresh_token"),
        str_of(&tokens, "id_token"),
        str_of(&refreshed, "refresh_token"),
    ] {
        assert!(!log.contains(secret), "a secret was logged:\n{log}");
    }
}
