//! CLUB Panasonic's 新規登録 pages (A/B steps 7–11, C 10–14), reached from the app with OIDC
//! `prompt=create`: e-mail and password with the service's rules, the 利用規約 check box and the
//! newsletter choice (確定), a confirmation e-mail whose link is valid for one hour, 登録完了 with
//! 続ける, then 2段階認証 — a phone number and an SMS code, or スキップ — and back to the app with
//! an authorization code, logged in. Mail and SMS go to outboxes the tests read. The login page's
//! 新規登録 tab reaches the same pages for the authorization it was showing (C steps 10–14).
//! Social sign-up (LINE and others) is not simulated.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;

use crate::pages;
use crate::server::Cloud;
use crate::state::{random_token, AuthRequest, Login};
use crate::wire;

/// How long the e-mail's link works (step 9: 1時間以内).
pub(crate) const MAIL_LINK_TTL: Duration = Duration::from_secs(3600);

/// A message the cloud sent: an e-mail or an SMS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    pub body: String,
    /// The link or the code in it.
    pub payload: String,
}

struct Signup {
    email: String,
    password: String,
    request: AuthRequest,
    sent: Instant,
    phone: Option<String>,
    sms_code: Option<String>,
    subject: Option<String>,
}

#[derive(Default)]
pub(crate) struct Signups {
    pending: HashMap<String, Signup>,
    pub mail: Vec<Message>,
    pub sms: Vec<Message>,
    /// Tests make every sent link look an hour old.
    pub links_expired: bool,
}

pub(crate) fn router() -> Router<Arc<Cloud>> {
    Router::new()
        .route("/register", get(register_page).post(register))
        .route("/register/confirm", get(confirm))
        .route("/register/continue", post(continue_after_done))
        .route("/register/phone", post(phone))
        .route("/register/sms", post(sms))
        .route("/register/skip", get(skip))
}

/// The service's password rule: 8–32 characters, letters and digits both, no spaces.
fn password_problem(password: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if !(8..=32).contains(&len) || password.chars().any(char::is_whitespace) {
        return Some("パスワードは8～32文字で、空白を含めずに入力してください。");
    }
    if !password.chars().any(|c| c.is_ascii_alphabetic()) || !password.chars().any(|c| c.is_ascii_digit()) {
        return Some("パスワードには英字と数字の両方を含めてください。");
    }
    None
}

fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !email.chars().any(char::is_whitespace)
}

const EXPIRED: &str = "登録画面の有効期限が切れました。アプリからもう一度お試しください。";

/// Step 7 (C step 10): the login page's 新規登録 tab, for the authorization that page was showing.
async fn register_page(State(cloud): State<Arc<Cloud>>, RawQuery(query): RawQuery) -> Response {
    let params = wire::params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let interaction = params.get("interaction").map(String::as_str).unwrap_or_default();
    if cloud.world().interaction(interaction).is_none() {
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED);
    }
    pages::register(interaction, "", None)
}

/// Step 7–8: the 新規登録 form was sent.
async fn register(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let form = wire::params(&body).unwrap_or_default();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let interaction = field("interaction");
    let mut world = cloud.world();
    if world.interaction(interaction).is_none() {
        return pages::error(StatusCode::BAD_REQUEST, EXPIRED);
    }
    let email = field("email").trim().to_lowercase();
    let problem = if !email_ok(&email) {
        Some("メールアドレスの形式が正しくありません。")
    } else if world.user_by_email(&email).is_some() {
        Some("このメールアドレスはすでに登録されています。ログインしてください。")
    } else if let Some(p) = password_problem(field("password")) {
        Some(p)
    } else if field("terms") != "agree" {
        Some("「利用規約に同意する」にチェックを入れてください。")
    } else {
        None
    };
    if let Some(problem) = problem {
        return pages::register(interaction, &email, Some(problem));
    }
    let Some(request) = world.take_interaction(interaction) else {
        return pages::error(StatusCode::BAD_REQUEST, "登録画面の有効期限が切れました。");
    };
    let token = random_token();
    let link = format!("{}/register/confirm?token={token}", cloud.issuer());
    world.signups.mail.push(Message {
        to: email.clone(),
        body: format!(
            "CLUB Panasonic 会員登録のご案内\n1時間以内に次のURLにアクセスして登録を完了してください。\n{link}"
        ),
        payload: link,
    });
    world.signups.pending.insert(
        token,
        Signup {
            email: email.clone(),
            password: field("password").into(),
            request,
            sent: Instant::now(),
            phone: None,
            sms_code: None,
            subject: None,
        },
    );
    tracing::info!(newsletter = field("newsletter"), "signup: confirmation mail sent");
    pages::notice(
        "メールを送信しました",
        &format!("{email} 宛にメールを送信しました。1時間以内にメールに記載されているURLをタップしてください。"),
    )
}

/// Step 9–10: the e-mail's link, within the hour.
async fn confirm(State(cloud): State<Arc<Cloud>>, RawQuery(query): RawQuery) -> Response {
    let params = wire::params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let token = params.get("token").cloned().unwrap_or_default();
    let mut world = cloud.world();
    let expired = world.signups.links_expired;
    let Some(signup) = world.signups.pending.get(&token) else {
        return pages::error(StatusCode::BAD_REQUEST, "このURLは無効です。もう一度新規登録してください。");
    };
    if expired || signup.sent.elapsed() > MAIL_LINK_TTL {
        world.signups.pending.remove(&token);
        return pages::error(
            StatusCode::GONE,
            "URLの有効期限（1時間）が切れています。もう一度新規登録からやり直してください。",
        );
    }
    let (email, password) = (signup.email.clone(), signup.password.clone());
    world.add_user(&email, &password, "");
    let subject = world.user_by_email(&email).map(|u| u.subject.clone());
    if let Some(signup) = world.signups.pending.get_mut(&token) {
        signup.subject = subject;
    }
    pages::continue_form("CLUB Panasonicへの登録が完了しました", "/oidc/register/continue", &token)
}

/// Step 10's 続ける: the 2段階認証 offer.
async fn continue_after_done(body: Bytes) -> Response {
    let form = wire::params(&body).unwrap_or_default();
    pages::two_step(form.get("token").map(String::as_str).unwrap_or_default(), None)
}

/// Step 11: a phone number; an SMS with the code is sent.
async fn phone(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let form = wire::params(&body).unwrap_or_default();
    let token = form.get("token").cloned().unwrap_or_default();
    let phone: String = form.get("phone").map(|p| p.chars().filter(char::is_ascii_digit).collect()).unwrap_or_default();
    let mut world = cloud.world();
    if !(10..=11).contains(&phone.len()) || !phone.starts_with('0') {
        return pages::two_step(&token, Some("電話番号を正しく入力してください（例：09012345678）。"));
    }
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let Some(signup) = world.signups.pending.get_mut(&token) else {
        return pages::error(StatusCode::BAD_REQUEST, "登録の有効期限が切れました。");
    };
    signup.phone = Some(phone.clone());
    signup.sms_code = Some(code.clone());
    world
        .signups
        .sms
        .push(Message { to: phone, body: format!("CLUB Panasonic 認証コード：{code}"), payload: code });
    pages::sms_form(&token, None)
}

/// The SMS code: right → logged in and back to the app; wrong → the page says so.
async fn sms(State(cloud): State<Arc<Cloud>>, body: Bytes) -> Response {
    let form = wire::params(&body).unwrap_or_default();
    let token = form.get("token").cloned().unwrap_or_default();
    let right = cloud.world().signups.pending.get(&token).and_then(|s| s.sms_code.clone());
    if right.is_none() || form.get("code").map(|c| c.trim()) != right.as_deref() {
        return pages::sms_form(
            &token,
            Some("認証コードが正しくありません。SMSに記載された6桁のコードを入力してください。"),
        );
    }
    finish(&cloud, &token)
}

/// スキップ: no 2段階認証 now.
async fn skip(State(cloud): State<Arc<Cloud>>, RawQuery(query): RawQuery) -> Response {
    let params = wire::params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    finish(&cloud, params.get("token").map(String::as_str).unwrap_or_default())
}

/// Registered and logged in: the SSO cookie, and the app gets its code (back to step 4 / 12).
/// Registered on Google Home's linking page instead, the person is asked the consent (step 20).
fn finish(cloud: &Cloud, token: &str) -> Response {
    let mut world = cloud.world();
    let Some(signup) = world.signups.pending.remove(token) else {
        return pages::error(StatusCode::BAD_REQUEST, "登録の有効期限が切れました。");
    };
    let Some(subject) = signup.subject else {
        return pages::error(StatusCode::BAD_REQUEST, "メールのURLから登録を完了してください。");
    };
    let login = Login { subject, auth_time: Utc::now() };
    let session = world.open_session(login.clone());
    let mut response = if signup.request.client_id == crate::oidc::GOOGLE_CLIENT_ID {
        let interaction = world.begin_interaction(signup.request);
        let page = crate::oidc::consent_page(&world, &interaction, &login.subject, None);
        drop(world);
        page
    } else {
        let code = world.issue_code(signup.request.clone(), login);
        drop(world);
        let mut location = url::Url::parse(&signup.request.redirect_uri).expect("registered redirect URIs parse");
        location.query_pairs_mut().append_pair("code", &code).append_pair("iss", &cloud.issuer());
        if let Some(state) = &signup.request.state {
            location.query_pairs_mut().append_pair("state", state);
        }
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = StatusCode::SEE_OTHER;
        if let Ok(value) = HeaderValue::from_str(location.as_str()) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response
    };
    if let Ok(cookie) =
        HeaderValue::from_str(&format!("{}={session}; Path=/oidc; HttpOnly; SameSite=Lax", crate::oidc::SSO_COOKIE))
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
