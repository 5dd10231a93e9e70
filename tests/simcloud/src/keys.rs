//! The provider's RS256 signing key, its JWKS and ID-token minting.
//!
//! The key is generated at run time, once per process (`OnceLock`), rather than shipped as a PEM:
//! no private key ever sits in the repository for scanners to flag or for someone to copy into a
//! real deployment. A 2048-bit key takes a moment in a debug build (the workspace compiles
//! dependencies at opt-level 1 for this), and every `SimCloud` in the process shares it.
//!
//! Signing goes through openidconnect's own issuer-side types so the tokens are exactly what its
//! client-side verifier (used by the app's core) expects.
//!
//! Tests can ask for a broken ID token ([`IdTokenFault`]): each fault breaks exactly one thing a
//! client must check, so a client that accepts it is missing precisely that check.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, IssuerUrl, JsonWebKeyId, Nonce, PrivateSigningKey, StandardClaims,
    SubjectIdentifier,
};
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use serde::{Deserialize, Serialize};

const KEY_ID: &str = "simcloud-rs256-1";
const ID_TOKEN_TTL: Duration = Duration::hours(1);

/// One way to break an ID token, for tests that check a client refuses it (`/_sim/id-token-fault`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenFault {
    /// `aud` names another client of the same provider (Google Home's): a token meant for
    /// someone else, replayed at the app.
    WrongAudience,
    /// `iss` is another provider.
    WrongIssuer,
    /// `exp` (and `iat`) an hour in the past.
    Expired,
    /// `nonce` is not the one the app sent: a token from another login, injected into this one.
    WrongNonce,
    /// Signed with a key the JWKS does not hold, under the JWKS key's own `kid`.
    ForeignKey,
    /// `alg: none` and no signature at all.
    Unsigned,
    /// A valid token for another person (`sub`): only a client that compares it with the
    /// session's user, as on a refresh (OIDC Core §12.2), notices.
    WrongSubject,
}

fn rsa_key(key_id: &str) -> CoreRsaPrivateSigningKey {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("generating the simulation's RSA key");
    let pem = private.to_pkcs1_pem(LineEnding::LF).expect("encoding the simulation's RSA key");
    CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(key_id.into())))
        .expect("openidconnect accepts a PKCS#1 RSA key")
}

fn signing_key() -> &'static CoreRsaPrivateSigningKey {
    static KEY: OnceLock<CoreRsaPrivateSigningKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_key(KEY_ID))
}

/// An impostor's key with the real key's `kid`, so a client cannot refuse the token merely for
/// naming an unknown key: only the signature check catches it. Made on first use (only tests of
/// `ForeignKey` pay for it).
fn foreign_key() -> &'static CoreRsaPrivateSigningKey {
    static KEY: OnceLock<CoreRsaPrivateSigningKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_key(KEY_ID))
}

/// The key the provider rotates to (`SimCloud::rotate_signing_key`), under a new `kid`.
fn next_key() -> &'static CoreRsaPrivateSigningKey {
    static KEY: OnceLock<CoreRsaPrivateSigningKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_key("simcloud-rs256-2"))
}

/// Generates the key now, so that the first login of a test is not the slow one.
pub(crate) fn warm_up() {
    signing_key();
}

/// `GET /oidc/jwks`: after a rotation both keys, as providers publish the new key beside the old.
pub(crate) fn jwks(rotated: bool) -> CoreJsonWebKeySet {
    let mut keys = vec![signing_key().as_verification_key()];
    if rotated {
        keys.push(next_key().as_verification_key());
    }
    CoreJsonWebKeySet::new(keys)
}

/// What goes into an ID token besides the fixed issuer.
pub(crate) struct IdTokenFacts<'a> {
    pub client_id: &'a str,
    pub subject: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: DateTime<Utc>,
}

/// A signed ID token, or one broken by `fault` and otherwise exactly as good.
pub(crate) fn id_token(
    issuer: &str,
    facts: IdTokenFacts<'_>,
    fault: Option<IdTokenFault>,
    rotated: bool,
) -> Result<String, String> {
    use IdTokenFault as F;
    let issuer = match fault {
        Some(F::WrongIssuer) => "https://impostor.example/oidc".to_owned(),
        _ => issuer.to_owned(),
    };
    let issuer = IssuerUrl::new(issuer).map_err(|e| e.to_string())?;
    let audience = match (fault, facts.client_id) {
        (Some(F::WrongAudience), crate::oidc::GOOGLE_CLIENT_ID) => crate::oidc::CLIENT_ID,
        (Some(F::WrongAudience), _) => crate::oidc::GOOGLE_CLIENT_ID,
        (_, client_id) => client_id,
    };
    let now = match fault {
        Some(F::Expired) => Utc::now() - ID_TOKEN_TTL - Duration::hours(1),
        _ => Utc::now(),
    };
    let nonce = match fault {
        Some(F::WrongNonce) => Some(crate::state::random_token()),
        _ => facts.nonce.map(str::to_owned),
    };
    let subject = match fault {
        Some(F::WrongSubject) => format!("someone-else-{}", crate::state::random_token()),
        _ => facts.subject.to_owned(),
    };
    let claims = CoreIdTokenClaims::new(
        issuer,
        vec![Audience::new(audience.into())],
        now + ID_TOKEN_TTL,
        now,
        StandardClaims::new(SubjectIdentifier::new(subject)),
        EmptyAdditionalClaims {},
    )
    .set_nonce(nonce.map(Nonce::new))
    .set_auth_time(Some(facts.auth_time));
    if fault == Some(F::Unsigned) {
        // openidconnect only mints signed tokens, so this one is put together by hand (RFC 7519
        // §6.1: an unsecured JWT ends with an empty signature part).
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = serde_json::to_vec(&claims).map_err(|e| e.to_string())?;
        return Ok(format!("{header}.{}.", URL_SAFE_NO_PAD.encode(payload)));
    }
    let key = match fault {
        Some(F::ForeignKey) => foreign_key(),
        _ if rotated => next_key(),
        _ => signing_key(),
    };
    let token = CoreIdToken::new(claims, key, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None)
        .map_err(|e| e.to_string())?;
    Ok(token.to_string())
}
