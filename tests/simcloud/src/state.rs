//! The simulated cloud's memory: accounts, terms, pending logins, codes, sessions, tokens and the
//! test-steering bits (request log, scheduled faults).
//!
//! Everything lives in one `World` behind one mutex. The cloud serves a handful of requests per
//! test, so one lock keeps the rules (rotation, revocation, one-time codes) easy to see instead of
//! spread over concurrent maps. Handlers never hold the lock across an `.await`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::seed;

/// Authorization codes are short-lived: the app exchanges them right after the redirect.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);
/// How long a login page stays usable; long enough for a person, short enough to be realistic.
const INTERACTION_TTL: Duration = Duration::from_secs(600);
pub(crate) const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// One request the main port received. Only method and path: query strings can carry codes and
/// headers carry tokens, and this log is meant to be printed by failing tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
}

/// A fresh unguessable value for ids, codes and tokens.
pub(crate) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub(crate) struct User {
    pub subject: String,
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// The terms version the user accepted last, if any.
    pub app_consent: Option<String>,
}

pub(crate) struct Terms {
    pub version: String,
    pub title: String,
    pub body: String,
}

/// A validated authorization request, carried from the login page to the code and on to the
/// token endpoint, which must check it against what the app sends there.
#[derive(Clone)]
pub(crate) struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// For Google's link: which speaker user (one phone's registration under the account) the
    /// link is for, chosen on the consent page or named by the app through App Flip.
    pub speaker_user: Option<String>,
}

/// Who logged in and when; an SSO session and every token of a grant carry it so that refreshed
/// ID tokens keep the original `auth_time`.
#[derive(Clone)]
pub(crate) struct Login {
    pub subject: String,
    pub auth_time: DateTime<Utc>,
}

struct Pending<T> {
    value: T,
    since: Instant,
}

struct CodeGrant {
    request: AuthRequest,
    login: Login,
}

struct AccessToken {
    grant: u64,
    subject: String,
    speaker_user: Option<String>,
    /// The client the token was issued to: the app's own, or Google's (account linking).
    client_id: String,
    expires_at: Instant,
}

/// What survives from one refresh to the next; `grant` ties a refresh token to the access tokens
/// issued with it, so revoking the former can end the latter (contract: `/oidc/revoke`).
#[derive(Clone)]
pub(crate) struct Grant {
    pub id: u64,
    pub client_id: String,
    pub nonce: Option<String>,
    pub login: Login,
    /// Google's link: the speaker user it serves (see `AuthRequest::speaker_user`).
    pub speaker_user: Option<String>,
}

/// A fresh access/refresh token pair.
pub(crate) struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

struct Failure {
    path_prefix: String,
    status: u16,
    remaining: u32,
    /// Sent as `Retry-After` (seconds) with the faked answer.
    retry_after: Option<u64>,
}

pub(crate) struct World {
    users: HashMap<String, User>,
    pub terms: Terms,
    /// What `GET /api/v1/app-config` answers; tests change it (`patch_app_config`).
    pub app_config: serde_json::Value,
    interactions: HashMap<String, Pending<AuthRequest>>,
    codes: HashMap<String, Pending<CodeGrant>>,
    sessions: HashMap<String, Login>,
    access_tokens: HashMap<String, AccessToken>,
    refresh_tokens: HashMap<String, Grant>,
    next_grant: u64,
    pub access_token_ttl: Duration,
    pub token_exchanges: u32,
    failures: Vec<Failure>,
    /// Paths whose requests wait, unanswered, until the `Held` handle is dropped.
    pub(crate) holds: Vec<(String, tokio::sync::watch::Receiver<()>)>,
    /// Faults for the next ID tokens the token endpoint mints, oldest first.
    id_token_faults: Vec<crate::keys::IdTokenFault>,
    /// The provider signs with its next key, published beside the old one.
    pub key_rotated: bool,
    /// `Cache-Control` sent with discovery and the JWKS.
    pub oidc_cache_control: Option<String>,
    /// The userinfo endpoint of an outside OpenID provider whose access tokens the API accepts
    /// too (interop tests: the app logs in at that provider and uses this API).
    pub trusted_userinfo: Option<String>,
    requests: Vec<RequestRecord>,
    /// Everything each request of `requests` carried (same order): never printed, only searched
    /// by `requests_containing`.
    wire: Vec<String>,
    /// Flow B's parties: AiSEG2s, speaker registrations, Google Home's links.
    pub speaker: crate::speaker::SpeakerWorld,
    /// New CLUB Panasonic IDs being registered, and the mail and SMS sent.
    pub signups: crate::registration::Signups,
}

impl World {
    pub fn seeded() -> Self {
        let mut world = World {
            users: HashMap::new(),
            terms: Terms {
                version: seed::TERMS_VERSION.into(),
                title: seed::TERMS_TITLE.into(),
                body: seed::TERMS_BODY.into(),
            },
            app_config: seed::app_config(),
            interactions: HashMap::new(),
            codes: HashMap::new(),
            sessions: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next_grant: 1,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            token_exchanges: 0,
            failures: Vec::new(),
            holds: Vec::new(),
            id_token_faults: Vec::new(),
            key_rotated: false,
            oidc_cache_control: None,
            trusted_userinfo: None,
            requests: Vec::new(),
            wire: Vec::new(),
            speaker: crate::speaker::SpeakerWorld::seeded(),
            signups: Default::default(),
        };
        world.add_user(seed::USER_EMAIL, seed::USER_PASSWORD, seed::USER_NAME);
        world
    }

    // ----- accounts -----

    /// Adds (or resets) an account. The subject is derived from the e-mail so that it is stable
    /// across runs and test processes, as a real account's would be.
    pub fn add_user(&mut self, email: &str, password: &str, display_name: &str) {
        let key = email.to_lowercase();
        let digest = Sha256::digest(key.as_bytes());
        let subject = format!("cp-{}", hex(&digest[..10]));
        let app_consent = self.users.get(&key).and_then(|u| u.app_consent.clone());
        self.users.insert(
            key,
            User {
                subject,
                email: email.into(),
                password: password.into(),
                display_name: display_name.into(),
                app_consent,
            },
        );
    }

    /// The subject for matching credentials. E-mail addresses compare case-insensitively.
    pub fn check_password(&self, email: &str, password: &str) -> Option<String> {
        self.users.get(&email.trim().to_lowercase()).filter(|u| u.password == password).map(|u| u.subject.clone())
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users.get(&email.to_lowercase())
    }

    pub fn user(&self, subject: &str) -> Option<&User> {
        self.users.values().find(|u| u.subject == subject)
    }

    pub fn user_mut(&mut self, subject: &str) -> Option<&mut User> {
        self.users.values_mut().find(|u| u.subject == subject)
    }

    pub fn publish_app_terms(&mut self, version: &str, title: Option<&str>, body: &str) {
        self.terms.version = version.into();
        if let Some(title) = title {
            self.terms.title = title.into();
        }
        self.terms.body = body.into();
    }

    // ----- login page, codes and SSO -----

    pub fn begin_interaction(&mut self, request: AuthRequest) -> String {
        self.interactions.retain(|_, p| p.since.elapsed() < INTERACTION_TTL);
        let id = random_token();
        self.interactions.insert(id.clone(), Pending { value: request, since: Instant::now() });
        id
    }

    pub fn interaction(&self, id: &str) -> Option<&AuthRequest> {
        self.interactions.get(id).filter(|p| p.since.elapsed() < INTERACTION_TTL).map(|p| &p.value)
    }

    /// A login page can be finished (or cancelled) once only.
    pub fn take_interaction(&mut self, id: &str) -> Option<AuthRequest> {
        self.interactions.remove(id).filter(|p| p.since.elapsed() < INTERACTION_TTL).map(|p| p.value)
    }

    pub fn open_session(&mut self, login: Login) -> String {
        let id = random_token();
        self.sessions.insert(id.clone(), login);
        id
    }

    /// Ends a browser's CLUB Panasonic session (logout): its cookie logs nobody in any more.
    pub fn end_session(&mut self, id: &str) {
        self.sessions.remove(id);
    }

    /// The login behind an SSO cookie, as long as the account still exists.
    pub fn session(&self, id: &str) -> Option<Login> {
        self.sessions.get(id).filter(|l| self.user(&l.subject).is_some()).cloned()
    }

    pub fn issue_code(&mut self, request: AuthRequest, login: Login) -> String {
        self.codes.retain(|_, p| p.since.elapsed() < CODE_TTL);
        let code = random_token();
        let grant = CodeGrant { request, login };
        self.codes.insert(code.clone(), Pending { value: grant, since: Instant::now() });
        code
    }

    /// Removes the code whatever happens next: a code is spent by its first presentation, even a
    /// failed one, so a wrong verifier cannot be retried against it.
    pub fn take_code(&mut self, code: &str) -> Option<(AuthRequest, Login)> {
        self.codes.remove(code).filter(|p| p.since.elapsed() < CODE_TTL).map(|p| (p.value.request, p.value.login))
    }

    // ----- tokens -----

    /// Starts a new grant (one per successful code exchange) and issues its first tokens.
    pub fn start_grant(&mut self, request: AuthRequest, login: Login) -> (Grant, Tokens) {
        let grant = Grant {
            id: self.next_grant,
            client_id: request.client_id,
            nonce: request.nonce,
            login,
            speaker_user: request.speaker_user,
        };
        self.next_grant += 1;
        let tokens = self.issue_tokens(&grant);
        (grant, tokens)
    }

    /// Exchanges a refresh token for a new pair; the presented one stops working (rotation).
    pub fn rotate_refresh_token(&mut self, refresh_token: &str, client_id: &str) -> Option<(Grant, Tokens)> {
        let grant = self.refresh_tokens.get(refresh_token)?;
        if grant.client_id != client_id || self.user(&grant.login.subject).is_none() {
            return None;
        }
        let grant = self.refresh_tokens.remove(refresh_token)?;
        let tokens = self.issue_tokens(&grant);
        Some((grant, tokens))
    }

    fn issue_tokens(&mut self, grant: &Grant) -> Tokens {
        let access_token = random_token();
        let refresh_token = random_token();
        let ttl = self.access_token_ttl;
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                grant: grant.id,
                subject: grant.login.subject.clone(),
                speaker_user: grant.speaker_user.clone(),
                client_id: grant.client_id.clone(),
                expires_at: Instant::now() + ttl,
            },
        );
        self.refresh_tokens.insert(refresh_token.clone(), grant.clone());
        Tokens { access_token, refresh_token, expires_in: ttl.as_secs() }
    }

    /// RFC 7009: a refresh token takes its grant's access tokens with it; an access token goes
    /// alone; anything else is silently ignored.
    pub fn revoke(&mut self, token: &str) {
        if let Some(grant) = self.refresh_tokens.remove(token) {
            self.access_tokens.retain(|_, at| at.grant != grant.id);
        } else {
            self.access_tokens.remove(token);
        }
    }

    /// The subject of a live access token.
    pub fn access_token_subject(&self, token: &str) -> Option<&str> {
        self.access_tokens.get(token).filter(|at| Instant::now() < at.expires_at).map(|at| at.subject.as_str())
    }

    /// The subject of a live access token issued to this client, and the speaker user its grant
    /// serves (Google's tokens); a token of another client of the same provider is as good as none.
    pub fn access_token_holder(&self, token: &str, client_id: &str) -> Option<(&str, Option<&str>)> {
        self.access_tokens
            .get(token)
            .filter(|at| Instant::now() < at.expires_at && at.client_id == client_id)
            .map(|at| (at.subject.as_str(), at.speaker_user.as_deref()))
    }

    /// A speaker user's registration moved to another phone: the grants (and their tokens) that
    /// served that phone's own earlier registration end, and those that served the moved one serve
    /// the new phone.
    pub fn rebind_speaker_user(&mut self, subject: &str, from: &str, to: &str) {
        let serves = |s: &str, su: &Option<String>, who: &str| s == subject && su.as_deref() == Some(who);
        self.access_tokens.retain(|_, at| !serves(&at.subject, &at.speaker_user, to));
        self.refresh_tokens.retain(|_, g| !serves(&g.login.subject, &g.speaker_user, to));
        for at in self
            .access_tokens
            .values_mut()
            .filter(|at| at.subject == subject && at.speaker_user.as_deref() == Some(from))
        {
            at.speaker_user = Some(to.to_owned());
        }
        for grant in self
            .refresh_tokens
            .values_mut()
            .filter(|g| g.login.subject == subject && g.speaker_user.as_deref() == Some(from))
        {
            grant.speaker_user = Some(to.to_owned());
        }
    }

    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for at in self.access_tokens.values_mut() {
            at.expires_at = now;
        }
    }

    pub fn revoke_refresh_tokens(&mut self) {
        self.refresh_tokens.clear();
    }

    // ----- test steering -----

    pub fn record_request(&mut self, method: &str, path: &str) {
        self.requests.push(RequestRecord { method: method.into(), path: path.into() });
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.requests.clone()
    }

    /// Records what the last recorded request carried (see `requests_containing`).
    pub(crate) fn record_wire(&mut self, text: String) {
        self.wire.resize(self.requests.len().saturating_sub(1), String::new());
        self.wire.push(text);
    }

    /// The requests that carried `needle` anywhere (URL, query, headers, body), as method and path.
    pub fn requests_containing(&self, needle: &str) -> Vec<RequestRecord> {
        self.requests
            .iter()
            .zip(&self.wire)
            .filter(|(_, text)| text.contains(needle))
            .map(|(record, _)| record.clone())
            .collect()
    }

    pub fn fail_next(&mut self, path_prefix: &str, status: u16, times: u32, retry_after: Option<u64>) {
        if times > 0 {
            self.failures.push(Failure { path_prefix: path_prefix.into(), status, remaining: times, retry_after });
        }
    }

    /// The next `times` ID tokens (from either grant, for any client) are broken this way.
    pub fn break_id_tokens(&mut self, fault: crate::keys::IdTokenFault, times: u32) {
        self.id_token_faults.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// The fault for the ID token being minted now, if one is scheduled; consumes it.
    pub fn take_id_token_fault(&mut self) -> Option<crate::keys::IdTokenFault> {
        (!self.id_token_faults.is_empty()).then(|| self.id_token_faults.remove(0))
    }

    /// The status (and `Retry-After` seconds) to fake for this request, if a scheduled fault
    /// matches; consumes one use. Faults are matched in the order they were scheduled.
    pub fn take_failure(&mut self, path: &str) -> Option<(u16, Option<u64>)> {
        let index = self.failures.iter().position(|f| path.starts_with(&f.path_prefix))?;
        let failure = &mut self.failures[index];
        let fault = (failure.status, failure.retry_after);
        failure.remaining -= 1;
        if failure.remaining == 0 {
            self.failures.remove(index);
        }
        Some(fault)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_consumed_in_order_by_matching_paths_only() {
        let mut world = World::seeded();
        world.fail_next("/api", 503, 2, None);
        world.fail_next("/api/v1/terms", 500, 1, Some(3));
        world.fail_next("/never", 418, 0, None);
        let seen: Vec<_> =
            ["/oidc/token", "/api/v1/terms/app", "/api/v1/terms/app", "/api/v1/terms/app", "/api/v1/terms/app"]
                .iter()
                .map(|path| world.take_failure(path))
                .collect();
        assert_eq!(seen, [None, Some((503, None)), Some((503, None)), Some((500, Some(3))), None]);
    }

    #[test]
    fn subjects_are_stable_per_email() {
        let mut world = World::seeded();
        let before = world.user_by_email(seed::USER_EMAIL).unwrap().subject.clone();
        world.add_user("TARO@example.jp", "new", "太郎");
        assert_eq!(world.user_by_email(seed::USER_EMAIL).unwrap().subject, before);
        assert_eq!(world.check_password(seed::USER_EMAIL, "new"), Some(before));
        assert_eq!(world.check_password(seed::USER_EMAIL, seed::USER_PASSWORD), None);
    }
}
