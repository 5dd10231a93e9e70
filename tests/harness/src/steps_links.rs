//! Steps for links from outside that must not derail a login or a registration: altered,
//! replayed and abandoned login redirects, the same link handed in twice, and CLUB Panasonic's
//! session in the browser (logging out of it, clearing its cookies).

use cucumber::{given, then, when};

use crate::browser::{self, with_param, Browser, Visit};
use crate::world::QaWorld;

type Step = Result<(), String>;

/// Logs in on the login page the app opened, as the user would, and keeps the redirect the
/// browser produced instead of handing it to the app.
async fn redirect_from_browser(w: &mut QaWorld) -> Result<String, String> {
    let page = w.browser.open(&w.last_opened_url()?).await?;
    let visit = match page {
        Visit::Redirect(_) => page,
        page => w.browser.log_in(&page, &w.email, &w.password).await?,
    };
    match visit {
        Visit::Redirect(redirect) => Ok(redirect),
        Visit::LoginPage { html, .. } => Err(format!("the login did not redirect: {}", browser::text_of(&html))),
    }
}

#[when(regex = r"^ログインの応答が書き換えられて（stateが違う）アプリに届く$")]
async fn forged_state(w: &mut QaWorld) -> Step {
    altered(w, "state".into()).await
}

#[when(regex = r"^ログインの応答の(state|iss|code)が書き換えられてアプリに届く$")]
async fn altered(w: &mut QaWorld, name: String) -> Step {
    let real = redirect_from_browser(w).await?;
    let value = match name.as_str() {
        "iss" => "https://attacker.example/oidc",
        "code" => "forged-code",
        _ => "forged",
    };
    let forged = with_param(&real, &name, value)?;
    w.held_redirect = Some(real);
    w.hand_back(forged).await.map(drop)
}

#[when(regex = r"^本物のログインの応答がアプリに届く$")]
async fn real_redirect(w: &mut QaWorld) -> Step {
    let real = w.held_redirect.take().ok_or("no real login redirect was held back")?;
    w.hand_back(real).await.map(drop)
}

#[when(regex = r"^ブラウザでログインしたが、その応答はアプリに届かない$")]
async fn redirect_lost(w: &mut QaWorld) -> Step {
    w.held_redirect = Some(redirect_from_browser(w).await?);
    crate::report::note("ブラウザ: ログインしたが、アプリに戻らなかった");
    Ok(())
}

#[when(regex = r"^届かなかった以前のログインの応答が今ごろアプリに届く$")]
async fn abandoned_redirect(w: &mut QaWorld) -> Step {
    let earlier = w.held_redirect.take().ok_or("no earlier login redirect was held back")?;
    w.hand_back(earlier).await.map(drop)
}

#[when(regex = r"^同じリンクがもう一度アプリに届く$")]
async fn same_link_again(w: &mut QaWorld) -> Step {
    let last = w.handed_links.last().cloned().ok_or("no link has been handed to the app yet")?;
    w.hand_back(last).await.map(drop)
}

#[given(regex = r"^ブラウザでCLUB Panasonicからログアウトする$")]
#[when(regex = r"^ブラウザでCLUB Panasonicからログアウトする$")]
async fn browser_logout(w: &mut QaWorld) -> Step {
    let url = format!("{}/.well-known/openid-configuration", w.config().issuer.trim_end_matches('/'));
    let discovery: serde_json::Value =
        reqwest::get(&url).await.map_err(|e| e.to_string())?.json().await.map_err(|e| format!("{url}: {e}"))?;
    let page = discovery["end_session_endpoint"].as_str().ok_or(format!("{url} has no end_session_endpoint"))?;
    w.browser.open(page).await.map(drop)
}

#[given(regex = r"^ブラウザのCookieを消す$")]
#[when(regex = r"^ブラウザのCookieを消す$")]
async fn clear_cookies(w: &mut QaWorld) -> Step {
    w.browser = Browser::new(&w.config().redirect_uri);
    Ok(())
}

#[then(regex = r"^コードの交換は(\d+)回である$")]
async fn exchanges(w: &mut QaWorld, count: u32) -> Step {
    match w.sim()?.token_exchanges() {
        n if n == count => Ok(()),
        n => Err(format!("{n} code exchange(s) happened, not {count}")),
    }
}
