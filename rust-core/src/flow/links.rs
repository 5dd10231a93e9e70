//! Links from outside (the browser's login redirect, the AiSEG2's 2D code) are checked here,
//! before anything acts on them: only well-formed links of the app's own redirect URI and the
//! service's own registration address get through; everything else is refused without a single
//! request being sent.

use url::Url;

/// What a link handed to the app is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// The login redirect (its `state`, `iss` and code are checked by the login itself).
    LoginRedirect(String),
    /// The AiSEG2's 2D code: start speaker registration for that AiSEG2 (flow C).
    RegistrationCode(String),
    /// Anything else.
    Unknown,
}

/// The path of the 2D-code link on the service's host.
pub const REGISTRATION_PATH: &str = "/aiseg/speaker-registration";

/// Whether `code` looks like a registration token: 20–128 URL-safe characters.
fn is_token(code: &str) -> bool {
    (20..=128).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Sorts a link. `redirect_uri` is the app's login redirect; `service` is the origin the
/// service's own links use (its scheme, host and port).
pub fn classify(link: &str, redirect_uri: &Url, service: &Url) -> Link {
    let Ok(url) = Url::parse(link.trim()) else { return Link::Unknown };
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Link::Unknown;
    }
    if url.scheme() == redirect_uri.scheme()
        && url.host_str() == redirect_uri.host_str()
        && url.port_or_known_default() == redirect_uri.port_or_known_default()
        && url.path() == redirect_uri.path()
    {
        return Link::LoginRedirect(link.trim().to_owned());
    }
    let same_origin = url.scheme() == service.scheme()
        && url.host_str() == service.host_str()
        && url.port_or_known_default() == service.port_or_known_default();
    if same_origin && url.path() == REGISTRATION_PATH {
        let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if let [(key, code)] = pairs.as_slice() {
            if key == "code" && is_token(code) {
                return Link::RegistrationCode(code.clone());
            }
        }
    }
    Link::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_links_get_through() {
        let redirect = Url::parse("jp.co.panasonic.smarthems:/oauth2redirect").unwrap();
        let service = Url::parse("https://hems.example.jp").unwrap();
        let code = "AbCdEfGhIjKlMnOpQrStUv_-12";
        for (link, expected) in [
            ("jp.co.panasonic.smarthems:/oauth2redirect?code=x&state=y", Link::LoginRedirect("jp.co.panasonic.smarthems:/oauth2redirect?code=x&state=y".into())),
            (&format!("https://hems.example.jp/aiseg/speaker-registration?code={code}"), Link::RegistrationCode(code.into())),
            (&format!("https://hems.example.jp:443/aiseg/speaker-registration?code={code}"), Link::RegistrationCode(code.into())),
            (&format!("http://hems.example.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://evil.example/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp.evil.example/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://user@hems.example.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp:8443/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp/aiseg/speaker-registration/?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp/aiseg/speaker-registration?code={code}&next=https://evil"), Link::Unknown),
            (&format!("https://hems.example.jp/aiseg/speaker-registration?code={code}#x"), Link::Unknown),
            ("https://hems.example.jp/aiseg/speaker-registration?code=short", Link::Unknown),
            ("https://hems.example.jp/aiseg/speaker-registration?code=<script>alert(1)</script>aaaaaaaaaaa", Link::Unknown),
            ("https://hems.example.jp/aiseg/speaker-registration", Link::Unknown),
            ("jp.co.panasonic.smarthems:/elsewhere?code=x", Link::Unknown),
            ("javascript:alert(1)", Link::Unknown),
            ("", Link::Unknown),
        ] {
            assert_eq!(classify(link, &redirect, &service), expected, "{link}");
        }
    }
}
