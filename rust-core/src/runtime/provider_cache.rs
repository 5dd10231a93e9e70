//! The login provider's discovery document and JWKS, kept for the whole process for as long as
//! their HTTP answers allow (`Cache-Control`), keyed by URL (the issuer's discovery URL, the JWKS
//! URI). A new app object — a relaunch in the same process, a second activity or extension —
//! then logs in without fetching them again; a token signed with a key the kept JWKS lacks makes
//! the login fetch the JWKS anew (`login.rs`), which replaces the kept one for everyone.
//!
//! Only those two public documents are kept: nothing with a token or a user's data in it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use openidconnect::{http, HttpResponse};

/// How long an answer without `Cache-Control` is kept: short, so that a provider that says
/// nothing still has a changed configuration or key seen within minutes, and long enough to
/// serve the app objects a process makes around one login.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The longest time anything is kept, whatever the provider says: a day, so a phone that keeps
/// the process for weeks still reads the provider's documents again.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

struct Kept {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
    until: Instant,
}

fn kept() -> std::sync::MutexGuard<'static, HashMap<String, Kept>> {
    static KEPT: OnceLock<Mutex<HashMap<String, Kept>>> = OnceLock::new();
    KEPT.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// How long an answer with these headers may be kept (RFC 9111 §5.2.2): not at all with
/// `no-store` or `no-cache` (it must be checked with the provider every time; the app does not
/// revalidate) or `max-age=0`; `max-age` seconds, up to `MAX_LIFETIME`; `DEFAULT_LIFETIME` when
/// the provider says nothing.
pub fn lifetime(headers: &http::HeaderMap) -> Option<Duration> {
    let mut max_age = None;
    for value in headers.get_all(http::header::CACHE_CONTROL) {
        for directive in value.to_str().unwrap_or("no-store").split(',') {
            let directive = directive.trim().to_ascii_lowercase();
            match directive.split_once('=') {
                None if directive == "no-store" || directive == "no-cache" => return None,
                Some(("max-age", seconds)) => max_age = seconds.trim_matches('"').parse::<u64>().ok(),
                _ => {}
            }
        }
    }
    match max_age {
        Some(0) => None,
        Some(seconds) => Some(Duration::from_secs(seconds).min(MAX_LIFETIME)),
        // Nothing said, or directives none of which is a lifetime (`public`): the default.
        None => Some(DEFAULT_LIFETIME),
    }
}

/// The kept answer for `url`, while it is fresh.
pub fn get(url: &str) -> Option<HttpResponse> {
    let mut kept = kept();
    match kept.get(url) {
        Some(answer) if answer.until > Instant::now() => {
            let mut response = http::Response::new(answer.body.clone());
            *response.status_mut() = http::StatusCode::from_u16(answer.status).ok()?;
            *response.headers_mut() = answer.headers.clone();
            Some(response)
        }
        Some(_) => {
            kept.remove(url);
            None
        }
        None => None,
    }
}

/// Keeps a successful answer for `url` as long as its headers allow (and drops an older one when
/// they allow nothing).
pub fn put(url: &str, response: &HttpResponse) {
    let mut kept = kept();
    match lifetime(response.headers()).filter(|_| response.status() == http::StatusCode::OK) {
        Some(lifetime) => {
            let answer = Kept {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: response.body().clone(),
                until: Instant::now() + lifetime,
            };
            kept.insert(url.to_owned(), answer);
        }
        None => {
            kept.remove(url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_says_how_long_to_keep() {
        for (header, expected) in [
            (None, Some(DEFAULT_LIFETIME)),
            (Some("max-age=60"), Some(Duration::from_secs(60))),
            (Some("public, max-age=3600, must-revalidate"), Some(Duration::from_secs(3600))),
            (Some("MAX-AGE=\"5\""), Some(Duration::from_secs(5))),
            (Some("max-age=99999999"), Some(MAX_LIFETIME)),
            (Some("max-age=0"), None),
            (Some("no-store"), None),
            (Some("max-age=60, no-cache"), None),
            (Some("public"), Some(DEFAULT_LIFETIME)),
        ] {
            let mut headers = http::HeaderMap::new();
            if let Some(value) = header {
                headers.insert(http::header::CACHE_CONTROL, value.parse().unwrap());
            }
            assert_eq!(lifetime(&headers), expected, "{header:?}");
        }
    }
}
