//! 新規登録 reached from the login page's tab (C steps 10–14): the same authorization request
//! carries on through the registration pages and ends with a code for the app, as `prompt=create` does.

mod common;

use common::*;
use reqwest::{Client, StatusCode};
use smarthems_simcloud::SimCloud;

/// The `href` of the link labelled `label` (`&amp;` decoded).
fn href_of(page: &str, label: &str) -> Option<String> {
    page.match_indices("<a ").find_map(|(i, _)| {
        let inner = &page[i..i + page[i..].find("</a>")?];
        let start = inner.find("href=\"")? + "href=\"".len();
        inner.ends_with(label).then(|| inner[start..start + inner[start..].find('"').unwrap()].replace("&amp;", "&"))
    })
}

/// The value of the page's hidden field `name`.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} on {page}")) + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

async fn get(browser: &Client, cloud: &SimCloud, path: &str) -> (StatusCode, String) {
    let response = browser.get(format!("{}{path}", cloud.base_url())).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Fills in 新規登録, opens the mail's link, taps 続ける and スキップ: the final response.
async fn register_and_skip(cloud: &SimCloud, browser: &Client, interaction: &str, email: &str) -> reqwest::Response {
    let form = [
        ("interaction", interaction),
        ("email", email),
        ("password", "Hanako2026"),
        ("terms", "agree"),
        ("newsletter", "no"),
    ];
    let sent = browser.post(format!("{}/register", cloud.issuer())).form(&form).send().await.unwrap();
    assert!(sent.text().await.unwrap().contains("1時間以内に"));
    let mail = cloud.mail_outbox().into_iter().rfind(|m| m.to == email).expect("a confirmation mail");
    let done = browser.get(&mail.payload).send().await.unwrap().text().await.unwrap();
    assert!(done.contains("CLUB Panasonicへの登録が完了しました"), "{done}");
    let token = hidden(&done, "token");
    let offer = browser
        .post(format!("{}/register/continue", cloud.issuer()))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(offer.text().await.unwrap().contains("2段階認証"));
    browser.get(format!("{}/register/skip?token={token}", cloud.issuer())).send().await.unwrap()
}

#[tokio::test]
async fn the_login_pages_signup_tab_continues_the_same_authorization() {
    let cloud = SimCloud::start().await;
    let browser = browser();
    let pkce = Pkce::new();
    let login_page = browser.get(authorize_url(&cloud, &pkce, &[])).send().await.unwrap().text().await.unwrap();
    assert!(!login_page.contains("aria-disabled"), "the 新規登録 tab is a working link");
    let interaction = interaction_of(&login_page);
    let tab = href_of(&login_page, "新規登録").expect("a 新規登録 link");
    assert_eq!(tab, format!("/oidc/register?interaction={interaction}"));

    let (status, register_page) = get(&browser, &cloud, &tab).await;
    assert_eq!(status, StatusCode::OK);
    assert!(register_page.contains("<title>CLUB Panasonic 新規登録</title>"));
    assert_eq!(interaction_of(&register_page), interaction, "the same authorization");

    // The ログイン tab goes back to the login form of that authorization, and forth again.
    let back = href_of(&register_page, "ログイン").expect("a ログイン link");
    let (status, again) = get(&browser, &cloud, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(again.contains(">ログインする</button>") && interaction_of(&again) == interaction);

    // Registered and 2段階認証 skipped: back to the app with a code for the original request.
    let response = register_and_skip(&cloud, &browser, &interaction, "hanako@example.jp").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = location(&response);
    assert!(location.starts_with(SimCloud::REDIRECT_URI), "{location}");
    let query = query_of(&location);
    assert_eq!((query["state"].as_str(), query["iss"].clone()), ("st-123", cloud.issuer()));
    let (status, tokens) = exchange(&cloud, &query["code"], &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    // The authorization is used up: its 新規登録 tab no longer works.
    assert_eq!(get(&browser, &cloud, &tab).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(get(&browser, &cloud, "/oidc/register?interaction=unknown").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(get(&browser, &cloud, "/oidc/login?interaction=unknown").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn registering_on_google_homes_login_page_still_asks_the_consent() {
    let cloud = SimCloud::start().await;
    let browser = browser();
    let google = [
        ("client_id", "google-home"),
        ("redirect_uri", "https://oauth-redirect-sandbox.googleusercontent.com/r/smarthems-sim"),
        ("scope", "openid"),
    ];
    let login_page =
        browser.get(authorize_url(&cloud, &Pkce::new(), &google)).send().await.unwrap().text().await.unwrap();
    let (_, register_page) = get(&browser, &cloud, &href_of(&login_page, "新規登録").unwrap()).await;
    let response = register_and_skip(&cloud, &browser, &interaction_of(&register_page), "jiro@example.jp").await;
    assert_eq!(response.status(), StatusCode::OK, "no code for Google before 「許可」");
    let consent = response.text().await.unwrap();
    assert!(consent.contains("Google が") && consent.contains(">許可</button>"), "{consent}");
}
