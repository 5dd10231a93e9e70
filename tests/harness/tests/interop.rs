//! The core's login against a certified OpenID provider nobody here wrote: the npm package
//! `oidc-provider` (tests/interop), started on loopback by the test. Same code path as the app:
//! discovery, authorization code + PKCE (S256), state, iss (RFC 9207), ID-token validation,
//! rotating refresh, revocation.

use smarthems::runtime::login::{Login, LoginConfig, LoginError};
use smarthems::MemorySecureStore;
use smarthems_harness::oidc_peer::{self, OidcPeer};

fn login_for(peer: &OidcPeer) -> Login {
    let config = LoginConfig {
        issuer: peer.issuer.clone(),
        client_id: OidcPeer::CLIENT_ID.into(),
        redirect_uri: OidcPeer::REDIRECT_URI.into(),
    };
    Login::new(config, smarthems::runtime::net::client()).expect("a loopback issuer is allowed")
}

fn refresh_token(store: &MemorySecureStore) -> String {
    store
        .values()
        .iter()
        .filter_map(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        .find_map(|v| v.get("refresh_token").and_then(|t| t.as_str()).map(str::to_owned))
        .expect("a refresh token is kept")
}

#[tokio::test]
async fn logs_in_refreshes_and_revokes_against_oidc_provider() {
    // Access tokens shorter than the core's refresh margin: every use refreshes (and rotates).
    let peer = OidcPeer::start_with_access_token_ttl(30).expect("oidc-provider starts (npm ci --prefix tests/interop)");
    let login = login_for(&peer);
    let store = MemorySecureStore::default();

    let url = login.begin(&store, false).await.expect("discovery and authorize URL");
    assert!(url.as_str().contains("code_challenge_method=S256"));
    let redirect = oidc_peer::complete_login(url.as_str(), "taro@example.jp").await.expect("the provider's pages");
    assert!(redirect.contains("iss="), "oidc-provider sends iss (RFC 9207)");
    let account = login.finish(&store, &redirect).await.expect("code exchange and ID token validation");
    assert!(!account.subject.is_empty());

    // The same redirect again: the login it belonged to is used up.
    assert!(matches!(login.finish(&store, &redirect).await, Err(LoginError::NoPendingLogin)));

    let first_refresh = refresh_token(&store);
    let token = login.access_token(&store, false).await.expect("refresh with the rotating token");
    assert!(!token.is_empty());
    let second_refresh = refresh_token(&store);
    assert_ne!(first_refresh, second_refresh, "oidc-provider rotates refresh tokens and the core keeps the new one");

    login.sign_out(&store).await;
    assert!(store.values().is_empty(), "logout wipes the secure store");
    // The revoked refresh token no longer works at the provider.
    let token_endpoint = format!("{}/token", peer.issuer);
    let answer = reqwest::Client::new()
        .post(token_endpoint)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", second_refresh.as_str()),
            ("client_id", OidcPeer::CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400, "revoked at logout");
}

#[tokio::test]
async fn refuses_what_it_must_against_oidc_provider() {
    let peer = OidcPeer::start().expect("oidc-provider starts");
    let login = login_for(&peer);

    // Cancelled on the provider's page.
    let store = MemorySecureStore::default();
    let url = login.begin(&store, false).await.unwrap();
    let redirect = oidc_peer::cancel_login(url.as_str()).await.unwrap();
    assert!(matches!(login.finish(&store, &redirect).await, Err(LoginError::Cancelled)));

    // A redirect whose state is not ours is refused before any exchange.
    let store = MemorySecureStore::default();
    let url = login.begin(&store, false).await.unwrap();
    let redirect = oidc_peer::complete_login(url.as_str(), "taro@example.jp").await.unwrap();
    let forged = replace_param(&redirect, "state", "forged");
    assert!(matches!(login.finish(&store, &forged).await, Err(LoginError::StateMismatch)));
    // ... and the real one still completes, because the pending login was kept.
    assert!(login.finish(&store, &redirect).await.is_ok());

    // An iss that is not the issuer is refused (mix-up attack, RFC 9207).
    let store = MemorySecureStore::default();
    let url = login.begin(&store, false).await.unwrap();
    let redirect = oidc_peer::complete_login(url.as_str(), "taro@example.jp").await.unwrap();
    let mixed_up = replace_param(&redirect, "iss", "https://attacker.example");
    assert!(matches!(login.finish(&store, &mixed_up).await, Err(LoginError::IssuerMismatch)));
}

fn replace_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name { value.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}
