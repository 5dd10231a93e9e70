//! The step phrases QA writes in feature files (listed in `docs/qa.md`). Each drives the app
//! through its façade or plays one of the parties around it; none holds an app rule.

use cucumber::{given, then, when};

use crate::browser::{self, Visit};
use crate::world::QaWorld;

type Step = Result<(), String>;

// ── 前提 ───────────────────────────────────────────────────────────────────────────────

#[given(regex = r"^アプリを初めて起動する$")]
#[when(regex = r"^アプリを初めて起動する$")]
async fn first_launch(w: &mut QaWorld) -> Step {
    w.launch().await.map(drop)
}

#[given(regex = r"^CLUB Panasonic ID「(.+)」（パスワード「(.+)」）を持っている$")]
#[when(regex = r"^CLUB Panasonic ID「(.+)」（パスワード「(.+)」）を持っている$")]
async fn has_id(w: &mut QaWorld, email: String, password: String) -> Step {
    w.sim()?.add_user(&email, &password, "パナソニック 花子");
    w.email = email;
    w.password = password;
    Ok(())
}

#[given(regex = r"^各画面でアプリを終了して再起動しながら進める$")]
#[when(regex = r"^各画面でアプリを終了して再起動しながら進める$")]
async fn restart_mode(w: &mut QaWorld) -> Step {
    w.restart_every_step = true;
    Ok(())
}

#[when(regex = r"^各画面での終了と再起動をやめる$")]
async fn stop_restart_mode(w: &mut QaWorld) -> Step {
    w.restart_every_step = false;
    Ok(())
}

#[given(regex = r"^ブラウザが他のアプリでCLUB Panasonicにログイン済みである$")]
#[when(regex = r"^ブラウザが他のアプリでCLUB Panasonicにログイン済みである$")]
async fn browser_has_session(w: &mut QaWorld) -> Step {
    // Another CLUB Panasonic app logged in through the same browser: its login leaves the SSO cookie.
    let config = w.config();
    let mut url = url::Url::parse(&provider_endpoint(w, "authorization_endpoint").await?).map_err(|e| e.to_string())?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &config.redirect_uri)
        .append_pair("scope", "openid")
        .append_pair("state", "other")
        .append_pair("nonce", "n")
        .append_pair("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        .append_pair("code_challenge_method", "S256");
    let page = w.browser.open(url.as_str()).await?;
    match w.browser.log_in(&page, &w.email, &w.password).await? {
        Visit::Redirect(_) => Ok(()),
        Visit::LoginPage { html, .. } => Err(format!("login failed: {}", browser::text_of(&html))),
    }
}

/// An endpoint of the login provider, from its discovery document (simulated or real).
async fn provider_endpoint(w: &QaWorld, key: &str) -> Result<String, String> {
    let url = format!("{}/.well-known/openid-configuration", w.config().issuer.trim_end_matches('/'));
    let discovery: serde_json::Value =
        reqwest::get(&url).await.map_err(|e| e.to_string())?.json().await.map_err(|e| format!("{url}: {e}"))?;
    discovery[key].as_str().map(str::to_owned).ok_or(format!("{url} has no {key}"))
}

// ── もし: the app ──────────────────────────────────────────────────────────────────────

#[when(regex = r"^「(.+)」をタップする$")]
async fn tap(w: &mut QaWorld, label: String) -> Step {
    w.tap(&label).await.map(drop)
}

#[when(regex = r"^アプリを終了して再起動する$")]
async fn restart(w: &mut QaWorld) -> Step {
    w.restart().await.map(drop)
}

// ── もし: the browser ──────────────────────────────────────────────────────────────────

async fn finish_in_browser(w: &mut QaWorld, act: impl AsyncFnOnce(&QaWorld, Visit) -> Result<Visit, String>) -> Step {
    let url = w.last_opened_url()?;
    let redirect = if w.manual_browser {
        browser::ask_person(&url)?
    } else {
        let page = w.browser.open(&url).await?;
        match act(w, page).await? {
            Visit::Redirect(r) => r,
            Visit::LoginPage { html, .. } => {
                return Err(format!("the browser stayed on a page: {}", browser::text_of(&html)))
            }
        }
    };
    w.hand_back(redirect).await.map(drop)
}

#[when(regex = r"^ブラウザでメールアドレスとパスワードを入力し「ログインする」をタップする$")]
async fn log_in(w: &mut QaWorld) -> Step {
    finish_in_browser(w, async |w, page| {
        browser::report_page(&page);
        w.browser.log_in(&page, &w.email, &w.password).await
    })
    .await
}

#[when(regex = r"^ブラウザでパスワード「(.+)」を入力し「ログインする」をタップする$")]
async fn log_in_wrong(w: &mut QaWorld, password: String) -> Step {
    let page = w.browser.open(&w.last_opened_url()?).await?;
    match w.browser.log_in(&page, &w.email, &password).await? {
        Visit::LoginPage { html, .. } => {
            let text = browser::text_of(&html);
            crate::report::note(&format!("ブラウザ: {}", text.chars().take(80).collect::<String>()));
            if text.contains("正しくありません") {
                Ok(())
            } else {
                Err(format!("no error on the page: {text}"))
            }
        }
        Visit::Redirect(_) => Err("the provider accepted a wrong password".into()),
    }
}

#[when(regex = r"^ブラウザがログイン画面を表示せずにアプリに戻る$")]
async fn sso_return(w: &mut QaWorld) -> Step {
    finish_in_browser(w, async |_, page| match page {
        Visit::Redirect(_) => Ok(page),
        Visit::LoginPage { .. } => Err("the login page was shown although the browser has a session".into()),
    })
    .await
}

#[when(regex = r"^ブラウザのログイン画面で「キャンセル」をタップする$")]
async fn cancel_in_browser(w: &mut QaWorld) -> Step {
    finish_in_browser(w, async |w, page| w.browser.cancel(&page).await).await
}

#[when(regex = r"^ログインのエラー応答「(.+)」がアプリに届く$")]
async fn error_redirect(w: &mut QaWorld, error: String) -> Step {
    let opened = url::Url::parse(&w.last_opened_url()?).map_err(|e| e.to_string())?;
    let state = opened.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let config = w.config();
    let mut back = url::Url::parse(&config.redirect_uri).map_err(|e| e.to_string())?;
    back.query_pairs_mut().append_pair("error", &error).append_pair("state", &state).append_pair("iss", &config.issuer);
    w.hand_back(back.to_string()).await.map(drop)
}

#[when(regex = r"^アプリに関係のないリンク「(.+)」が届く$")]
async fn stray_link(w: &mut QaWorld, link: String) -> Step {
    // Against a real environment nothing can be counted; the check below says so.
    w.outbound_before_link = w.outbound().unwrap_or(0);
    w.hand_back(link).await.map(drop)
}

#[then(regex = r"^そのリンクを受けて、アプリはどこにも何も送っていない$")]
async fn nothing_sent_for_link(w: &mut QaWorld) -> Step {
    let now = w.outbound()?;
    if now == w.outbound_before_link {
        Ok(())
    } else {
        Err(format!("{} request(s) or calls went out after the link", now - w.outbound_before_link))
    }
}

// ── もし: the network and the cloud ───────────────────────────────────────────────────

#[given(regex = r"^(?:スマートフォンが)?インターネットに接続できない$")]
#[when(regex = r"^(?:スマートフォンが)?インターネットに接続できない$")]
async fn offline(w: &mut QaWorld) -> Step {
    crate::report::note("通信が切断される");
    w.sim()?.go_offline().await;
    Ok(())
}

#[when(regex = r"^インターネットに接続できるようになる$")]
async fn online(w: &mut QaWorld) -> Step {
    crate::report::note("通信が回復する");
    w.sim()?.go_online().await;
    Ok(())
}

#[given(regex = r"^クラウドの「(.+)」が(\d+)回続けてエラー(\d+)を返す$")]
#[when(regex = r"^クラウドの「(.+)」が(\d+)回続けてエラー(\d+)を返す$")]
async fn cloud_fails(w: &mut QaWorld, path: String, times: u32, status: u16) -> Step {
    crate::report::note(&format!("クラウド {path} がエラー{status}を{times}回返す"));
    w.sim()?.fail_next(&path, status, times);
    Ok(())
}

#[given(regex = r"^アクセストークンの有効期限が切れる$")]
#[when(regex = r"^アクセストークンの有効期限が切れる$")]
async fn expire_access(w: &mut QaWorld) -> Step {
    crate::report::note("アクセストークンの有効期限切れ");
    w.sim()?.expire_access_tokens();
    Ok(())
}

#[given(regex = r"^ログイン状態が無効になる（リフレッシュトークンの失効）$")]
#[when(regex = r"^ログイン状態が無効になる（リフレッシュトークンの失効）$")]
async fn revoke_refresh(w: &mut QaWorld) -> Step {
    crate::report::note("リフレッシュトークンの失効");
    w.sim()?.revoke_refresh_tokens();
    Ok(())
}

#[given(regex = r"^スマートHEMSサービス利用規約の新しい版「(.+)」が公開される$")]
#[when(regex = r"^スマートHEMSサービス利用規約の新しい版「(.+)」が公開される$")]
async fn new_terms(w: &mut QaWorld, version: String) -> Step {
    crate::report::note(&format!("利用規約 {version} が公開される"));
    w.sim()?.publish_app_terms(&version, "第1条（改定）本規約は改定されました。");
    Ok(())
}

// ── ならば ─────────────────────────────────────────────────────────────────────────────

#[then(regex = r"^「(.+)」画面が表示される$")]
async fn screen_is(w: &mut QaWorld, title: String) -> Step {
    let view = w.screen()?;
    if view.title == title {
        Ok(())
    } else {
        Err(format!("the app shows 「{}」, not 「{title}」", view.title))
    }
}

/// Every word of the screen a user reads (title, body, notice), one part per line.
fn words_on(view: &smarthems::flow::ScreenView) -> String {
    std::iter::once(&view.title).chain(&view.body).chain(&view.notice).cloned().collect::<Vec<_>>().join("\n")
}

#[then(regex = r"^画面に「(.+)」と表示される$")]
async fn screen_says(w: &mut QaWorld, text: String) -> Step {
    let all = words_on(&w.screen()?);
    if all.contains(&text) {
        Ok(())
    } else {
        Err(format!("「{text}」 is not on the screen:\n{all}"))
    }
}

#[then(regex = r"^画面に「(.+)」と表示されない$")]
async fn screen_does_not_say(w: &mut QaWorld, text: String) -> Step {
    let all = words_on(&w.screen()?);
    if all.contains(&text) {
        Err(format!("「{text}」 is still on the screen:\n{all}"))
    } else {
        Ok(())
    }
}

#[then(regex = r"^「(.+)」ボタンが表示される$")]
async fn button_shown(w: &mut QaWorld, label: String) -> Step {
    let view = w.screen()?;
    if view.buttons.iter().any(|b| b.label == label) {
        Ok(())
    } else {
        Err(format!("no 「{label}」 on 「{}」", view.title))
    }
}

#[then(regex = r"^「(.+)」ボタンは表示されない$")]
async fn button_not_shown(w: &mut QaWorld, label: String) -> Step {
    let view = w.screen()?;
    if view.buttons.iter().any(|b| b.label == label) {
        Err(format!("「{}」 still shows 「{label}」", view.title))
    } else {
        Ok(())
    }
}

#[then(regex = r"^アプリはログインのコードを交換していない$")]
async fn no_exchange(w: &mut QaWorld) -> Step {
    match w.sim()?.token_exchanges() {
        0 => Ok(()),
        n => Err(format!("{n} code exchange(s) happened")),
    }
}

#[then(regex = r"^クラウドに記録された利用規約への同意は「(.+)」である$")]
async fn consent_recorded(w: &mut QaWorld, version: String) -> Step {
    let got = w.sim()?.app_consent(&w.email);
    let expected = (version != "なし").then_some(version);
    if got == expected {
        Ok(())
    } else {
        Err(format!("the cloud recorded {got:?}"))
    }
}

#[then(regex = r"^クラウドに利用規約への同意は記録されていない$")]
async fn no_consent(w: &mut QaWorld) -> Step {
    match w.sim()?.app_consent(&w.email) {
        None => Ok(()),
        Some(v) => Err(format!("the cloud recorded consent to {v}")),
    }
}

#[then(regex = r"^トークンはセキュアストアにだけ保存され、データベースには書かれていない$")]
async fn tokens_only_in_secure_store(w: &mut QaWorld) -> Step {
    let secrets = crate::secrets_in(&w.secure);
    if secrets.is_empty() {
        return Err("the secure store holds no token".into());
    }
    for path in [w.database_path(), format!("{}-wal", w.database_path())] {
        let bytes = std::fs::read(&path).unwrap_or_default();
        for secret in &secrets {
            if bytes.windows(secret.len()).any(|win| win == secret.as_bytes()) {
                return Err(format!("a token was found in {path}"));
            }
        }
    }
    Ok(())
}

#[then(regex = r"^セキュアストアにトークンが残っていない$")]
async fn secure_store_wiped(w: &mut QaWorld) -> Step {
    match crate::secrets_in(&w.secure).len() {
        0 => Ok(()),
        n => Err(format!("{n} secret(s) left in the secure store")),
    }
}

#[then(regex = r"^アプリはリフレッシュトークンでアクセストークンを更新した$")]
async fn refreshed(w: &mut QaWorld) -> Step {
    let exchanges = w.sim()?.token_exchanges() as usize;
    let token_calls = w.sim()?.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/token")).count();
    if token_calls > exchanges {
        Ok(())
    } else {
        Err(format!("no refresh: {token_calls} token call(s), {exchanges} code exchange(s)"))
    }
}

#[then(regex = r"^失効したリフレッシュトークンはもう使えない$")]
async fn refresh_tokens_revoked(w: &mut QaWorld) -> Step {
    let seen = w.seen_refresh_tokens.clone();
    let last = seen.last().ok_or("the app never held a refresh token")?;
    let token_url = provider_endpoint(w, "token_endpoint").await?;
    let client_id = w.config().client_id;
    let form = [("grant_type", "refresh_token"), ("refresh_token", last.as_str()), ("client_id", client_id.as_str())];
    let response = reqwest::Client::new().post(token_url).form(&form).send().await.map_err(|e| e.to_string())?;
    if response.status() == 400 {
        Ok(())
    } else {
        Err(format!("the provider still accepts it: {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    /// The literal parts of a step pattern: what is left between its capture groups.
    fn literal_parts(pattern: &str) -> Vec<String> {
        let mut parts = vec![String::new()];
        let mut depth = 0;
        let mut escaped = false;
        for c in pattern.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '(' => {
                    depth += 1;
                    parts.push(String::new());
                }
                ')' => depth -= 1,
                '?' if depth == 0 => {}
                c if depth == 0 => parts.last_mut().unwrap().push(c),
                _ => {}
            }
        }
        parts.into_iter().filter(|p| p.chars().count() >= 2).collect()
    }

    /// docs/qa.md lists every phrase: each literal part of every step pattern appears there.
    #[test]
    fn every_step_phrase_is_documented() {
        let guide = include_str!("../../../docs/qa.md");
        let files = crate::tags::step_sources();
        let mut count = 0;
        for pattern in
            files.iter().flat_map(|f| f.lines()).filter_map(|l| l.split("regex = r\"^").nth(1)?.split("$\"").next())
        {
            count += 1;
            for part in literal_parts(pattern) {
                assert!(guide.contains(&part), "docs/qa.md does not list the step part 「{part}」 of `{pattern}`");
            }
        }
        assert!(count > 25, "found only {count} step patterns");
    }
}
