//! The HTML the in-app browser sees: CLUB Panasonic's login page and its error page.
//!
//! Plain server-rendered forms with no script, so the tests' browser actor (an HTTP client with a
//! cookie jar) can fill them in exactly as a person would in the system browser sheet.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub(crate) const WRONG_CREDENTIALS: &str = "メールアドレスまたはパスワードが正しくありません。";

/// The login form for one pending authorization (`interaction`), optionally with the e-mail
/// already typed and an error shown after a failed attempt.
pub(crate) fn login(interaction: &str, email: &str, error: Option<&str>) -> Response {
    let interaction = escape(interaction);
    let email = escape(email);
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CLUB Panasonic ログイン</title>
</head>
<body>
<header><h1>CLUB Panasonic</h1></header>
<nav class="tabs">
<span class="tab active" aria-current="page">ログイン</span>
<a class="tab" aria-disabled="true">新規登録</a>
</nav>
<main>
{error}<form method="post" action="/oidc/login">
<input type="hidden" name="interaction" value="{interaction}">
<label for="email">メールアドレス</label>
<input id="email" name="email" type="email" autocomplete="username" value="{email}" required>
<label for="password">パスワード</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">ログインする</button>
</form>
<p><a class="cancel" href="/oidc/cancel?interaction={interaction}">キャンセル</a></p>
</main>
</body>
</html>
"#
    );
    html(StatusCode::OK, body)
}

/// Google Home asks to link with the account (step 20): the page names Google and what it gets.
pub(crate) fn consent(interaction: &str) -> Response {
    let interaction = escape(interaction);
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
<form method="post" action="/oidc/consent">
<input type="hidden" name="interaction" value="{interaction}">
<button type="submit" name="decision" value="allow">許可</button>
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
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn escape(text: &str) -> String {
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
