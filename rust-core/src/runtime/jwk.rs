//! The provider's signing keys (its JWKS) as openidconnect's client takes them, with ID-token
//! signatures verified by `ring`.
//!
//! `ring` is linked for TLS anyway (rustls); openidconnect's own `CoreJsonWebKey` verifies with
//! a second, RustCrypto implementation of RSA, P-256, P-384 and Ed25519 that the shipped library
//! would carry only for this (issue 13). Everything around the signature stays openidconnect's:
//! which key a token may use (`kid`, key type, `use`, the key's `alg`), the algorithms the
//! provider announced, `none` and HMAC refused for a public client, then `iss`, `aud`, `azp`,
//! `exp`, `iat` and `nonce`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use openidconnect::core::{CoreJsonWebKeyType as Kty, CoreJsonWebKeyUse, CoreJwsSigningAlgorithm as Alg};
use openidconnect::{
    JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId, JsonWebKeyUse, JwsSigningAlgorithm, SignatureVerificationError,
};
use ring::signature::{self, UnparsedPublicKey};
use serde::{Deserialize, Deserializer, Serialize};

/// A key as the JWKS has it. Members another key type uses differently (RFC 7517 §4: names need
/// not be distinct) are kept only when they are text, as openidconnect's own type does.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Written {
    kty: Kty,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    use_: Option<CoreJsonWebKeyUse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<JsonWebKeyId>,
    #[serde(default, deserialize_with = "named", skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    crv: Option<String>,
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    x: Option<String>,
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    y: Option<String>,
}

fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(deserializer)? {
        Some(serde_json::Value::String(text)) => Some(text),
        _ => None,
    })
}

/// The key's own `alg`: a member that is there but not text names no algorithm we know (so the
/// key signs nothing), never "none said" (a key bound to any algorithm: RFC 8725 §3.1).
fn named<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(deserializer)? {
        Some(serde_json::Value::String(name)) => Some(name),
        Some(_) => Some(String::new()),
        None => None,
    })
}

/// What the key's own `alg` allows (RFC 7517 §4.4).
#[derive(Clone, Debug)]
enum KeyAlg {
    Unspecified,
    Signing(Alg),
    /// An encryption algorithm or one we do not know: never for a signature.
    Other,
}

/// A public key of the provider's JWKS, for `openidconnect::Client`'s key type.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(from = "Written", into = "Written")]
pub struct RingJsonWebKey {
    written: Written,
    alg: KeyAlg,
}

/// A JWS algorithm by its JOSE name (`RS256`), if openidconnect knows it.
pub fn signing_alg(name: &str) -> Option<Alg> {
    use serde::de::IntoDeserializer;
    let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = name.into_deserializer();
    Alg::deserialize(name).ok()
}

impl From<Written> for RingJsonWebKey {
    fn from(written: Written) -> RingJsonWebKey {
        let alg = match written.alg.as_deref() {
            None => KeyAlg::Unspecified,
            Some(name) => signing_alg(name).map_or(KeyAlg::Other, KeyAlg::Signing),
        };
        RingJsonWebKey { written, alg }
    }
}

impl From<RingJsonWebKey> for Written {
    fn from(key: RingJsonWebKey) -> Written {
        key.written
    }
}

fn invalid_key(why: &str) -> SignatureVerificationError {
    SignatureVerificationError::InvalidKey(why.to_owned())
}

/// A base64url member of the key (RFC 7518 §6: no padding).
fn member(value: &Option<String>, name: &str) -> Result<Vec<u8>, SignatureVerificationError> {
    let value = value.as_deref().ok_or_else(|| invalid_key(&format!("`{name}` is missing")))?;
    URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid_key(&format!("`{name}` is not base64url")))
}

/// An unsigned big-endian integer without the leading zero octets some providers write (RFC 7518
/// §6.3.1.1 forbids them; ring refuses them).
fn unsigned(mut bytes: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

impl RingJsonWebKey {
    /// Whether this key may check a signature made with `alg` (as openidconnect's key filter
    /// asks, checked here again so no caller can skip it).
    fn compatible(&self, alg: &Alg) -> Result<(), SignatureVerificationError> {
        if self.written.use_.as_ref().is_some_and(|use_| !use_.allows_signature()) {
            return Err(invalid_key("key usage not permitted for digital signatures"));
        }
        if alg.key_type().as_ref() != Some(&self.written.kty) {
            return Err(invalid_key("key type does not match signature algorithm"));
        }
        match &self.alg {
            KeyAlg::Unspecified => Ok(()),
            KeyAlg::Signing(own) if own == alg => Ok(()),
            KeyAlg::Signing(_) => Err(invalid_key("incompatible key algorithm")),
            KeyAlg::Other => Err(invalid_key("key algorithm is not a signing algorithm")),
        }
    }

    fn curve(&self, wanted: &str) -> Result<(), SignatureVerificationError> {
        match self.written.crv.as_deref() {
            Some(crv) if crv == wanted => Ok(()),
            _ => Err(invalid_key("key uses another curve than the token's algorithm")),
        }
    }

    /// An uncompressed elliptic-curve point (SEC 1 §2.3.3), each coordinate of `size` octets.
    fn point(&self, size: usize) -> Result<Vec<u8>, SignatureVerificationError> {
        let (x, y) = (member(&self.written.x, "x")?, member(&self.written.y, "y")?);
        if x.len() != size || y.len() != size {
            return Err(invalid_key("EC coordinates of the wrong length"));
        }
        Ok([&[4u8][..], &x, &y].concat())
    }
}

impl JsonWebKey for RingJsonWebKey {
    type KeyUse = CoreJsonWebKeyUse;
    type SigningAlgorithm = Alg;

    fn key_id(&self) -> Option<&JsonWebKeyId> {
        self.written.kid.as_ref()
    }

    fn key_type(&self) -> &Kty {
        &self.written.kty
    }

    fn key_use(&self) -> Option<&CoreJsonWebKeyUse> {
        self.written.use_.as_ref()
    }

    fn signing_alg(&self) -> JsonWebKeyAlgorithm<&Alg> {
        match &self.alg {
            KeyAlg::Unspecified => JsonWebKeyAlgorithm::Unspecified,
            KeyAlg::Signing(alg) => JsonWebKeyAlgorithm::Algorithm(alg),
            KeyAlg::Other => JsonWebKeyAlgorithm::Unsupported,
        }
    }

    /// Only for a confidential client's secret; the app is a public client, and openidconnect
    /// refuses HMAC-signed tokens for one before any key is made (a key made anyway verifies
    /// nothing: HMAC is not in `verify_signature`).
    fn new_symmetric(_key: Vec<u8>) -> RingJsonWebKey {
        let written = Written {
            kty: Kty::Symmetric,
            use_: None,
            kid: None,
            alg: None,
            n: None,
            e: None,
            crv: None,
            x: None,
            y: None,
        };
        RingJsonWebKey { written, alg: KeyAlg::Unspecified }
    }

    fn verify_signature(&self, alg: &Alg, message: &[u8], signature: &[u8]) -> Result<(), SignatureVerificationError> {
        self.compatible(alg)?;
        let rsa = |params: &'static signature::RsaParameters| {
            let (n, e) = (member(&self.written.n, "n")?, member(&self.written.e, "e")?);
            signature::RsaPublicKeyComponents { n: unsigned(&n), e: unsigned(&e) }
                .verify(params, message, signature)
                .map_err(|_| SignatureVerificationError::CryptoError("bad signature".into()))
        };
        let with = |algorithm: &'static dyn signature::VerificationAlgorithm, key: Vec<u8>| {
            UnparsedPublicKey::new(algorithm, key)
                .verify(message, signature)
                .map_err(|_| SignatureVerificationError::CryptoError("bad signature".into()))
        };
        match alg {
            // ring takes RSA moduli of 2,048 to 8,192 bits (RFC 7518 §3.3 asks for 2,048 at least).
            Alg::RsaSsaPkcs1V15Sha256 => rsa(&signature::RSA_PKCS1_2048_8192_SHA256),
            Alg::RsaSsaPkcs1V15Sha384 => rsa(&signature::RSA_PKCS1_2048_8192_SHA384),
            Alg::RsaSsaPkcs1V15Sha512 => rsa(&signature::RSA_PKCS1_2048_8192_SHA512),
            Alg::RsaSsaPssSha256 => rsa(&signature::RSA_PSS_2048_8192_SHA256),
            Alg::RsaSsaPssSha384 => rsa(&signature::RSA_PSS_2048_8192_SHA384),
            Alg::RsaSsaPssSha512 => rsa(&signature::RSA_PSS_2048_8192_SHA512),
            Alg::EcdsaP256Sha256 => {
                self.curve("P-256")?;
                with(&signature::ECDSA_P256_SHA256_FIXED, self.point(32)?)
            }
            Alg::EcdsaP384Sha384 => {
                self.curve("P-384")?;
                with(&signature::ECDSA_P384_SHA384_FIXED, self.point(48)?)
            }
            Alg::EdDsa => {
                self.curve("Ed25519")?;
                with(&signature::ED25519, member(&self.written.x, "x")?)
            }
            // HMAC (a public client has no secret), `none`, ES512 (P-521: ring has no verifier,
            // nor had openidconnect) and anything newer.
            other => Err(SignatureVerificationError::UnsupportedAlg(format!("{other:?}"))),
        }
    }

    fn hash_bytes(&self, bytes: &[u8], alg: &Alg) -> Result<Vec<u8>, String> {
        self.compatible(alg).map_err(|e| e.to_string())?;
        let digest = match alg {
            Alg::HmacSha256 | Alg::RsaSsaPkcs1V15Sha256 | Alg::RsaSsaPssSha256 | Alg::EcdsaP256Sha256 => {
                &ring::digest::SHA256
            }
            Alg::HmacSha384 | Alg::RsaSsaPkcs1V15Sha384 | Alg::RsaSsaPssSha384 | Alg::EcdsaP384Sha384 => {
                &ring::digest::SHA384
            }
            Alg::HmacSha512 | Alg::RsaSsaPkcs1V15Sha512 | Alg::RsaSsaPssSha512 | Alg::EcdsaP521Sha512 => {
                &ring::digest::SHA512
            }
            Alg::EdDsa if self.written.crv.as_deref() == Some("Ed25519") => &ring::digest::SHA512,
            other => return Err(format!("no hash for {other:?} with this key")),
        };
        Ok(ring::digest::digest(digest, bytes).as_ref().to_vec())
    }
}

#[cfg(test)]
mod tests;
