//! The HTML the in-app browser sees: CLUB Panasonic's login page and its error page.
//!
//! Plain server-rendered forms with no script, so the tests' browser actor (an HTTP client with a
//! cookie jar) can fill them in exactly as a person would in the system browser sheet.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub(crate) const WRONG_CREDENTIALS: &str = "メールアドレスまたはパスワードが正しくありません。";

/// The login form for one pending authorization (`interaction`), optionally with the e-mail
/// already typed and an error shown after a failed attempt. Its 新規登録 tab carries the same
/// authorization into the registration pages (C step 10: a homeowner without an ID who scanned
/// the AiSEG2's code lands here, not on the page `prompt=create` opens).
pub(crate) fn login(interaction: &str, email: &str, error: Option<&str>) -> Response {
    let interaction = escape(interaction);
    let main = format!(
        r#"<nav class="tabs">
<span class="tab active" aria-current="page">ログイン</span>
<a class="tab" href="/oidc/register?interaction={interaction}">新規登録</a>
</nav>
{}<form method="post" action="/oidc/login">
<input type="hidden" name="interaction" value="{interaction}">
<label for="email">メールアドレス</label>
<input id="email" name="email" type="email" autocomplete="username" value="{}" required>
<label for="password">パスワード</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">ログインする</button>
</form>
<p><a class="cancel" href="/oidc/cancel?interaction={interaction}">キャンセル</a></p>"#,
        alert(error),
        escape(email)
    );
    html(StatusCode::OK, page("CLUB Panasonic ログイン", &main))
}

/// A simple page of CLUB Panasonic's with a title and a paragraph.
fn page(title: &str, main: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
</head>
<body>
<header><h1>CLUB Panasonic</h1></header>
<main>
{main}
</main>
</body>
</html>
"#,
        escape(title)
    )
}

fn alert(error: Option<&str>) -> String {
    error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e))).unwrap_or_default()
}

/// Step 7–8: 新規登録 — e-mail, password, the terms check box and the newsletter choice; its
/// ログイン tab goes back to the login form of the same authorization.
pub(crate) fn register(interaction: &str, email: &str, error: Option<&str>) -> Response {
    let interaction = escape(interaction);
    let main = format!(
        r#"<nav class="tabs"><a class="tab" href="/oidc/login?interaction={interaction}">ログイン</a><span class="tab active" aria-current="page">新規登録</span></nav>
{}<form method="post" action="/oidc/register">
<input type="hidden" name="interaction" value="{interaction}">
<label for="email">メールアドレス</label>
<input id="email" name="email" type="email" value="{}" required>
<label for="password">パスワード（8～32文字、英字と数字を含む）</label>
<input id="password" name="password" type="password" required>
<label><input type="checkbox" name="terms" value="agree"> 利用規約に同意する</label>
<fieldset><legend>メルマガ</legend>
<label><input type="radio" name="newsletter" value="yes"> 受け取る</label>
<label><input type="radio" name="newsletter" value="no" checked> 受け取らない</label>
</fieldset>
<button type="submit">確定</button>
</form>
<p>LINEなどのソーシャルアカウントでの登録もできます（このシミュレーションでは省略）。</p>"#,
        alert(error),
        escape(email)
    );
    html(StatusCode::OK, page("CLUB Panasonic 新規登録", &main))
}

/// A page that only tells something (「メールを送信しました」).
pub(crate) fn notice(title: &str, text: &str) -> Response {
    html(StatusCode::OK, page(title, &format!("<p>{}</p>", escape(text))))
}

/// A page with one 「続ける」 button carrying `token`.
pub(crate) fn continue_form(title: &str, action: &str, token: &str) -> Response {
    let main = format!(
        r#"<p>{}</p>
<form method="post" action="{}"><input type="hidden" name="token" value="{}"><button type="submit">続ける</button></form>"#,
        escape(title),
        escape(action),
        escape(token)
    );
    html(StatusCode::OK, page(title, &main))
}

/// Step 11: 2段階認証設定のお願い — a phone number and 続ける, or スキップ.
pub(crate) fn two_step(token: &str, error: Option<&str>) -> Response {
    let token = escape(token);
    let main = format!(
        r#"<p>アカウントを守るため、2段階認証を設定してください。</p>
{}<form method="post" action="/oidc/register/phone">
<input type="hidden" name="token" value="{token}">
<label for="phone">電話番号</label>
<input id="phone" name="phone" type="tel" required>
<button type="submit">続ける</button>
</form>
<p><a class="skip" href="/oidc/register/skip?token={token}">スキップ</a></p>"#,
        alert(error)
    );
    html(StatusCode::OK, page("2段階認証設定", &main))
}

/// Step 11's note: the code from the SMS.
pub(crate) fn sms_form(token: &str, error: Option<&str>) -> Response {
    let main = format!(
        r#"<p>SMSで届いた認証コードを入力してください。</p>
{}<form method="post" action="/oidc/register/sms">
<input type="hidden" name="token" value="{}">
<label for="code">認証コード</label>
<input id="code" name="code" inputmode="numeric" required>
<button type="submit">続ける</button>
</form>"#,
        alert(error),
        escape(token)
    );
    html(StatusCode::OK, page("認証コードの入力", &main))
}

/// Google Home asks to link with the account (step 20): the page names Google and what it gets.
/// When several people registered a speaker under this ID (a household), it asks whose: each
/// choice is a speaker user's id and nickname.
pub(crate) fn consent(interaction: &str, choices: &[(String, String)], problem: Option<&str>) -> Response {
    let interaction = escape(interaction);
    let problem = problem.map(|p| format!("<p role=\"alert\">{}</p>\n", escape(p))).unwrap_or_default();
    let choices = if let [(_, only)] = choices {
        format!("<p>ニックネーム「{}」のスマートスピーカーとして連携します。</p>\n", escape(only))
    } else if choices.len() > 1 {
        let options: String = choices
            .iter()
            .map(|(id, nickname)| {
                format!(
                    "<label><input type=\"radio\" name=\"speaker_user\" value=\"{}\"> {}</label>\n",
                    escape(id),
                    escape(nickname)
                )
            })
            .collect();
        format!("<fieldset>\n<legend>このGoogleアカウントで使うニックネーム</legend>\n{options}</fieldset>\n")
    } else {
        String::new()
    };
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Google Home との連携</title>
</head>
<body>
<header><h1>CLUB Panasonic</h1></header>
<main>
<p>Google が、あなたの CLUB Panasonic ID にリンクして、AiSEG2 に登録された機器の一覧を読み取り、音声で操作することを求めています。</p>
{problem}<form method="post" action="/oidc/consent">
<input type="hidden" name="interaction" value="{interaction}">
{choices}<button type="submit" name="decision" value="allow">許可</button>
<button type="submit" name="decision" value="deny">キャンセル</button>
</form>
</main>
</body>
</html>
"#
    );
    html(StatusCode::OK, body)
}

/// Shown instead of redirecting when the redirect target itself cannot be trusted (unknown
/// client or unregistered redirect URI), as OAuth requires, or when a login page has expired.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>CLUB Panasonic エラー</title>
</head>
<body>
<header><h1>CLUB Panasonic</h1></header>
<main><p class="error" role="alert">{}</p></main>
</body>
</html>
"#,
        escape(message)
    );
    html(status, body)
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
