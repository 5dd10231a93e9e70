//! The core's login against a certified OpenID provider nobody here wrote: the npm package
//! `oidc-provider` (tests/interop), started on loopback by the test. Same code path as the app:
//! discovery, authorization code + PKCE (S256), state, iss (RFC 9207), ID-token validation,
//! rotating refresh, revocation.

use smarthems::runtime::login::{Login, LoginConfig, LoginError};
use smarthems::MemorySecureStore;
use smarthems_harness::browser::{with_param, Browser};
use smarthems_harness::oidc_peer::{self, Grant, OidcPeer, PeerOptions};
use smarthems_harness::world::{app_config, Phone};

fn login_for(peer: &OidcPeer) -> Login {
    let config = LoginConfig::new(&peer.issuer, OidcPeer::CLIENT_ID, OidcPeer::REDIRECT_URI);
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

/// The provider's token grants once at least `count` have been recorded (its log line may trail
/// its answer by a moment).
async fn grants(peer: &OidcPeer, count: usize) -> Vec<Grant> {
    for _ in 0..100 {
        let grants = peer.grants();
        if grants.len() >= count {
            return grants;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the provider recorded {:?}, expected {count} grants", peer.grants());
}

/// Every refresh sent the newest refresh token the provider had issued, and none was sent twice.
fn every_refresh_sent_the_newest(grants: &[Grant]) {
    let mut newest = None;
    let mut sent = std::collections::HashSet::new();
    for grant in grants {
        assert_eq!(grant.status, 200, "{grants:#?}");
        if grant.grant.as_deref() == Some("refresh_token") {
            assert_eq!(grant.presented, newest, "a refresh sent a refresh token that is not the newest: {grants:#?}");
            assert!(sent.insert(grant.presented.clone()), "a refresh token was sent again: {grants:#?}");
        }
        newest = grant.issued.clone().or(newest);
    }
}

/// With the provider's default refresh-token policy (OpenID Connect Core §11: offline_access
/// needs prompt=consent) the app gets a refresh token, and refreshes with the rotated one.
#[tokio::test]
async fn a_refresh_token_from_the_providers_default_policy() {
    let peer = OidcPeer::start().expect("oidc-provider starts (npm ci --prefix tests/interop)");
    let login = login_for(&peer);
    let store = MemorySecureStore::default();

    let url = login.begin(&store, false).await.expect("discovery and authorize URL");
    assert!(url.as_str().contains("code_challenge_method=S256"));
    let redirect = oidc_peer::complete_login(url.as_str(), "taro@example.jp").await.expect("the provider's pages");
    assert!(redirect.contains("iss="), "oidc-provider sends iss (RFC 9207)");
    let account = login.finish(&store, &redirect).await.expect("code exchange and ID token validation");
    assert!(!account.subject.is_empty());
    let first_refresh = refresh_token(&store);

    // The same redirect again: the login it belonged to is used up.
    assert!(matches!(login.finish(&store, &redirect).await, Err(LoginError::NoPendingLogin)));

    // The cloud said the token is no longer valid: refreshed, with the rotated token kept.
    login.access_token(&store, true).await.expect("refresh");
    login.access_token(&store, true).await.expect("refresh with the rotated token");
    assert_ne!(first_refresh, refresh_token(&store), "oidc-provider rotates a public client's refresh tokens");
    every_refresh_sent_the_newest(&grants(&peer, 3).await);
}

/// Refresh-token rotation on every refresh and 30-second access tokens (shorter than the core's
/// refresh margin, so every use refreshes): every refresh sends the newest refresh token, an old
/// one is never sent again. Then logout ends the provider's session in the browser (RP-initiated
/// logout) and revokes the refresh token: the next person logs in with their own ID.
#[tokio::test]
async fn rotation_30_second_tokens_and_a_logout_that_lets_the_next_person_in() {
    let options = PeerOptions { access_token_ttl: 30, rotate_always: true };
    let peer = OidcPeer::start_with(options).expect("oidc-provider starts (npm ci --prefix tests/interop)");
    let login = login_for(&peer);
    let store = MemorySecureStore::default();
    let browser = Browser::new(OidcPeer::REDIRECT_URI);

    let url = login.begin(&store, false).await.unwrap();
    let redirect = oidc_peer::complete_login_in(&browser, url.as_str(), "taro@example.jp").await.unwrap();
    let taro = login.finish(&store, &redirect).await.expect("logged in");
    for _ in 0..5 {
        login.access_token(&store, false).await.expect("a 30-second token is refreshed before each use");
    }
    let grants = grants(&peer, 6).await;
    assert_eq!(grants.iter().filter(|g| g.grant.as_deref() == Some("refresh_token")).count(), 5);
    every_refresh_sent_the_newest(&grants);
    let last_refresh = refresh_token(&store);

    // Logout: the provider's logout page in the same browser, back to the app.
    let page = login.sign_out(&store).await.expect("oidc-provider offers RP-initiated logout");
    assert!(page.as_str().contains("id_token_hint="), "{page}");
    let back = oidc_peer::log_out_in(&browser, page.as_str()).await.expect("logged out at the provider");
    assert!(back.starts_with(OidcPeer::REDIRECT_URI), "{back}");
    assert!(store.values().is_empty(), "logout wipes the secure store");
    let answer = reqwest::Client::new()
        .post(peer.token_endpoint())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &last_refresh), ("client_id", OidcPeer::CLIENT_ID)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400, "revoked at logout");

    // The next person, in the same browser, gets the login form and their own ID.
    let url = login.begin(&store, false).await.unwrap();
    let redirect = oidc_peer::complete_login_in(&browser, url.as_str(), "hanako@example.jp").await.unwrap();
    let hanako = login.finish(&store, &redirect).await.expect("the second person logs in");
    assert_ne!(hanako.subject, taro.subject, "the browser's session of the first person is gone");
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
    let forged = with_param(&redirect, "state", "forged").unwrap();
    assert!(matches!(login.finish(&store, &forged).await, Err(LoginError::StateMismatch)));
    // ... and the real one still completes, because the pending login was kept.
    assert!(login.finish(&store, &redirect).await.is_ok());

    // An iss that is not the issuer is refused (mix-up attack, RFC 9207).
    let store = MemorySecureStore::default();
    let url = login.begin(&store, false).await.unwrap();
    let redirect = oidc_peer::complete_login(url.as_str(), "taro@example.jp").await.unwrap();
    let mixed_up = with_param(&redirect, "iss", "https://attacker.example").unwrap();
    assert!(matches!(login.finish(&store, &mixed_up).await, Err(LoginError::IssuerMismatch)));
    // ... and here too the real one still completes: a wrong redirect never cancels the login.
    assert!(login.finish(&store, &redirect).await.is_ok());
}

/// Taps the button with this label on the app's current screen; the screen it leads to.
async fn tap(app: &smarthems::SmartHems, label: &str) -> smarthems::ScreenView {
    let view = app.screen();
    let button = view.buttons.iter().find(|b| b.label == label);
    let action =
        button.unwrap_or_else(|| panic!("「{}」 has no 「{label}」: {:?}", view.title, view.buttons)).action.clone();
    app.tap(action).await;
    app.screen()
}

/// Flows A and B through the whole app, logged in at oidc-provider with refresh-token rotation
/// on every refresh and 30-second access tokens (so every call to the API refreshes first), the
/// API being the simulated cloud's, which checks the provider's tokens at its userinfo endpoint.
/// Every refresh sends the newest refresh token, and none is sent twice.
#[tokio::test]
async fn flows_a_and_b_with_rotating_refresh_tokens_and_30_second_access_tokens() {
    let options = PeerOptions { access_token_ttl: 30, rotate_always: true };
    let peer = OidcPeer::start_with(options).expect("oidc-provider starts (npm ci --prefix tests/interop)");
    let sim = smarthems_simcloud::SimCloud::start().await;
    sim.trust_outside_provider(&format!("{}/me", peer.issuer));
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("smarthems.db");
    let config = app_config(&peer.issuer, OidcPeer::CLIENT_ID, OidcPeer::REDIRECT_URI, &sim.api_base(), &database);
    let phone = std::sync::Arc::new(Phone::default());
    let store = std::sync::Arc::new(MemorySecureStore::default());
    let app = smarthems::SmartHems::new(config, phone.clone(), store).expect("the app starts");
    app.start().await;

    // Flow A: log in, accept the terms, no speaker: home.
    tap(&app, "CLUB Panasonic ログイン画面へ").await;
    let page = phone.opened.lock().unwrap().last().cloned().expect("the login page opened");
    let browser = Browser::new(OidcPeer::REDIRECT_URI);
    let redirect = oidc_peer::complete_login_in(&browser, &page, "taro@example.jp").await.unwrap();
    app.open_url(redirect).await;
    assert_eq!(app.screen().title, "スマートHEMSサービス利用規約");
    assert_eq!(tap(&app, "同意する").await.title, "スマートスピーカー連携サービス登録");
    assert_eq!(tap(&app, "いいえ").await.title, "ホーム");

    // Flow B from home: the speaker registration, up to the hand-off to Google Home.
    tap(&app, "スマートスピーカー連携サービスを登録する").await;
    app.tap(smarthems::Action::EditNickname { text: "たろう".into() }).await;
    assert_eq!(tap(&app, "登録する").await.title, "プライバシーポリシー");
    assert_eq!(tap(&app, "同意する").await.title, "音声操作機器選択");
    tap(&app, "リビングのエアコン").await;
    assert_eq!(tap(&app, "次へ").await.title, "アカウントリンク");
    tap(&app, "Google Home").await;
    assert_eq!(tap(&app, "同意する").await.title, "発話例");
    assert_eq!(tap(&app, "登録").await.title, "Google Home と連携");
    assert_eq!(sim.speaker_registration("taro@example.jp").map(|r| r.nickname).as_deref(), Some("たろう"));

    let grants = grants(&peer, 6).await;
    let refreshes = grants.iter().filter(|g| g.grant.as_deref() == Some("refresh_token")).count();
    assert!(refreshes >= 5, "30-second tokens are refreshed before the calls that need them: {grants:#?}");
    every_refresh_sent_the_newest(&grants);
}
