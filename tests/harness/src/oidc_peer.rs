//! oidc-provider (tests/interop/provider.mjs) as a peer for interop tests: started with node on
//! a random loopback port, stopped when dropped (its stdin closes, then it is killed and reaped).
//! The user's part on its development login and consent pages is played with the same `Browser`
//! the other features use.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::browser::{Browser, Visit};

/// A running oidc-provider on loopback; stopped on drop.
pub struct OidcPeer {
    pub issuer: String,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl OidcPeer {
    pub const CLIENT_ID: &'static str = "smarthems-app";
    pub const REDIRECT_URI: &'static str = "jp.co.panasonic.smarthems:/oauth2redirect";

    pub fn start() -> std::io::Result<OidcPeer> {
        Self::start_with_access_token_ttl(3600)
    }

    /// Starts it with access tokens that live `secs` seconds.
    pub fn start_with_access_token_ttl(secs: u64) -> std::io::Result<OidcPeer> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
        if !dir.join("node_modules/oidc-provider").exists() {
            return Err(std::io::Error::other("oidc-provider is not installed: run `npm ci --prefix tests/interop`"));
        }
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("ACCESS_TOKEN_TTL", secs.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        // Keep reading after the first line: a closed pipe would kill node (EPIPE) on its next write.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stdin = child.stdin.take();
        let mut peer = OidcPeer { issuer: String::new(), child, stdin };
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| std::io::Error::other("oidc-provider did not start within 20 s"))?;
        let announced: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| std::io::Error::other(format!("oidc-provider said {line:?}: {e}")))?;
        peer.issuer = announced["issuer"].as_str().ok_or_else(|| std::io::Error::other("no issuer"))?.to_owned();
        Ok(peer)
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plays the user on oidc-provider's pages: types `login` (any password is accepted by its
/// development interactions) and confirms the consent, until the provider redirects to the app.
/// Returns that redirect URL without following it.
pub async fn complete_login(authorize_url: &str, login: &str) -> Result<String, String> {
    let browser = Browser::new(OidcPeer::REDIRECT_URI);
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

/// Presses the login page's cancel link: the provider answers the app with `access_denied`.
pub async fn cancel_login(authorize_url: &str) -> Result<String, String> {
    let browser = Browser::new(OidcPeer::REDIRECT_URI);
    let page = browser.open(authorize_url).await?;
    match browser.follow_link(&page, "Cancel").await? {
        Visit::Redirect(url) => Ok(url),
        Visit::LoginPage { html, .. } => Err(format!("no redirect after cancel: {}", crate::browser::text_of(&html))),
    }
}
