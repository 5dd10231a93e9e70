//! Shared test helpers: a browser actor (cookie jar, no automatic redirects) and the app side of
//! an authorization-code + PKCE login, done with plain HTTP so every step can be asserted on.
#![allow(dead_code)] // each test file uses a different subset

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use smarthems_simcloud::SimCloud;
use url::Url;

pub const EMAIL: &str = "taro@example.jp";
pub const PASSWORD: &str = "Passw0rd!";

/// The in-app browser: keeps cookies, stops at every redirect so tests can look at it.
pub fn browser() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("reqwest client")
}

/// The app's own HTTP client.
pub fn app() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("reqwest client")
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier, challenge }
    }
}

/// A well-formed authorization request; `overrides` replace (or, with an empty value, remove)
/// single parameters.
pub fn authorize_url(cloud: &SimCloud, pkce: &Pkce, overrides: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", SimCloud::CLIENT_ID),
        ("redirect_uri", SimCloud::REDIRECT_URI),
        ("scope", "openid profile email"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in overrides {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    let mut url = Url::parse(&format!("{}/authorize", cloud.issuer())).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

pub fn location(response: &Response) -> String {
    response.headers().get("location").expect("a Location header").to_str().unwrap().to_owned()
}

/// The query parameters of a redirect back to the app.
pub fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

/// The hidden `interaction` field of a login page.
pub fn interaction_of(page: &str) -> String {
    let marker = "name=\"interaction\" value=\"";
    let start = page.find(marker).expect("a login page") + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

pub async fn submit_login(
    cloud: &SimCloud,
    browser: &Client,
    interaction: &str,
    email: &str,
    password: &str,
) -> Response {
    browser
        .post(format!("{}/login", cloud.issuer()))
        .form(&[("email", email), ("password", password), ("interaction", interaction)])
        .send()
        .await
        .unwrap()
}

/// Opens the login page, logs in and returns the redirect back to the app.
pub async fn login(cloud: &SimCloud, browser: &Client, pkce: &Pkce, email: &str, password: &str) -> String {
    let page = browser.get(authorize_url(cloud, pkce, &[])).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let interaction = interaction_of(&page.text().await.unwrap());
    let response = submit_login(cloud, browser, &interaction, email, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = location(&response);
    assert!(location.starts_with(SimCloud::REDIRECT_URI), "{location}");
    location
}

pub async fn token_request(cloud: &SimCloud, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = app().post(format!("{}/token", cloud.issuer())).form(form).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

pub async fn exchange(cloud: &SimCloud, code: &str, verifier: &str) -> (StatusCode, Value) {
    token_request(
        cloud,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", SimCloud::CLIENT_ID),
            ("redirect_uri", SimCloud::REDIRECT_URI),
            ("code", code),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub async fn refresh(cloud: &SimCloud, refresh_token: &str) -> (StatusCode, Value) {
    token_request(
        cloud,
        &[("grant_type", "refresh_token"), ("client_id", SimCloud::CLIENT_ID), ("refresh_token", refresh_token)],
    )
    .await
}

/// A complete login as the seeded user: the token response.
pub async fn signed_in(cloud: &SimCloud) -> Value {
    let pkce = Pkce::new();
    let location = login(cloud, &browser(), &pkce, EMAIL, PASSWORD).await;
    let code = query_of(&location)["code"].clone();
    let (status, tokens) = exchange(cloud, &code, &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens
}

pub fn str_of<'a>(json: &'a Value, field: &str) -> &'a str {
    json[field].as_str().unwrap_or_else(|| panic!("{field} in {json}"))
}
