//! The CLUB Panasonic ID provider, driven the way the app and its in-app browser drive it.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use openidconnect::core::{
    CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreProviderMetadata, CoreResponseType,
};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::StatusCode;
use serde_json::Value;
use smarthems_simcloud::{IdTokenFault, SimCloud};

#[tokio::test]
async fn discovery_has_the_contract_shape() {
    let cloud = SimCloud::start().await;
    let issuer = cloud.issuer();
    let doc: Value =
        app().get(format!("{issuer}/.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();

    let expected = [
        ("issuer", Value::from(issuer.clone())),
        ("authorization_endpoint", format!("{issuer}/authorize").into()),
        ("token_endpoint", format!("{issuer}/token").into()),
        ("userinfo_endpoint", format!("{issuer}/userinfo").into()),
        ("jwks_uri", format!("{issuer}/jwks").into()),
        ("revocation_endpoint", format!("{issuer}/revoke").into()),
        ("response_types_supported", serde_json::json!(["code"])),
        ("subject_types_supported", serde_json::json!(["public"])),
        ("id_token_signing_alg_values_supported", serde_json::json!(["RS256"])),
        ("code_challenge_methods_supported", serde_json::json!(["S256"])),
        ("grant_types_supported", serde_json::json!(["authorization_code", "refresh_token"])),
        ("token_endpoint_auth_methods_supported", serde_json::json!(["none"])),
        ("authorization_response_iss_parameter_supported", Value::Bool(true)),
        ("prompt_values_supported", serde_json::json!(["none", "login", "consent", "create"])),
    ];
    for (field, value) in expected {
        assert_eq!(doc[field], value, "{field}");
    }
    assert!(doc["scopes_supported"].as_array().unwrap().contains(&"openid".into()));
    assert_eq!(cloud.base_url() + "/oidc", issuer);

    // openidconnect itself accepts it (it checks the issuer matches the discovery URL).
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(issuer).unwrap(), &app())
        .await
        .expect("openidconnect discovery");
    assert_eq!(metadata.jwks().keys().len(), 1);
}

/// Parameter overrides of one table row (an empty value removes the parameter).
type Params = &'static [(&'static str, &'static str)];

/// What a refused authorization request must look like.
#[derive(Debug)]
enum Outcome {
    /// An HTML error page: the redirect target cannot be trusted.
    ErrorPage,
    /// A redirect back to the app with this `error`.
    Redirected(&'static str),
    /// The login form.
    LoginPage,
    /// The 新規登録 form (prompt=create).
    RegistrationPage,
}

#[tokio::test]
async fn authorization_requests_are_validated() {
    let cloud = SimCloud::start().await;
    let pkce = Pkce::new();
    let cases: &[(&str, Params, Outcome)] = &[
        ("well-formed", &[], Outcome::LoginPage),
        ("unknown client", &[("client_id", "someone-else")], Outcome::ErrorPage),
        ("no client", &[("client_id", "")], Outcome::ErrorPage),
        ("foreign redirect", &[("redirect_uri", "https://evil.example/cb")], Outcome::ErrorPage),
        ("other path on the app scheme", &[("redirect_uri", "jp.co.panasonic.smarthems:/other")], Outcome::ErrorPage),
        ("no redirect", &[("redirect_uri", "")], Outcome::ErrorPage),
        ("localhost is not loopback IP", &[("redirect_uri", "http://localhost:5000/cb")], Outcome::ErrorPage),
        ("loopback any port", &[("redirect_uri", "http://127.0.0.1:53111/callback")], Outcome::LoginPage),
        ("implicit flow", &[("response_type", "token")], Outcome::Redirected("unsupported_response_type")),
        ("no response_type", &[("response_type", "")], Outcome::Redirected("invalid_request")),
        ("not OpenID", &[("scope", "profile email")], Outcome::Redirected("invalid_scope")),
        ("no PKCE", &[("code_challenge", ""), ("code_challenge_method", "")], Outcome::Redirected("invalid_request")),
        ("plain PKCE", &[("code_challenge_method", "plain")], Outcome::Redirected("invalid_request")),
        ("PKCE method missing", &[("code_challenge_method", "")], Outcome::Redirected("invalid_request")),
        ("short challenge", &[("code_challenge", "abc")], Outcome::Redirected("invalid_request")),
        ("unknown prompt", &[("prompt", "select_account")], Outcome::Redirected("invalid_request")),
        ("prompt=none without session", &[("prompt", "none")], Outcome::Redirected("login_required")),
        ("prompt=create", &[("prompt", "create")], Outcome::RegistrationPage),
        ("prompt=consent", &[("prompt", "consent")], Outcome::LoginPage),
    ];
    for (name, overrides, outcome) in cases {
        let response = browser().get(authorize_url(&cloud, &pkce, overrides)).send().await.unwrap();
        let status = response.status();
        match outcome {
            Outcome::ErrorPage => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
                assert!(response.headers().get("location").is_none(), "{name}");
                assert!(response.text().await.unwrap().contains("<title>CLUB Panasonic エラー</title>"), "{name}");
            }
            Outcome::Redirected(error) => {
                assert_eq!(status, StatusCode::FOUND, "{name}");
                let query = query_of(&location(&response));
                assert_eq!(query["error"], *error, "{name}");
                assert_eq!(query["state"], "st-123", "{name}");
                assert_eq!(query["iss"], cloud.issuer(), "{name}");
                assert!(!query.contains_key("code"), "{name}");
            }
            Outcome::LoginPage => {
                assert_eq!(status, StatusCode::OK, "{name}");
                let page = response.text().await.unwrap();
                assert!(page.contains("<title>CLUB Panasonic ログイン</title>"), "{name}");
            }
            Outcome::RegistrationPage => {
                assert_eq!(status, StatusCode::OK, "{name}");
                let page = response.text().await.unwrap();
                assert!(page.contains("<title>CLUB Panasonic 新規登録</title>"), "{name}");
            }
        }
    }
    assert_eq!(cloud.token_exchanges(), 0);
}

#[tokio::test]
async fn login_page_is_a_japanese_form() {
    let cloud = SimCloud::start().await;
    let page = browser().get(authorize_url(&cloud, &Pkce::new(), &[])).send().await.unwrap();
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = page.text().await.unwrap();
    for needle in [
        "<title>CLUB Panasonic ログイン</title>",
        "メールアドレス",
        "パスワード",
        ">ログインする</button>",
        ">キャンセル</a>",
        "新規登録",
        "action=\"/oidc/login\"",
        "type=\"hidden\" name=\"interaction\"",
    ] {
        assert!(page.contains(needle), "{needle} missing from the login page");
    }
}

#[tokio::test]
async fn code_flow_with_pkce_issues_verifiable_tokens() {
    let cloud = SimCloud::start().await;
    let pkce = Pkce::new();
    let browser = browser();
    let location = login(&cloud, &browser, &pkce, EMAIL, PASSWORD).await;
    let query = query_of(&location);
    assert_eq!(query["state"], "st-123");
    assert_eq!(query["iss"], cloud.issuer());
    assert_eq!(cloud.token_exchanges(), 0);

    let response = app()
        .post(format!("{}/token", cloud.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", SimCloud::CLIENT_ID),
            ("redirect_uri", SimCloud::REDIRECT_URI),
            ("code", query["code"].as_str()),
            ("code_verifier", pkce.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(!str_of(&tokens, "access_token").is_empty());
    assert!(!str_of(&tokens, "refresh_token").is_empty());
    assert_eq!(cloud.token_exchanges(), 1);

    // The ID token verifies with openidconnect's client-side verifier against the served JWKS.
    let verifier = strict_verifier(&cloud).await;
    let id_token: CoreIdToken = str_of(&tokens, "id_token").parse().unwrap();
    let claims = id_token.claims(&verifier, &Nonce::new("n-456".into())).expect("a valid ID token");
    assert!(claims.auth_time().is_some());
    assert!(id_token.claims(&verifier, &Nonce::new("other".into())).is_err(), "nonce is checked");

    // userinfo and the profile agree on the subject.
    let userinfo: Value = app()
        .get(format!("{}/userinfo", cloud.issuer()))
        .bearer_auth(str_of(&tokens, "access_token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["sub"], claims.subject().as_str());
    assert_eq!(userinfo["name"], "パナソニック 太郎");
    assert_eq!(userinfo["email"], EMAIL);
}

#[tokio::test]
async fn code_exchange_refusals() {
    let cloud = SimCloud::start().await;

    // Each case gets a fresh code; (name, form tweaks, expected status, expected error).
    let cases: &[(&str, Params, StatusCode, &str)] = &[
        (
            "wrong verifier",
            &[("code_verifier", "a-well-formed-but-wrong-verifier-0123456789")],
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        ("other redirect", &[("redirect_uri", "http://127.0.0.1:9/cb")], StatusCode::BAD_REQUEST, "invalid_grant"),
        ("unknown code", &[("code", "not-a-code")], StatusCode::BAD_REQUEST, "invalid_grant"),
        ("no verifier", &[("code_verifier", "")], StatusCode::BAD_REQUEST, "invalid_request"),
        ("unknown client", &[("client_id", "other")], StatusCode::UNAUTHORIZED, "invalid_client"),
        ("no grant type", &[("grant_type", "")], StatusCode::BAD_REQUEST, "invalid_request"),
        ("password grant", &[("grant_type", "password")], StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    ];
    for (name, tweaks, status, error) in cases {
        let pkce = Pkce::new();
        let code = query_of(&login(&cloud, &browser(), &pkce, EMAIL, PASSWORD).await)["code"].clone();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", SimCloud::CLIENT_ID),
            ("redirect_uri", SimCloud::REDIRECT_URI),
            ("code", code.as_str()),
            ("code_verifier", pkce.verifier.as_str()),
        ];
        for (field, value) in tweaks.iter() {
            form.retain(|(f, _)| f != field);
            if !value.is_empty() {
                form.push((field, value));
            }
        }
        let (got, body) = token_request(&cloud, &form).await;
        assert_eq!((got, body), (*status, serde_json::json!({ "error": error })), "{name}");
    }
    assert_eq!(cloud.token_exchanges(), 0);
}

#[tokio::test]
async fn codes_are_one_time() {
    let cloud = SimCloud::start().await;
    let pkce = Pkce::new();
    let code = query_of(&login(&cloud, &browser(), &pkce, EMAIL, PASSWORD).await)["code"].clone();
    assert_eq!(exchange(&cloud, &code, &pkce.verifier).await.0, StatusCode::OK);
    let replay = exchange(&cloud, &code, &pkce.verifier).await;
    assert_eq!(replay, (StatusCode::BAD_REQUEST, serde_json::json!({"error": "invalid_grant"})));

    // A failed presentation (wrong verifier) spends the code too.
    let pkce = Pkce::new();
    let code = query_of(&login(&cloud, &browser(), &pkce, EMAIL, PASSWORD).await)["code"].clone();
    assert_eq!(exchange(&cloud, &code, &Pkce::new().verifier).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(exchange(&cloud, &code, &pkce.verifier).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(cloud.token_exchanges(), 1);
}

#[tokio::test]
async fn refresh_tokens_rotate() {
    let cloud = SimCloud::start().await;
    let first = signed_in(&cloud).await;
    let old_rt = str_of(&first, "refresh_token");

    let (status, second) = refresh(&cloud, old_rt).await;
    assert_eq!(status, StatusCode::OK);
    let new_rt = str_of(&second, "refresh_token");
    assert_ne!(new_rt, old_rt);
    assert_ne!(str_of(&second, "access_token"), str_of(&first, "access_token"));
    assert!(second["id_token"].is_string());

    assert_eq!(refresh(&cloud, old_rt).await, (StatusCode::BAD_REQUEST, serde_json::json!({"error": "invalid_grant"})));
    assert_eq!(refresh(&cloud, new_rt).await.0, StatusCode::OK);
    // Refreshing is not a code exchange.
    assert_eq!(cloud.token_exchanges(), 1);
}

#[tokio::test]
async fn revocation_ends_the_grant() {
    let cloud = SimCloud::start().await;
    let tokens = signed_in(&cloud).await;
    let profile = |token: String| {
        let url = format!("{}/me/profile", cloud.api_base());
        async move { app().get(url).bearer_auth(token).send().await.unwrap().status() }
    };
    let at = str_of(&tokens, "access_token").to_owned();
    assert_eq!(profile(at.clone()).await, StatusCode::OK);

    let revoke = |token: &str| {
        app()
            .post(format!("{}/revoke", cloud.issuer()))
            .form(&[("token", token), ("token_type_hint", "refresh_token"), ("client_id", SimCloud::CLIENT_ID)])
            .send()
    };
    assert_eq!(revoke(str_of(&tokens, "refresh_token")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(refresh(&cloud, str_of(&tokens, "refresh_token")).await.1["error"], "invalid_grant");
    assert_eq!(profile(at).await, StatusCode::UNAUTHORIZED, "access tokens of the grant end too");
    // Unknown tokens are fine (RFC 7009).
    assert_eq!(revoke("never-issued").await.unwrap().status(), StatusCode::OK);

    // Revoking an access token alone leaves the refresh token working.
    let tokens = signed_in(&cloud).await;
    assert_eq!(revoke(str_of(&tokens, "access_token")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(profile(str_of(&tokens, "access_token").to_owned()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&cloud, str_of(&tokens, "refresh_token")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn sso_cookie_skips_the_form_unless_prompt_login() {
    let cloud = SimCloud::start().await;
    let browser = browser();
    login(&cloud, &browser, &Pkce::new(), EMAIL, PASSWORD).await;

    // Same browser, new authorization: straight back with a code.
    let pkce = Pkce::new();
    let again = browser.get(authorize_url(&cloud, &pkce, &[])).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::FOUND);
    let location = location(&again);
    assert!(location.starts_with(SimCloud::REDIRECT_URI));
    let code = query_of(&location)["code"].clone();
    assert_eq!(exchange(&cloud, &code, &pkce.verifier).await.0, StatusCode::OK);

    // prompt=none works with the session too.
    let silent = browser.get(authorize_url(&cloud, &Pkce::new(), &[("prompt", "none")])).send().await.unwrap();
    assert!(query_of(&common::location(&silent)).contains_key("code"));

    // prompt=login forces the form; a fresh browser (no cookie) gets the form as well.
    for (name, client, prompt) in [("prompt=login", &browser, "login"), ("no cookie", &common::browser(), "")] {
        let response = client.get(authorize_url(&cloud, &Pkce::new(), &[("prompt", prompt)])).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert!(response.text().await.unwrap().contains("ログインする"), "{name}");
    }
}

#[tokio::test]
async fn sso_cookie_is_http_only() {
    let cloud = SimCloud::start().await;
    let browser = browser();
    let page = browser.get(authorize_url(&cloud, &Pkce::new(), &[])).send().await.unwrap();
    let interaction = interaction_of(&page.text().await.unwrap());
    let response = submit_login(&cloud, &browser, &interaction, EMAIL, PASSWORD).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("clubp_sso="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

#[tokio::test]
async fn cancel_redirects_with_access_denied() {
    let cloud = SimCloud::start().await;
    let browser = browser();
    let page = browser.get(authorize_url(&cloud, &Pkce::new(), &[])).send().await.unwrap();
    let interaction = interaction_of(&page.text().await.unwrap());
    let cancel_url = format!("{}/cancel?interaction={interaction}", cloud.issuer());

    let response = browser.get(&cancel_url).send().await.unwrap();
    assert!(response.status().is_redirection());
    let location = location(&response);
    assert!(location.starts_with(SimCloud::REDIRECT_URI));
    let query = query_of(&location);
    assert_eq!(query["error"], "access_denied");
    assert!(query.contains_key("error_description"));
    assert_eq!(query["state"], "st-123");
    assert_eq!(query["iss"], cloud.issuer());

    // The page is gone: neither a second cancel nor a login can use it.
    assert_eq!(browser.get(&cancel_url).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    let late = submit_login(&cloud, &browser, &interaction, EMAIL, PASSWORD).await;
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    assert_eq!(cloud.token_exchanges(), 0);
}

#[tokio::test]
async fn wrong_credentials_re_render_the_page() {
    let cloud = SimCloud::start().await;
    cloud.add_user("hanako@example.jp", "Hanak0!", "パナソニック 花子");
    let browser = browser();
    let page = browser.get(authorize_url(&cloud, &Pkce::new(), &[])).send().await.unwrap();
    let interaction = interaction_of(&page.text().await.unwrap());

    for (email, password) in [(EMAIL, "wrong"), ("nobody@example.jp", PASSWORD), (EMAIL, "")] {
        let response = submit_login(&cloud, &browser, &interaction, email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "{email}");
        assert!(response.headers().get("set-cookie").is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("メールアドレスまたはパスワードが正しくありません。"), "{email}");
        assert_eq!(interaction_of(&page), interaction, "the same page can be retried");
    }
    // The added account can log in, on the same page, with a case-insensitive e-mail.
    let response = submit_login(&cloud, &browser, &interaction, "Hanako@Example.jp", "Hanak0!").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(query_of(&location(&response)).contains_key("code"));
}

#[tokio::test]
async fn access_token_expiry_and_refresh_revocation() {
    let cloud = SimCloud::start().await;
    let tokens = signed_in(&cloud).await;
    let profile = |token: String| {
        let url = format!("{}/me/profile", cloud.api_base());
        async move { app().get(url).bearer_auth(token).send().await.unwrap().status() }
    };
    cloud.expire_access_tokens();
    assert_eq!(profile(str_of(&tokens, "access_token").into()).await, StatusCode::UNAUTHORIZED);
    let (_, refreshed) = refresh(&cloud, str_of(&tokens, "refresh_token")).await;
    assert_eq!(profile(str_of(&refreshed, "access_token").into()).await, StatusCode::OK);

    cloud.set_access_token_ttl(0);
    let (_, short) = refresh(&cloud, str_of(&refreshed, "refresh_token")).await;
    assert_eq!(short["expires_in"], 0);
    assert_eq!(profile(str_of(&short, "access_token").into()).await, StatusCode::UNAUTHORIZED);

    cloud.revoke_refresh_tokens();
    assert_eq!(refresh(&cloud, str_of(&short, "refresh_token")).await.1["error"], "invalid_grant");
}

/// The same flow through openidconnect's client, as the app's core runs it.
#[tokio::test]
async fn openidconnect_client_round_trip() {
    let cloud = SimCloud::start().await;
    let http = app();
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(cloud.issuer()).unwrap(), &http).await.unwrap();
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(SimCloud::CLIENT_ID.into()), None)
        .set_redirect_uri(RedirectUrl::new(SimCloud::REDIRECT_URI.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = browser();
    let page = browser.get(url).send().await.unwrap().text().await.unwrap();
    let response = submit_login(&cloud, &browser, &interaction_of(&page), EMAIL, PASSWORD).await;
    let query = query_of(&location(&response));
    assert_eq!(&query["state"], csrf.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token.claims(&client.id_token_verifier(), &nonce).expect("valid claims");
    assert!(claims.subject().as_str().starts_with("cp-"));

    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    assert_ne!(refreshed.access_token().secret(), tokens.access_token().secret());
    let refreshed_id = refreshed.id_token().expect("a refreshed ID token");
    let refreshed_claims = refreshed_id.claims(&client.id_token_verifier(), &nonce).unwrap();
    assert_eq!(refreshed_claims.auth_time(), claims.auth_time());
}

/// A verifier with every check on, as the app's core uses it, against the served JWKS.
async fn strict_verifier(cloud: &SimCloud) -> CoreIdTokenVerifier<'static> {
    let jwks: CoreJsonWebKeySet =
        app().get(format!("{}/jwks", cloud.issuer())).send().await.unwrap().json().await.unwrap();
    CoreIdTokenVerifier::new_public_client(
        ClientId::new(SimCloud::CLIENT_ID.into()),
        IssuerUrl::new(cloud.issuer()).unwrap(),
        jwks,
    )
}

/// Each fault breaks exactly one check: the strict verifier refuses the token, the same verifier
/// with only that check relaxed accepts it (so a client refusing it refuses it for that reason).
/// Faults are used up one token at a time; the next token is good again.
#[tokio::test]
async fn id_token_faults_each_break_exactly_one_check() {
    type Relaxed = fn(&CoreIdToken, CoreIdTokenVerifier<'static>) -> bool;
    let nonce = || Nonce::new("n-456".into());
    let cases: [(IdTokenFault, Relaxed); 6] = [
        (IdTokenFault::WrongAudience, |t, v| {
            t.claims(&v.require_audience_match(false), &Nonce::new("n-456".into())).is_ok()
        }),
        (IdTokenFault::WrongIssuer, |t, v| {
            t.claims(&v.require_issuer_match(false), &Nonce::new("n-456".into())).is_ok()
        }),
        (IdTokenFault::Expired, |t, v| {
            let earlier = v.set_time_fn(|| chrono::Utc::now() - chrono::Duration::minutes(90));
            t.claims(&earlier, &Nonce::new("n-456".into())).is_ok()
        }),
        (IdTokenFault::WrongNonce, |t, v| {
            let other_nonce = |n: Option<&Nonce>| match n {
                Some(n) if n.secret() != "n-456" => Ok(()),
                _ => Err("the nonce is missing or the app's own".to_owned()),
            };
            t.claims(&v, other_nonce).is_ok()
        }),
        (IdTokenFault::ForeignKey, |t, v| {
            t.claims(&v.insecure_disable_signature_check(), &Nonce::new("n-456".into())).is_ok()
        }),
        (IdTokenFault::Unsigned, |t, v| {
            t.claims(&v.insecure_disable_signature_check(), &Nonce::new("n-456".into())).is_ok()
        }),
    ];
    let cloud = SimCloud::start().await;
    let verifier = strict_verifier(&cloud).await;
    for (fault, relaxed) in cases {
        cloud.break_next_id_tokens(fault, 1);
        let tokens = signed_in(&cloud).await;
        let id_token: CoreIdToken = str_of(&tokens, "id_token").parse().unwrap();
        let refused = id_token.claims(&verifier, &nonce()).err();
        assert!(refused.is_some(), "{fault:?}: the strict verifier accepted it");
        assert!(relaxed(&id_token, verifier.clone()), "{fault:?}: more than one check fails ({refused:?})");
        let header = str_of(&tokens, "id_token").split('.').next().unwrap().to_owned();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        match fault {
            IdTokenFault::Unsigned => assert_eq!(header["alg"], "none"),
            _ => {
                assert_eq!((&header["alg"], &header["kid"]), (&"RS256".into(), &"simcloud-rs256-1".into()), "{fault:?}")
            }
        }
    }

    // WrongSubject passes every check of the verifier: the token is valid, for someone else.
    let good = signed_in(&cloud).await;
    let good: CoreIdToken = str_of(&good, "id_token").parse().unwrap();
    let subject = good.claims(&verifier, &nonce()).unwrap().subject().clone();
    cloud.break_next_id_tokens(IdTokenFault::WrongSubject, 1);
    let other: CoreIdToken = str_of(&signed_in(&cloud).await, "id_token").parse().unwrap();
    let other = other.claims(&verifier, &nonce()).expect("a WrongSubject token verifies").subject().clone();
    assert_ne!(other, subject);

    // Used up: the next token verifies; `times` breaks several in a row.
    let id_token: CoreIdToken = str_of(&signed_in(&cloud).await, "id_token").parse().unwrap();
    assert!(id_token.claims(&verifier, &nonce()).is_ok());
    cloud.break_next_id_tokens(IdTokenFault::Expired, 2);
    for round in 0..3 {
        let id_token: CoreIdToken = str_of(&signed_in(&cloud).await, "id_token").parse().unwrap();
        assert_eq!(id_token.claims(&verifier, &nonce()).is_ok(), round == 2, "round {round}");
    }
}
