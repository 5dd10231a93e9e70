//! Network policy: which URLs the app may talk to, and the one HTTP client it uses.

use std::time::Duration;

use url::Url;

/// HTTPS only, except plain HTTP to this machine's loopback (tests, the simulated cloud).
pub fn is_allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Parses `text` and checks it against the policy.
pub fn allowed_url(text: &str) -> Option<Url> {
    Url::parse(text).ok().filter(is_allowed)
}

/// The one HTTP client, built when the first request needs it rather than with the app object:
/// building it (TLS set-up with the platform's verifier) was most of a cold start, and a relaunch
/// onto a saved screen often sends nothing at first. Clones share the client.
#[derive(Clone, Default)]
pub struct Http(std::sync::Arc<std::sync::OnceLock<reqwest::Client>>);

impl Http {
    /// A client made by `client()` on first use.
    pub fn lazy() -> Http {
        Http::default()
    }
}

impl From<reqwest::Client> for Http {
    fn from(made: reqwest::Client) -> Http {
        Http(std::sync::Arc::new(made.into()))
    }
}

impl std::ops::Deref for Http {
    type Target = reqwest::Client;
    fn deref(&self) -> &reqwest::Client {
        self.0.get_or_init(client)
    }
}

/// Whether a request failed because the server's certificate was not trusted (expired, not yet
/// valid — a phone whose clock is wrong —, unknown issuer — a network that intercepts traffic —,
/// wrong name), found in the error's chain of causes.
pub fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return matches!(tls, rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented);
    }
    // rustls's error travels inside io::Errors through hyper, and an io::Error's `source` skips
    // the error it wraps: look inside it first.
    if let Some(inner) = error.downcast_ref::<std::io::Error>().and_then(|e| e.get_ref()) {
        if is_certificate_error(inner) {
            return true;
        }
    }
    error.source().is_some_and(is_certificate_error)
}

/// The HTTP client for every call the core makes. Redirects are not followed: OAuth token and
/// API calls must never be redirected somewhere else with their credentials.
pub fn client() -> reqwest::Client {
    let builder = match crate::setup::tls_config() {
        Some(tls) => reqwest::Client::builder().use_preconfigured_tls(tls),
        None => reqwest::Client::builder(),
    };
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .user_agent(concat!("smarthems/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is static and valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        for (url, ok) in [
            ("https://club.panasonic.jp/oidc", true),
            ("http://127.0.0.1:8080/oidc", true),
            ("http://localhost:1/x", true),
            ("http://[::1]:1/x", true),
            ("http://club.panasonic.jp/oidc", false),
            ("http://10.0.0.1/oidc", false),
            ("ftp://127.0.0.1/x", false),
            ("jp.co.panasonic.smarthems:/oauth2redirect", false),
            ("not a url", false),
            // No IDNA back end (Cargo.lock pins `idna_adapter` 1.0): a host outside ASCII does
            // not parse, so it is refused rather than mapped to another (fullwidth, Cyrillic).
            ("https://ｃｌｕｂ.panasonic.jp/oidc", false),
            ("https://club.pаnasonic.jp/oidc", false),
        ] {
            assert_eq!(allowed_url(url).is_some(), ok, "{url}");
        }
    }
}
