//! Links from outside (the browser's login redirect, the AiSEG2's 2D code) are checked here,
//! before anything acts on them: only well-formed links of the app's own redirect URI and the
//! service's own registration address get through; everything else is refused without a single
//! request being sent.

use url::Url;

use super::model::AppFlipRequest;

/// Whether an App Flip request may be shown to the user: Google's client, a scope, a state, a
/// caller the platform verified, and Google's App Flip redirect for this app
/// (`https://oauth-redirect[-sandbox].googleusercontent.com/a/<app id>`).
pub fn app_flip_ok(request: &AppFlipRequest, google_client_id: &str, app_id: &str) -> bool {
    let redirect_ok = [
        format!("https://oauth-redirect.googleusercontent.com/a/{app_id}"),
        format!("https://oauth-redirect-sandbox.googleusercontent.com/a/{app_id}"),
    ]
    .contains(&request.redirect_uri);
    request.caller_verified
        && request.client_id == google_client_id
        && redirect_ok
        && !request.scope.trim().is_empty()
        && !request.state.is_empty()
        && request.state.len() <= 512
}

/// What a link handed to the app is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// The login redirect (its `state`, `iss` and code are checked by the login itself).
    LoginRedirect(String),
    /// The redirect URI with no login answer (no `code`, no `error`): the browser coming back
    /// from CLUB Panasonic's logout page.
    LogoutReturn,
    /// The AiSEG2's 2D code: start speaker registration for that AiSEG2 (flow C).
    RegistrationCode(String),
    /// Google Home's App Flip request as an iOS universal link (checked by `app_flip_ok`).
    AppFlip(AppFlipRequest),
    /// Anything else.
    Unknown,
}

/// The path of the 2D-code link on the service's host.
pub const REGISTRATION_PATH: &str = "/aiseg/speaker-registration";
/// The path of Google's App Flip universal link on the service's host.
pub const APP_FLIP_PATH: &str = "/app-flip";

/// Whether `code` looks like a registration token: 20–128 URL-safe characters.
fn is_token(code: &str) -> bool {
    (20..=128).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `link` is the page `page` names (scheme, host, port and path; the query aside).
pub fn same_page(link: &str, page: &Url) -> bool {
    Url::parse(link.trim()).is_ok_and(|url| url.fragment().is_none() && same_page_as(&url, page))
}

fn same_page_as(url: &Url, page: &Url) -> bool {
    url.scheme() == page.scheme()
        && url.host_str() == page.host_str()
        && url.port_or_known_default() == page.port_or_known_default()
        && url.path() == page.path()
        && url.username().is_empty()
        && url.password().is_none()
}

/// Sorts a link. `redirect_uri` is the app's login redirect; `service` is the origin the
/// service's own links use (its scheme, host and port).
pub fn classify(link: &str, redirect_uri: &Url, service: &Url) -> Link {
    let Ok(url) = Url::parse(link.trim()) else { return Link::Unknown };
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Link::Unknown;
    }
    if same_page_as(&url, redirect_uri) {
        let answers = url.query_pairs().any(|(k, _)| k == "code" || k == "error");
        return if answers { Link::LoginRedirect(link.trim().to_owned()) } else { Link::LogoutReturn };
    }
    let same_origin = url.scheme() == service.scheme()
        && url.host_str() == service.host_str()
        && url.port_or_known_default() == service.port_or_known_default();
    if same_origin && url.path() == APP_FLIP_PATH {
        let param =
            |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default();
        // On iOS the operating system checked the link's domain; the redirect is checked next.
        return Link::AppFlip(AppFlipRequest {
            client_id: param("client_id"),
            scope: param("scope"),
            state: param("state"),
            redirect_uri: param("redirect_uri"),
            caller_verified: true,
        });
    }
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
            (
                "jp.co.panasonic.smarthems:/oauth2redirect?code=x&state=y",
                Link::LoginRedirect("jp.co.panasonic.smarthems:/oauth2redirect?code=x&state=y".into()),
            ),
            (
                "jp.co.panasonic.smarthems:/oauth2redirect?error=access_denied&state=y",
                Link::LoginRedirect("jp.co.panasonic.smarthems:/oauth2redirect?error=access_denied&state=y".into()),
            ),
            // Back from CLUB Panasonic's logout page: no login answer in it.
            ("jp.co.panasonic.smarthems:/oauth2redirect", Link::LogoutReturn),
            ("jp.co.panasonic.smarthems:/oauth2redirect?state=y", Link::LogoutReturn),
            (
                &format!("https://hems.example.jp/aiseg/speaker-registration?code={code}"),
                Link::RegistrationCode(code.into()),
            ),
            (
                &format!("https://hems.example.jp:443/aiseg/speaker-registration?code={code}"),
                Link::RegistrationCode(code.into()),
            ),
            (&format!("http://hems.example.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://evil.example/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp.evil.example/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://user@hems.example.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp:8443/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.example.jp/aiseg/speaker-registration/?code={code}"), Link::Unknown),
            (
                &format!("https://hems.example.jp/aiseg/speaker-registration?code={code}&next=https://evil"),
                Link::Unknown,
            ),
            (&format!("https://hems.example.jp/aiseg/speaker-registration?code={code}#x"), Link::Unknown),
            ("https://hems.example.jp/aiseg/speaker-registration?code=short", Link::Unknown),
            (
                "https://hems.example.jp/aiseg/speaker-registration?code=<script>alert(1)</script>aaaaaaaaaaa",
                Link::Unknown,
            ),
            ("https://hems.example.jp/aiseg/speaker-registration", Link::Unknown),
            // Hosts outside ASCII are refused, never mapped onto ours (the library has no IDNA
            // back end: Cargo.lock pins `idna_adapter` 1.0, README "The library, lever by lever"),
            // and a Punycode look-alike is just another host.
            (&format!("https://ｈｅｍｓ.example.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://hems.exаmple.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            (&format!("https://xn--hms-bma.example.jp/aiseg/speaker-registration?code={code}"), Link::Unknown),
            ("jp.co.panasonic.smarthems:/elsewhere?code=x", Link::Unknown),
            ("javascript:alert(1)", Link::Unknown),
            ("", Link::Unknown),
        ] {
            assert_eq!(classify(link, &redirect, &service), expected, "{link}");
        }
    }
}

#[cfg(test)]
mod app_flip_tests {
    use super::*;

    #[test]
    fn only_googles_verified_request_for_this_app_is_shown() {
        let good = AppFlipRequest {
            client_id: "google-home".into(),
            scope: "openid".into(),
            state: "s".into(),
            redirect_uri: "https://oauth-redirect.googleusercontent.com/a/jp.co.panasonic.smarthems".into(),
            caller_verified: true,
        };
        let check = |r: AppFlipRequest| app_flip_ok(&r, "google-home", "jp.co.panasonic.smarthems");
        assert!(check(good.clone()));
        assert!(check(AppFlipRequest {
            redirect_uri: "https://oauth-redirect-sandbox.googleusercontent.com/a/jp.co.panasonic.smarthems".into(),
            ..good.clone()
        }));
        for bad in [
            AppFlipRequest { caller_verified: false, ..good.clone() },
            AppFlipRequest { client_id: "evil".into(), ..good.clone() },
            AppFlipRequest { redirect_uri: "https://evil.example/a/jp.co.panasonic.smarthems".into(), ..good.clone() },
            AppFlipRequest {
                redirect_uri: "https://oauth-redirect.googleusercontent.com/a/other.app".into(),
                ..good.clone()
            },
            AppFlipRequest {
                redirect_uri: "https://oauth-redirect.googleusercontent.com/r/jp.co.panasonic.smarthems".into(),
                ..good.clone()
            },
            AppFlipRequest { scope: " ".into(), ..good.clone() },
            AppFlipRequest { state: String::new(), ..good.clone() },
        ] {
            assert!(!check(bad.clone()), "{bad:?}");
        }
    }
}
