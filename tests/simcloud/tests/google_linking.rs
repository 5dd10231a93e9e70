//! The simulated Google Home decides how to link, as Google's App Flip documentation describes:
//! App Flip when the app can be opened on the phone, otherwise (and after an App Flip error other
//! than the person's no) CLUB Panasonic's login in its browser.

mod common;

use common::*;
use smarthems_simcloud::{AppFlipRequest, LinkOutcome, LinkStart, SimCloud};

fn answer(request: &AppFlipRequest, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&request.redirect_uri).unwrap();
    url.query_pairs_mut().extend_pairs(pairs).append_pair("state", &request.state);
    url.to_string()
}

async fn app_flip(cloud: &SimCloud) -> AppFlipRequest {
    match cloud.google_start_link(EMAIL).await.unwrap() {
        LinkStart::AppFlip(request) => request,
        LinkStart::Browser => panic!("the app is on the phone, yet Google went to its browser"),
    }
}

#[tokio::test]
async fn google_flips_to_the_app_when_it_is_on_the_phone_and_else_logs_in_in_its_browser() {
    let cloud = SimCloud::start().await;
    let request = app_flip(&cloud).await;
    assert_eq!(request.client_id, "google-home");
    assert!(request.redirect_uri.ends_with("/a/jp.co.panasonic.smarthems"), "{}", request.redirect_uri);
    assert!(!cloud.google_shows_login(EMAIL), "App Flip shows no login page");

    cloud.set_app_on_phone(EMAIL, false);
    assert_eq!(cloud.google_start_link(EMAIL).await.unwrap(), LinkStart::Browser);
    assert!(cloud.google_shows_login(EMAIL));
    assert_eq!(cloud.google_link(EMAIL, PASSWORD).await.unwrap(), LinkOutcome::Finished);
    assert!(!cloud.google_shows_login(EMAIL), "the login page is done with");

    cloud.set_app_on_phone(EMAIL, true);
    app_flip(&cloud).await;

    // The same switch for tests in other languages.
    let switched = app()
        .post(format!("{}/google/app-on-phone", cloud.control_url()))
        .json(&serde_json::json!({ "email": EMAIL, "present": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status().as_u16(), 204);
    assert_eq!(cloud.google_start_link(EMAIL).await.unwrap(), LinkStart::Browser);
}

#[tokio::test]
async fn the_apps_answer_decides_what_google_does_next() {
    let cloud = SimCloud::start().await;

    // The person said no in the app: the link is not completed, and Google does not go on.
    let request = app_flip(&cloud).await;
    let no = answer(&request, &[("error", "access_denied")]);
    assert_eq!(cloud.google_finish_app_flip(EMAIL, &request, Some(&no)).await.unwrap(), LinkOutcome::Cancelled);
    assert!(!cloud.google_shows_login(EMAIL));

    // Any other error, or no answer at all: Google carries on with its browser login.
    for error in [Some("login_required"), Some("temporarily_unavailable"), None] {
        let request = app_flip(&cloud).await;
        let text = error.map(|e| answer(&request, &[("error", e)]));
        let outcome = cloud.google_finish_app_flip(EMAIL, &request, text.as_deref()).await.unwrap();
        assert_eq!(outcome, LinkOutcome::ContinuesInBrowser, "{error:?}");
        assert!(cloud.google_shows_login(EMAIL), "{error:?}");
    }
    assert_eq!(cloud.google_link(EMAIL, PASSWORD).await.unwrap(), LinkOutcome::Finished);

    // Answers for another request, or at another address, are not Google's.
    let request = app_flip(&cloud).await;
    let other = app_flip(&cloud).await;
    assert!(cloud.google_finish_app_flip(EMAIL, &request, Some(&answer(&other, &[("code", "x")]))).await.is_err());
    let elsewhere = answer(&request, &[("code", "x")]).replace("oauth-redirect-sandbox.googleusercontent.com", "evil.example");
    assert!(cloud.google_finish_app_flip(EMAIL, &request, Some(&elsewhere)).await.is_err());
}

#[tokio::test]
async fn an_approved_app_flip_links_without_the_browser() {
    let cloud = SimCloud::start().await;
    let tokens = signed_in(&cloud).await;
    let request = app_flip(&cloud).await;
    let issued: serde_json::Value = app()
        .post(format!("{}/me/app-flip", cloud.api_base()))
        .bearer_auth(str_of(&tokens, "access_token"))
        .json(&serde_json::json!({
            "client_id": request.client_id, "scope": request.scope,
            "redirect_uri": request.redirect_uri, "state": request.state,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let yes = answer(&request, &[("code", str_of(&issued, "code"))]);
    assert_eq!(cloud.google_finish_app_flip(EMAIL, &request, Some(&yes)).await.unwrap(), LinkOutcome::Finished);
    assert!(!cloud.google_shows_login(EMAIL));
    // Linked: Google can talk to the service for this person.
    assert!(cloud.google_unlink(EMAIL).await.is_ok());
}
