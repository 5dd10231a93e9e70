//! The user's system browser, played over HTTP: it opens the authorize URL the app asked for,
//! fills in CLUB Panasonic's login page as a person would, keeps the SSO cookie between logins
//! (step 3's note) and hands the final redirect back to the app — without ever following it,
//! exactly like a browser that gives a custom-scheme link to the app it belongs to.
//!
//! `Manual` mode is for a real device or a real environment: it prints the URL and reads the
//! redirect URL back from standard input.

use std::io::{BufRead, Write};

use reqwest::redirect::Policy;
use url::Url;

/// Where a browser visit ended.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Visit {
    /// The provider sent the browser back to the app with this URL.
    Redirect(String),
    /// The provider shows a page (its login page, a consent page).
    LoginPage { url: Url, html: String },
}

impl Visit {
    /// Whether the page shows a form that posts to `action` (the login or the 新規登録 form).
    pub fn shows_form(&self, action: &str) -> bool {
        matches!(self, Visit::LoginPage { html, .. } if html.contains(&format!("<form method=\"post\" action=\"{action}\"")))
    }
}

pub struct Browser {
    http: reqwest::Client,
    redirect_prefix: String,
}

impl Browser {
    pub fn new(redirect_uri: &str) -> Browser {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("static client configuration");
        Browser { http, redirect_prefix: redirect_uri.to_owned() }
    }

    /// Follows redirects from `url` until the app's redirect URI or a page.
    pub async fn open(&self, url: &str) -> Result<Visit, String> {
        self.follow(self.http.get(url), Url::parse(url).map_err(|e| e.to_string())?).await
    }

    async fn follow(&self, mut request: reqwest::RequestBuilder, mut current: Url) -> Result<Visit, String> {
        for _ in 0..10 {
            let response = request.send().await.map_err(|e| format!("browser: {e:?}"))?;
            if response.status().is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or("redirect without Location")?
                    .to_owned();
                if location.starts_with(&self.redirect_prefix) {
                    return Ok(Visit::Redirect(location));
                }
                current = current.join(&location).map_err(|e| e.to_string())?;
                request = self.http.get(current.clone());
                continue;
            }
            let status = response.status();
            let html = response.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("the provider answered {status}: {}", text_of(&html)));
            }
            return Ok(Visit::LoginPage { url: current, html });
        }
        Err("too many redirects".into())
    }

    /// Types the e-mail address and password into the login page and taps 「ログインする」.
    pub async fn log_in(&self, page: &Visit, email: &str, password: &str) -> Result<Visit, String> {
        self.submit(page, &[("email", email), ("password", password)]).await
    }

    /// Taps the login page's 「キャンセル」.
    pub async fn cancel(&self, page: &Visit) -> Result<Visit, String> {
        self.follow_link(page, "キャンセル").await
    }

    /// Submits the page's first form with its hidden fields and these typed ones.
    pub async fn submit(&self, page: &Visit, typed: &[(&str, &str)]) -> Result<Visit, String> {
        let Visit::LoginPage { url, html } = page else { return Err("no page is shown".into()) };
        let action = attr_after(html, "<form", "action").ok_or("the page has no form")?;
        let target = url.join(&action).map_err(|e| e.to_string())?;
        let mut form: Vec<(String, String)> = hidden_inputs(html);
        form.extend(typed.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        self.follow(self.http.post(target.clone()).form(&form), target).await
    }

    /// Follows the link whose text contains `label`.
    pub async fn follow_link(&self, page: &Visit, label: &str) -> Result<Visit, String> {
        let Visit::LoginPage { url, html } = page else { return Err("no page is shown".into()) };
        let href = link_labelled(html, label).ok_or(format!("the page has no 「{label}」 link"))?;
        let target = url.join(&href).map_err(|e| e.to_string())?;
        self.follow(self.http.get(target.clone()), target).await
    }
}

/// `url` with its query parameter `name` set to `value` (a redirect altered on its way).
pub fn with_param(url: &str, name: &str, value: &str) -> Result<String, String> {
    let mut url = Url::parse(url).map_err(|e| e.to_string())?;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name { value.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    Ok(url.to_string())
}

/// The real-browser mode: a person opens the URL and pastes back where the browser ended up.
pub fn ask_person(url: &str) -> Result<String, String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nOpen this URL in a browser and log in:\n  {url}\nThen paste the URL the browser was sent to (it starts with the app's redirect URI):")
        .map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(line.trim().to_owned())
}

/// The readable text of a page (for error messages and assertions).
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attr_after(html: &str, tag: &str, attr: &str) -> Option<String> {
    let start = html.find(tag)?;
    let end = start + html[start..].find('>')?;
    attr_value(&html[start..end], attr)
}

fn attr_value(tag: &str, attr: &str) -> Option<String> {
    let key = format!("{attr}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].replace("&amp;", "&"))
}

fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.match_indices("<input")
        .filter_map(|(i, _)| {
            let tag = &html[i..i + html[i..].find('>')?];
            (attr_value(tag, "type")? == "hidden").then_some(())?;
            Some((attr_value(tag, "name")?, attr_value(tag, "value").unwrap_or_default()))
        })
        .collect()
}

fn link_labelled(html: &str, label: &str) -> Option<String> {
    html.match_indices("<a ").find_map(|(i, _)| {
        let close = i + html[i..].find("</a>")?;
        let inner = &html[i..close];
        inner.contains(label).then(|| attr_value(inner, "href"))?
    })
}

/// Notes in the report what the browser shows.
pub fn report_page(page: &Visit) {
    match page {
        Visit::LoginPage { html, .. } => {
            let title = html.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("?");
            crate::report::note(&format!("ブラウザ: 「{title}」ページ"));
        }
        Visit::Redirect(_) => crate::report::note("ブラウザ: ログイン画面を表示せずにアプリに戻る"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_login_form() {
        let html = r#"<form method="post" action="/oidc/login"><input type="hidden" name="interaction" value="i1">
            <input type="email" name="email"></form><a class="x" href="/oidc/cancel?interaction=i1&amp;a=b">キャンセル</a>"#;
        assert_eq!(attr_after(html, "<form", "action").as_deref(), Some("/oidc/login"));
        assert_eq!(hidden_inputs(html), vec![("interaction".to_owned(), "i1".to_owned())]);
        assert_eq!(link_labelled(html, "キャンセル").as_deref(), Some("/oidc/cancel?interaction=i1&a=b"));
        assert_eq!(text_of("<p>メール<b>アドレス</b></p>"), "メール アドレス");
    }
}
