//! The simulated Google Home decides how to link, as Google's App Flip documentation describes:
//! App Flip when the app can be opened on the phone, otherwise (and after an App Flip error other
//! than the person's no) CLUB Panasonic's login in its browser.

mod common;

use common::*;
use reqwest::StatusCode;
use smarthems_simcloud::{AppFlipRequest, LinkOutcome, LinkStart, SimCloud, WebLinker};

fn answer(request: &AppFlipRequest, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&request.redirect_uri).unwrap();
    url.query_pairs_mut().extend_pairs(pairs).append_pair("state", &request.state);
    url.to_string()
}

/// The app on phone `speaker_user` registers `nickname` with one device (`move_here`: taking the
/// nickname over from another phone).
async fn register(
    cloud: &SimCloud,
    token: &str,
    speaker_user: &str,
    nickname: &str,
    device: &str,
    move_here: bool,
) -> StatusCode {
    let body = serde_json::json!({
        "nickname": nickname, "device_ids": [device], "privacy_version": "2023-06-21",
        "speaker_terms_version": "2023-06-21", "provider": "google_home", "move_here": move_here,
    });
    let put = app()
        .put(format!("{}/me/speaker-registrations/{speaker_user}", cloud.api_base()))
        .bearer_auth(token)
        .json(&body);
    put.send().await.unwrap().status()
}

/// Signed in to the app and registered as たろう with the living-room AC, from "phone-1".
async fn registered(cloud: &SimCloud) -> String {
    let token = str_of(&signed_in(cloud).await, "access_token").to_owned();
    assert_eq!(register(cloud, &token, "phone-1", "たろう", "ac-1", false).await, StatusCode::OK);
    token
}

/// What the app asks the cloud when the user approves App Flip on the phone `speaker_user`.
async fn app_flip_code(cloud: &SimCloud, token: &str, request: &AppFlipRequest, speaker_user: &str) -> String {
    let issued: serde_json::Value = app()
        .post(format!("{}/me/app-flip", cloud.api_base()))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "client_id": request.client_id, "scope": request.scope, "redirect_uri": request.redirect_uri,
            "state": request.state, "speaker_user": speaker_user,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    str_of(&issued, "code").to_owned()
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
    registered(&cloud).await;
    let request = app_flip(&cloud).await;
    assert_eq!(request.client_id, "google-home");
    assert!(request.redirect_uri.ends_with("/a/jp.co.panasonic.smarthems"), "{}", request.redirect_uri);
    assert!(!cloud.google_shows_login(EMAIL), "App Flip shows no login page");

    cloud.set_app_on_phone(EMAIL, false);
    assert_eq!(cloud.google_start_link(EMAIL).await.unwrap(), LinkStart::Browser);
    assert!(cloud.google_shows_login(EMAIL));
    assert_eq!(cloud.google_link(&WebLinker::own_id(EMAIL, PASSWORD)).await.unwrap(), LinkOutcome::Finished);
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
    registered(&cloud).await;

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
    assert_eq!(cloud.google_link(&WebLinker::own_id(EMAIL, PASSWORD)).await.unwrap(), LinkOutcome::Finished);

    // Answers for another request, or at another address, are not Google's.
    let request = app_flip(&cloud).await;
    let other = app_flip(&cloud).await;
    assert!(cloud.google_finish_app_flip(EMAIL, &request, Some(&answer(&other, &[("code", "x")]))).await.is_err());
    let elsewhere =
        answer(&request, &[("code", "x")]).replace("oauth-redirect-sandbox.googleusercontent.com", "evil.example");
    assert!(cloud.google_finish_app_flip(EMAIL, &request, Some(&elsewhere)).await.is_err());
}

#[tokio::test]
async fn an_approved_app_flip_links_without_the_browser() {
    let cloud = SimCloud::start().await;
    let token = registered(&cloud).await;
    let request = app_flip(&cloud).await;
    let code = app_flip_code(&cloud, &token, &request, "phone-1").await;
    let yes = answer(&request, &[("code", &code)]);
    assert_eq!(cloud.google_finish_app_flip(EMAIL, &request, Some(&yes)).await.unwrap(), LinkOutcome::Finished);
    assert!(!cloud.google_shows_login(EMAIL));
    // Linked: Google can talk to the service for this person.
    assert!(cloud.google_unlink(EMAIL).await.is_ok());
}

/// A household on one CLUB Panasonic ID: each phone registers its own speaker user, and each
/// Google account's link serves exactly one of them — named by the app in App Flip, chosen by
/// nickname on the consent page in the browser (which asks again when nothing was chosen).
/// Unlinking one leaves the other.
#[tokio::test]
async fn one_id_shared_by_a_household_keeps_each_link_to_its_own_speaker_user() {
    let cloud = SimCloud::start().await;
    let token = str_of(&signed_in(&cloud).await, "access_token").to_owned();
    for (phone, nickname, device) in [("phone-taro", "たろう", "ac-1"), ("phone-hanako", "はなこ", "ap-1")] {
        assert_eq!(register(&cloud, &token, phone, nickname, device, false).await, StatusCode::OK);
    }
    let nicknames: Vec<String> = cloud.speaker_registrations(EMAIL).into_iter().map(|r| r.nickname).collect();
    assert_eq!(nicknames, ["たろう", "はなこ"]);

    // The consent page asks whose speaker; 「許可」 without a choice gets the page again.
    let (pkce, browser) = (Pkce::new(), browser());
    let url = authorize_url(
        &cloud,
        &pkce,
        &[
            ("client_id", "google-home"),
            ("redirect_uri", "https://oauth-redirect-sandbox.googleusercontent.com/r/smarthems-sim"),
            ("nonce", ""),
        ],
    );
    let login = browser.get(url).send().await.unwrap().text().await.unwrap();
    let consent = submit_login(&cloud, &browser, &interaction_of(&login), EMAIL, PASSWORD).await.text().await.unwrap();
    assert!(
        consent.contains("value=\"phone-taro\"> たろう") && consent.contains("value=\"phone-hanako\"> はなこ"),
        "{consent}"
    );
    let again = browser
        .post(format!("{}/consent", cloud.issuer()))
        .form(&[("interaction", interaction_of(&consent).as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK, "no redirect to Google without a choice");
    let again = again.text().await.unwrap();
    assert!(again.contains("連携するニックネームを選んでください。"));
    // A speaker user that is not one of this account's choices is no choice either.
    let forged = browser
        .post(format!("{}/consent", cloud.issuer()))
        .form(&[
            ("interaction", interaction_of(&again).as_str()),
            ("decision", "allow"),
            ("speaker_user", "someone-elses-phone"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::OK);
    assert!(forged.text().await.unwrap().contains("連携するニックネームを選んでください。"));

    // Hanako links in the browser choosing her nickname; Taro through App Flip from his phone.
    let hanako =
        WebLinker { google_account: "hanako-google", email: EMAIL, password: PASSWORD, nickname: Some("はなこ") };
    cloud.set_app_on_phone("hanako-google", false);
    let unchosen = WebLinker { nickname: None, ..hanako };
    assert!(cloud.google_link(&unchosen).await.unwrap_err().contains("which nickname"));
    assert_eq!(cloud.google_link(&hanako).await.unwrap(), LinkOutcome::Finished);
    let request = app_flip(&cloud).await;
    let code = app_flip_code(&cloud, &token, &request, "phone-taro").await;
    let yes = answer(&request, &[("code", &code)]);
    assert_eq!(cloud.google_finish_app_flip(EMAIL, &request, Some(&yes)).await.unwrap(), LinkOutcome::Finished);

    let synced = |account: &str| cloud.google_synced_devices(account).into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!((synced("hanako-google"), synced(EMAIL)), (vec!["ap-1".to_owned()], vec!["ac-1".to_owned()]));
    assert!(linked(&cloud, &token, "phone-taro").await && linked(&cloud, &token, "phone-hanako").await);

    cloud.google_unlink("hanako-google").await.unwrap();
    assert!(linked(&cloud, &token, "phone-taro").await, "Taro's link stays");
    assert!(!linked(&cloud, &token, "phone-hanako").await);
    assert!(cloud.google_say(EMAIL, "OK Google、リビングのエアコンを冷房にして").await.is_ok());
    assert!(cloud.google_say("hanako-google", "OK Google、ダイニングの空気清浄機をつけて").await.is_err());

    // Taro's new phone: his nickname is refused until he says it is his; then the registration
    // moves there with its Google link, whose token now serves the new phone.
    assert_eq!(register(&cloud, &token, "phone-new", "たろう", "ac-1", false).await, StatusCode::UNPROCESSABLE_ENTITY);
    let agent = |cloud: &SimCloud| {
        cloud.speaker_registrations(EMAIL).into_iter().find(|r| r.nickname == "たろう").unwrap().agent_user_id
    };
    let before = agent(&cloud);
    // The answer to the move is lost; the retry finds it done and changes nothing.
    cloud.lose_next_response("/api/v1/me/speaker-registrations/phone-new");
    assert_eq!(register(&cloud, &token, "phone-new", "たろう", "ac-1", true).await, StatusCode::BAD_GATEWAY);
    assert_eq!(register(&cloud, &token, "phone-new", "たろう", "ac-1", true).await, StatusCode::OK);
    let puts = cloud.registration_puts(EMAIL);
    assert_eq!(puts[puts.len() - 2], puts[puts.len() - 1], "the retry left the same registration");
    assert_eq!(agent(&cloud), before, "Google's agentUserId survives the move");
    assert!(linked(&cloud, &token, "phone-new").await && !linked(&cloud, &token, "phone-taro").await);
    // The old phone has nothing left to link through App Flip.
    let request = app_flip(&cloud).await;
    let refused = app()
        .post(format!("{}/me/app-flip", cloud.api_base()))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "client_id": request.client_id, "scope": request.scope, "redirect_uri": request.redirect_uri, "state": request.state, "speaker_user": "phone-taro" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cloud.google_say(EMAIL, "OK Google、リビングのエアコンを消して").await.is_ok());
    let nicknames: Vec<String> = cloud.speaker_registrations(EMAIL).into_iter().map(|r| r.nickname).collect();
    assert_eq!(nicknames, ["たろう", "はなこ"], "moved, not copied");

    // Hanako's registration is deleted: Taro's link stays.
    let deleted =
        app().delete(format!("{}/me/speaker-registrations/phone-hanako", cloud.api_base())).bearer_auth(&token).send();
    assert_eq!(deleted.await.unwrap().status(), StatusCode::NO_CONTENT);
    assert!(linked(&cloud, &token, "phone-new").await);
}

/// What the app asks on return from Google Home: whether this phone's speaker user is linked.
async fn linked(cloud: &SimCloud, token: &str, phone: &str) -> bool {
    let url = format!("{}/me/speaker-registrations/{phone}/link", cloud.api_base());
    let link: serde_json::Value = app().get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    link["linked"].as_bool().unwrap()
}
