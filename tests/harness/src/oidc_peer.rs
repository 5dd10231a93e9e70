//! oidc-provider (panva's npm package, an OpenID Certified provider nobody here wrote) as the peer
//! of the core's login in interop tests.
//!
//! [`OidcPeer::start`] runs `tests/interop/provider.mjs` with `node` on a random loopback port
//! (`npm ci --prefix tests/interop` first) and stops it when dropped: its stdin closes, which makes
//! it exit, and it is killed and reaped all the same. Its one client is the app: public native
//! client [`OidcPeer::CLIENT_ID`] (no secret), redirect [`OidcPeer::REDIRECT_URI`] (also after
//! logout), PKCE required (S256 only), revocation, userinfo and RP-initiated logout; refresh
//! tokens by the library's default policy (only for `offline_access` asked with `prompt=consent`,
//! rotated for a public client). Authorization responses come back in the query
//! (`response_mode=query`) with `iss` (RFC 9207), errors included. Every token grant it answers
//! is recorded ([`OidcPeer::grants`]), with hashes of the refresh tokens presented and issued.
//!
//! The user's part on its development login and consent pages ([`complete_login`],
//! [`cancel_login`]) is played with the same cookie-keeping, redirect-by-hand
//! [`Browser`](crate::browser::Browser) the other features use; the final redirect to the app's
//! custom scheme is returned, never fetched.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::browser::{Browser, Visit};

/// A running oidc-provider on loopback; stopped on drop.
pub struct OidcPeer {
    pub issuer: String,
    child: Child,
    stdin: Option<ChildStdin>,
    grants: Arc<Mutex<Vec<Grant>>>,
}

/// One answer of the peer's token endpoint: which refresh token was presented and which issued
/// (SHA-256 hex of each, never the tokens).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Grant {
    pub grant: Option<String>,
    pub presented: Option<String>,
    pub issued: Option<String>,
    pub status: u16,
}

/// How the peer is configured beyond the library's defaults.
#[derive(Clone, Copy, Debug)]
pub struct PeerOptions {
    /// Access-token lifetime in seconds.
    pub access_token_ttl: u64,
    /// Rotate the refresh token on every refresh (`rotateRefreshToken: true`).
    pub rotate_always: bool,
}

impl Default for PeerOptions {
    fn default() -> Self {
        PeerOptions { access_token_ttl: 3600, rotate_always: false }
    }
}

impl OidcPeer {
    pub const CLIENT_ID: &'static str = "smarthems-app";
    pub const REDIRECT_URI: &'static str = "jp.co.panasonic.smarthems:/oauth2redirect";

    /// Starts it with the library's defaults and access tokens that live an hour.
    pub fn start() -> std::io::Result<OidcPeer> {
        Self::start_with(PeerOptions::default())
    }

    /// Starts it configured by `options` (`ACCESS_TOKEN_TTL`, `ROTATE_REFRESH_TOKEN`).
    ///
    /// It announces its issuer in about 0.3 s. Once, in CI, one of two peers started together said
    /// nothing for 20 s and did not exit (nothing on its standard error either), which failed a
    /// run that was not about starting it. So a peer silent for [`START_PATIENCE`] is killed and
    /// started once more, saying so on standard error; a second silence fails with both stories.
    pub fn start_with(options: PeerOptions) -> std::io::Result<OidcPeer> {
        match Self::launch(options) {
            Err(Launch::Silent(first)) => {
                eprintln!("oidc-provider: {first}; starting it once more");
                Self::launch(options)
                    .map_err(|again| std::io::Error::other(format!("{first}; started again: {}", again.into_message())))
            }
            other => other.map_err(Launch::into_message).map_err(std::io::Error::other),
        }
    }

    fn launch(options: PeerOptions) -> Result<OidcPeer, Launch> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
        if !dir.join("node_modules/oidc-provider").exists() {
            return Err(Launch::Failed("oidc-provider is not installed: run `npm ci --prefix tests/interop`".into()));
        }
        let started = Instant::now();
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("ACCESS_TOKEN_TTL", options.access_token_ttl.to_string())
            .env("ROTATE_REFRESH_TOKEN", if options.rotate_always { "always" } else { "default" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Launch::Failed(format!("cannot run `node` (Node.js 20 or later is needed): {e}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stdin = child.stdin.take();
        // From here on, an early return drops `peer`, which kills and reaps node.
        let mut peer = OidcPeer { issuer: String::new(), child, stdin, grants: Arc::default() };

        let (tx, rx) = mpsc::channel();
        // Keep reading after the first line: a closed pipe would kill node (EPIPE) on its next write.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Its standard error only carries errors: kept for a failed start, shown in the test's output.
        let errors = Arc::new(Mutex::new(Vec::<String>::new()));
        let kept = Arc::clone(&errors);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("oidc-provider: {line}");
                kept.lock().unwrap().push(line);
            }
        });
        let story = |why: String| {
            let said = errors.lock().unwrap().join("\n");
            if said.is_empty() {
                why
            } else {
                format!("{why}; it said:\n{said}")
            }
        };

        let deadline = started + START_PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let running = match peer.child.try_wait() {
                        Ok(None) => "still running".to_owned(),
                        Ok(Some(status)) => format!("ended with {status}"),
                        Err(e) => format!("state unknown: {e}"),
                    };
                    let pid = peer.child.id();
                    return Err(Launch::Silent(story(format!(
                        "oidc-provider (pid {pid}, {running}) did not announce its issuer within {} s",
                        START_PATIENCE.as_secs()
                    ))));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(200)); // let its last words arrive
                    return Err(Launch::Failed(story("oidc-provider exited before announcing its issuer".into())));
                }
            };
            let Ok(announced) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            let issuer =
                announced["issuer"].as_str().ok_or_else(|| Launch::Failed(story(format!("no issuer in {line:?}"))))?;
            peer.issuer = issuer.to_owned();
            // The lines after the issuer are the token grants it answers.
            let grants = Arc::clone(&peer.grants);
            std::thread::spawn(move || {
                for line in rx {
                    match serde_json::from_str::<Grant>(&line) {
                        Ok(grant) => grants.lock().unwrap().push(grant),
                        Err(_) => eprintln!("oidc-provider said: {line}"),
                    }
                }
            });
            return Ok(peer);
        }
    }

    /// The token grants it has answered so far, oldest first.
    pub fn grants(&self) -> Vec<Grant> {
        self.grants.lock().unwrap().clone()
    }

    /// The issuer's authorization endpoint (`/auth`, as its discovery document says).
    pub fn authorization_endpoint(&self) -> String {
        format!("{}/auth", self.issuer)
    }

    /// The issuer's token endpoint (`/token`).
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.issuer)
    }
}

/// How long a starting peer may stay silent before it counts as hung (it needs about 0.3 s).
const START_PATIENCE: Duration = Duration::from_secs(30);

/// Why one start of the peer did not give a running issuer.
enum Launch {
    /// It ran but said nothing in time: worth one more start.
    Silent(String),
    /// Not installed, not runnable, exited or answered nonsense: another start would fail the same way.
    Failed(String),
}

impl Launch {
    fn into_message(self) -> String {
        match self {
            Launch::Silent(why) | Launch::Failed(why) => why,
        }
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plays the user in the system browser: opens `authorize_url` with a fresh cookie jar, types
/// `login` (any password is accepted by its development interactions; `login` becomes the `sub`
/// and the `email` claim) and confirms the consent page, until the provider redirects to the app.
/// Returns that redirect URL (`REDIRECT_URI?code=…&state=…&iss=…`) without following it.
pub async fn complete_login(authorize_url: &str, login: &str) -> Result<String, String> {
    complete_login_in(&Browser::new(OidcPeer::REDIRECT_URI), authorize_url, login).await
}

/// As [`complete_login`], in `browser` (its cookies: the provider's session after a login).
pub async fn complete_login_in(browser: &Browser, authorize_url: &str, login: &str) -> Result<String, String> {
    let mut visit = browser.open(authorize_url).await?;
    for _ in 0..5 {
        visit = match &visit {
            Visit::Redirect(url) => return Ok(url.clone()),
            Visit::LoginPage { html, .. } if html.contains("name=\"login\"") => {
                browser.submit(&visit, &[("login", login), ("password", "any")]).await?
            }
            Visit::LoginPage { .. } => browser.submit(&visit, &[]).await?, // the consent page
        };
    }
    Err("oidc-provider did not redirect back".into())
}

/// Opens the provider's logout page (RP-initiated logout) in `browser` and confirms 「Yes, sign
/// me out」: the redirect back to the app, not followed.
pub async fn log_out_in(browser: &Browser, logout_page: &str) -> Result<String, String> {
    match browser.open(logout_page).await? {
        Visit::Redirect(url) => Ok(url),
        page => match browser.submit(&page, &[("logout", "yes")]).await? {
            Visit::Redirect(url) => Ok(url),
            Visit::LoginPage { html, .. } => {
                Err(format!("no redirect after logout: {}", crate::browser::text_of(&html)))
            }
        },
    }
}

/// Presses the login page's 「[ Cancel ]」 link (the consent page has the same one, to the same
/// abort endpoint): the provider answers the app with `error=access_denied` (plus `state`, `iss`).
pub async fn cancel_login(authorize_url: &str) -> Result<String, String> {
    let browser = Browser::new(OidcPeer::REDIRECT_URI);
    let page = browser.open(authorize_url).await?;
    match browser.follow_link(&page, "Cancel").await? {
        Visit::Redirect(url) => Ok(url),
        Visit::LoginPage { html, .. } => Err(format!("no redirect after cancel: {}", crate::browser::text_of(&html))),
    }
}

#[cfg(test)]
mod tests {
    //! The peer itself, by hand (no core code): needs `npm ci --prefix tests/interop` first.
    use super::*;
    use serde_json::Value;

    /// RFC 7636 Appendix B: this verifier's S256 challenge.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn authorize_url(peer: &OidcPeer, scope: &str, state: &str, extra: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&peer.authorization_endpoint()).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", OidcPeer::CLIENT_ID)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", OidcPeer::REDIRECT_URI)
            .append_pair("scope", scope)
            .append_pair("state", state)
            .append_pair("nonce", "nonce-1")
            .extend_pairs(extra);
        url.to_string()
    }

    fn s256(peer: &OidcPeer, scope: &str, state: &str) -> String {
        authorize_url(peer, scope, state, &[("code_challenge", CHALLENGE), ("code_challenge_method", "S256")])
    }

    /// As [`s256`], asking for a refresh token the way OpenID Connect Core §11 says.
    fn offline(peer: &OidcPeer, state: &str) -> String {
        let extra = [("code_challenge", CHALLENGE), ("code_challenge_method", "S256"), ("prompt", "consent")];
        authorize_url(peer, "openid profile email offline_access", state, &extra)
    }

    /// The app's side of the redirect: its query parameters, checked to go to the app.
    fn params(redirect: &str) -> std::collections::HashMap<String, String> {
        assert!(redirect.starts_with(&format!("{}?", OidcPeer::REDIRECT_URI)), "{redirect}");
        url::Url::parse(redirect).unwrap().query_pairs().into_owned().collect()
    }

    async fn token(peer: &OidcPeer, form: &[(&str, &str)]) -> (u16, Value) {
        let answer = reqwest::Client::new().post(peer.token_endpoint()).form(form).send().await.unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    }

    async fn exchange(peer: &OidcPeer, code: &str, verifier: &str) -> (u16, Value) {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", OidcPeer::REDIRECT_URI),
            ("client_id", OidcPeer::CLIENT_ID),
            ("code_verifier", verifier),
        ];
        token(peer, &form).await
    }

    async fn refresh(peer: &OidcPeer, refresh_token: &str) -> (u16, Value) {
        let form =
            [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", OidcPeer::CLIENT_ID)];
        token(peer, &form).await
    }

    async fn userinfo(peer: &OidcPeer, access_token: &str) -> reqwest::Response {
        let me = reqwest::Client::new().get(format!("{}/me", peer.issuer)).bearer_auth(access_token);
        me.send().await.unwrap()
    }

    /// A JWT's part (0 header, 1 claims), decoded (base64url without padding).
    fn jwt_part(jwt: &str, part: usize) -> Value {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let text = jwt.split('.').nth(part).unwrap();
        let (mut bits, mut count, mut out) = (0u32, 0, Vec::new());
        for c in text.bytes() {
            bits = bits << 6 | ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
            }
        }
        serde_json::from_slice(&out).unwrap()
    }

    #[tokio::test]
    async fn code_with_pkce_then_rotating_refresh_userinfo_and_revocation() {
        let peer = OidcPeer::start().expect("oidc-provider starts (npm ci --prefix tests/interop)");
        assert!(peer.issuer.starts_with("http://127.0.0.1:"), "{}", peer.issuer);

        // The library's default policy (OpenID Connect Core §11): no refresh token without
        // offline_access, nor for offline_access without prompt=consent.
        for (n, scope) in ["openid profile email", "openid profile offline_access"].into_iter().enumerate() {
            let redirect = complete_login(&s256(&peer, scope, &format!("s{n}")), "taro@example.jp").await.unwrap();
            let (status, tokens) = exchange(&peer, &params(&redirect)["code"], VERIFIER).await;
            assert_eq!(status, 200, "{tokens}");
            assert!(tokens["refresh_token"].is_null(), "{scope}: {tokens}");
        }
        let redirect = complete_login(&offline(&peer, "state-1"), "taro@example.jp").await.unwrap();
        let answer = params(&redirect);
        assert_eq!(answer.get("state").map(String::as_str), Some("state-1"));
        assert_eq!(answer.get("iss"), Some(&peer.issuer), "RFC 9207 iss in the authorization response");
        let code = answer.get("code").expect("a code in the query (response_mode=query)");

        let (status, tokens) = exchange(&peer, code, VERIFIER).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 3600);
        let access_token = tokens["access_token"].as_str().expect("an access token");
        let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
        let id_token = tokens["id_token"].as_str().expect("an id_token");
        assert_eq!(jwt_part(id_token, 0)["alg"], "RS256");
        let claims = jwt_part(id_token, 1);
        assert_eq!(claims["iss"].as_str(), Some(peer.issuer.as_str()));
        assert_eq!(claims["aud"], OidcPeer::CLIENT_ID);
        assert_eq!(claims["nonce"], "nonce-1");
        assert_eq!(claims["sub"], "taro@example.jp");

        let me = userinfo(&peer, access_token).await;
        assert_eq!(me.status(), 200);
        let me: Value = me.json().await.unwrap();
        assert_eq!((me["sub"].as_str(), me["email"].as_str()), (Some("taro@example.jp"), Some("taro@example.jp")));
        assert_eq!(me["name"], "パナソニック 太郎");

        // Refresh rotates the refresh token.
        let (status, refreshed) = refresh(&peer, refresh_token).await;
        assert_eq!(status, 200, "{refreshed}");
        let second = refreshed["refresh_token"].as_str().expect("a new refresh token");
        assert_ne!(second, refresh_token, "rotated");
        assert_ne!(refreshed["access_token"].as_str(), Some(access_token));
        assert!(refreshed["id_token"].is_string());

        // The new one works (and rotates again) ...
        let (status, third) = refresh(&peer, second).await;
        assert_eq!(status, 200, "{third}");
        let third = third["refresh_token"].as_str().unwrap().to_owned();
        // ... a used one is refused, and its reuse revokes the whole grant, the newest token too.
        let (status, error) = refresh(&peer, refresh_token).await;
        assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));
        let (status, error) = refresh(&peer, &third).await;
        assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")), "reuse revoked the grant");

        // Revocation (a fresh login, since the grant above is gone).
        let redirect = complete_login(&offline(&peer, "state-2"), "hanako@example.jp").await.unwrap();
        let (_, tokens) = exchange(&peer, &params(&redirect)["code"], VERIFIER).await;
        let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
        let revoked = reqwest::Client::new()
            .post(format!("{}/token/revocation", peer.issuer))
            .form(&[("token", refresh_token), ("token_type_hint", "refresh_token"), ("client_id", OidcPeer::CLIENT_ID)])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        let (status, _) = refresh(&peer, refresh_token).await;
        assert_eq!(status, 400, "revoked");
    }

    #[tokio::test]
    async fn refuses_without_s256_pkce_wrong_verifier_and_cancel() {
        let peer = OidcPeer::start_with(PeerOptions { access_token_ttl: 7, ..PeerOptions::default() })
            .expect("oidc-provider starts");
        let browser = Browser::new(OidcPeer::REDIRECT_URI);
        // Errors about the request go back to the app, with state and iss.
        for (extra, error) in [
            (&[][..], "PKCE"),
            (&[("code_challenge", VERIFIER), ("code_challenge_method", "plain")][..], "code_challenge_method"),
            (&[("code_challenge", CHALLENGE), ("code_challenge_method", "S256"), ("prompt", "create")][..], "prompt"),
        ] {
            let Visit::Redirect(redirect) = browser.open(&authorize_url(&peer, "openid", "s", extra)).await.unwrap()
            else {
                panic!("{extra:?} must be refused");
            };
            let answer = params(&redirect);
            assert_eq!(answer["error"], "invalid_request", "{redirect}");
            assert!(answer["error_description"].contains(error), "{redirect}");
            assert_eq!((answer["state"].as_str(), answer.get("iss")), ("s", Some(&peer.issuer)));
        }

        // The wrong verifier.
        let redirect = complete_login(&s256(&peer, "openid", "s"), "taro@example.jp").await.unwrap();
        let (status, error) = exchange(&peer, &params(&redirect)["code"], &VERIFIER.replace('d', "e")).await;
        assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));

        // The short access token TTL.
        let redirect = complete_login(&offline(&peer, "s"), "taro@example.jp").await.unwrap();
        let code = &params(&redirect)["code"];
        let (_, tokens) = exchange(&peer, code, VERIFIER).await;
        assert_eq!(tokens["expires_in"], 7);
        let access_token = tokens["access_token"].as_str().unwrap();
        assert_eq!(userinfo(&peer, access_token).await.status(), 200);
        // A code is good once; redeeming it again also revokes what it gave (RFC 6749 4.1.2).
        let (status, error) = exchange(&peer, code, VERIFIER).await;
        assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));
        assert_eq!(userinfo(&peer, access_token).await.status(), 401, "revoked by the code's reuse");
        let (status, _) = refresh(&peer, tokens["refresh_token"].as_str().unwrap()).await;
        assert_eq!(status, 400, "revoked by the code's reuse");

        // The user cancels.
        let redirect = cancel_login(&s256(&peer, "openid", "state-c")).await.unwrap();
        let answer = params(&redirect);
        assert_eq!(answer["error"], "access_denied");
        assert_eq!((answer["state"].as_str(), answer.get("iss")), ("state-c", Some(&peer.issuer)));
        assert!(!answer.contains_key("code"));
    }

    #[test]
    fn drop_stops_node() {
        let peer = OidcPeer::start().expect("oidc-provider starts");
        let address = peer.issuer.trim_start_matches("http://").to_owned();
        drop(peer);
        assert!(std::net::TcpStream::connect(&address).is_err(), "nothing listens any more");
    }
}
