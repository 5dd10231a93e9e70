//! The provider's RS256 signing key, its JWKS and ID-token minting.
//!
//! The key is generated at run time, once per process (`OnceLock`), rather than shipped as a PEM:
//! no private key ever sits in the repository for scanners to flag or for someone to copy into a
//! real deployment. A 2048-bit key takes a moment in a debug build (the workspace compiles
//! dependencies at opt-level 1 for this), and every `SimCloud` in the process shares it.
//!
//! Signing goes through openidconnect's own issuer-side types so the tokens are exactly what its
//! client-side verifier (used by the app's core) expects.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, IssuerUrl, JsonWebKeyId, Nonce, PrivateSigningKey,
    StandardClaims, SubjectIdentifier,
};
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};

const KEY_ID: &str = "simcloud-rs256-1";
const ID_TOKEN_TTL: Duration = Duration::hours(1);

fn signing_key() -> &'static CoreRsaPrivateSigningKey {
    static KEY: OnceLock<CoreRsaPrivateSigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .expect("generating the simulation's RSA key");
        let pem = private
            .to_pkcs1_pem(LineEnding::LF)
            .expect("encoding the simulation's RSA key");
        CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(KEY_ID.into())))
            .expect("openidconnect accepts a PKCS#1 RSA key")
    })
}

/// Generates the key now, so that the first login of a test is not the slow one.
pub(crate) fn warm_up() {
    signing_key();
}

/// `GET /oidc/jwks`.
pub(crate) fn jwks() -> CoreJsonWebKeySet {
    CoreJsonWebKeySet::new(vec![signing_key().as_verification_key()])
}

/// What goes into an ID token besides the fixed issuer.
pub(crate) struct IdTokenFacts<'a> {
    pub client_id: &'a str,
    pub subject: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: DateTime<Utc>,
}

pub(crate) fn id_token(issuer: &str, facts: IdTokenFacts<'_>) -> Result<String, String> {
    let issuer = IssuerUrl::new(issuer.into()).map_err(|e| e.to_string())?;
    let now = Utc::now();
    let claims = CoreIdTokenClaims::new(
        issuer,
        vec![Audience::new(facts.client_id.into())],
        now + ID_TOKEN_TTL,
        now,
        StandardClaims::new(SubjectIdentifier::new(facts.subject.into())),
        EmptyAdditionalClaims {},
    )
    .set_nonce(facts.nonce.map(|n| Nonce::new(n.into())))
    .set_auth_time(Some(facts.auth_time));
    let token = CoreIdToken::new(
        claims,
        signing_key(),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .map_err(|e| e.to_string())?;
    Ok(token.to_string())
}
