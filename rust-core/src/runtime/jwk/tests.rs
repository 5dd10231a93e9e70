use super::*;
use openidconnect::core::{CoreIdToken, CoreJwsSigningAlgorithm};
use openidconnect::{ClientId, IdTokenVerifier, IssuerUrl, JsonWebKeySet, Nonce};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use rsa::pkcs8::EncodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

const ISSUER: &str = "https://id.example.jp";
const CLIENT: &str = "app";
const NONCE: &str = "n-0S6_WzA2Mj";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A 2,048-bit RSA key made now (as the simulated cloud makes its own), for ring to sign with,
/// and its public half as a JWK.
fn rsa_key(kid: &str, extra: Value) -> (RsaKeyPair, Value) {
    let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let mut jwk =
        json!({"kty": "RSA", "kid": kid, "n": b64(&private.n().to_bytes_be()), "e": b64(&private.e().to_bytes_be())});
    jwk.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let der = private.to_pkcs8_der().unwrap();
    (RsaKeyPair::from_pkcs8(der.as_bytes()).unwrap(), jwk)
}

struct Keys {
    rsa: RsaKeyPair,
    /// Another key, published under `rsa`'s kid nowhere: a forger's.
    forger: RsaKeyPair,
    /// An RSA key the JWKS marks for encryption only.
    encryption: RsaKeyPair,
    /// An RSA key the JWKS binds to PS256.
    pss_only: RsaKeyPair,
    p256: EcdsaKeyPair,
    ed25519: Ed25519KeyPair,
    jwks: JsonWebKeySet<RingJsonWebKey>,
}

fn keys() -> Keys {
    let random = SystemRandom::new();
    let (rsa, rsa_jwk) = rsa_key("rsa", json!({"use": "sig"}));
    let (forger, _) = rsa_key("rsa", json!({}));
    let (encryption, encryption_jwk) = rsa_key("enc", json!({"use": "enc"}));
    let (pss_only, pss_jwk) = rsa_key("pss", json!({"alg": "PS256"}));
    let mut odd_alg_jwk = encryption_jwk.clone();
    odd_alg_jwk["kid"] = json!("odd-alg");
    odd_alg_jwk["use"] = json!("sig");
    odd_alg_jwk["alg"] = json!(5);
    let p256_der = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &random).unwrap();
    let p256 =
        EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, p256_der.as_ref(), &random).unwrap();
    let point = p256.public_key().as_ref();
    let ed_der = Ed25519KeyPair::generate_pkcs8(&random).unwrap();
    let ed25519 = Ed25519KeyPair::from_pkcs8(ed_der.as_ref()).unwrap();
    // Leading zero octets in `n` (which RFC 7518 forbids and some providers write) are read past.
    let mut zero_padded = rsa_jwk.clone();
    let n = URL_SAFE_NO_PAD.decode(rsa_jwk["n"].as_str().unwrap()).unwrap();
    zero_padded["kid"] = json!("rsa-zero-padded");
    zero_padded["n"] = json!(b64(&[&[0u8][..], &n].concat()));
    let jwks = json!({"keys": [
        rsa_jwk,
        zero_padded,
        encryption_jwk,
        odd_alg_jwk,
        pss_jwk,
        {"kty": "EC", "crv": "P-256", "kid": "p256", "x": b64(&point[1..33]), "y": b64(&point[33..])},
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed25519", "x": b64(ed25519.public_key().as_ref())},
        // Unusable here and skipped, not a reason to refuse the set.
        {"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": 5, "use": "enc"},
    ]});
    Keys { rsa, forger, encryption, pss_only, p256, ed25519, jwks: serde_json::from_value(jwks).unwrap() }
}

fn claims() -> Value {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    json!({"iss": ISSUER, "aud": CLIENT, "sub": "taro", "exp": now + 600, "iat": now, "nonce": NONCE})
}

/// How a test token is signed.
enum Sign<'a> {
    Rsa(&'a RsaKeyPair, &'static dyn signature::RsaEncoding),
    P256(&'a EcdsaKeyPair),
    Ed25519(&'a Ed25519KeyPair),
    Hmac(Vec<u8>),
    Nothing,
}

fn signed(alg: &str, kid: &str, claims: &Value, sign: Sign<'_>) -> String {
    let input = format!(
        "{}.{}",
        b64(json!({"alg": alg, "kid": kid}).to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let random = SystemRandom::new();
    let signature = match sign {
        Sign::Rsa(key, encoding) => {
            let mut signature = vec![0; key.public().modulus_len()];
            key.sign(encoding, &random, input.as_bytes(), &mut signature).unwrap();
            signature
        }
        Sign::P256(key) => key.sign(&random, input.as_bytes()).unwrap().as_ref().to_vec(),
        Sign::Ed25519(key) => key.sign(input.as_bytes()).as_ref().to_vec(),
        Sign::Hmac(secret) => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
            ring::hmac::sign(&key, input.as_bytes()).as_ref().to_vec()
        }
        Sign::Nothing => Vec::new(),
    };
    format!("{input}.{}", b64(&signature))
}

/// A JWT whose parts are swapped for others: `token`'s header with `header`'s, or its payload.
fn spliced(token: &str, part: usize, from: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[part] = from.split('.').nth(part).unwrap();
    parts.join(".")
}

/// The login's checks as openidconnect runs them for the app (a public client, the algorithms
/// the provider announced), with the keys above: what verifies and what is refused.
#[test]
fn a_token_verifies_only_with_the_providers_key_for_its_algorithm() {
    let keys = keys();
    let claims = claims();
    let rs256 = signed("RS256", "rsa", &claims, Sign::Rsa(&keys.rsa, &signature::RSA_PKCS1_SHA256));
    let mut jiro = claims.clone();
    jiro["sub"] = json!("jiro");
    let for_jiro = signed("RS256", "rsa", &jiro, Sign::Nothing);
    let as_ps256 = signed("PS256", "rsa", &claims, Sign::Nothing);
    let n = URL_SAFE_NO_PAD.decode(keys.jwks.keys()[0].written.n.as_deref().unwrap()).unwrap();
    let es256 = signed("ES256", "p256", &claims, Sign::P256(&keys.p256));
    let rows: Vec<(&str, String, bool)> = vec![
        ("RS256 by the provider's key", rs256.clone(), true),
        (
            "RS256, the key's n written with a leading zero",
            signed("RS256", "rsa-zero-padded", &claims, Sign::Rsa(&keys.rsa, &signature::RSA_PKCS1_SHA256)),
            true,
        ),
        (
            "PS256 by the provider's key",
            signed("PS256", "rsa", &claims, Sign::Rsa(&keys.rsa, &signature::RSA_PSS_SHA256)),
            true,
        ),
        ("ES256 by the provider's P-256 key", es256.clone(), true),
        (
            "EdDSA by the provider's Ed25519 key",
            signed("EdDSA", "ed25519", &claims, Sign::Ed25519(&keys.ed25519)),
            true,
        ),
        (
            "RS256 by a forger's key under the provider's kid",
            signed("RS256", "rsa", &claims, Sign::Rsa(&keys.forger, &signature::RSA_PKCS1_SHA256)),
            false,
        ),
        ("the payload altered after signing (another sub)", spliced(&rs256, 1, &for_jiro), false),
        ("the signature cut short", rs256[..rs256.len() - 4].to_owned(), false),
        ("the header's alg changed from RS256 to PS256", spliced(&rs256, 0, &as_ps256), false),
        (
            "RS384, which the provider did not announce",
            signed("RS384", "rsa", &claims, Sign::Rsa(&keys.rsa, &signature::RSA_PKCS1_SHA384)),
            false,
        ),
        ("alg none, no signature", signed("none", "rsa", &claims, Sign::Nothing), false),
        ("HS256 keyed with the public modulus", signed("HS256", "rsa", &claims, Sign::Hmac(n)), false),
        ("an ES256 signature under an RS256 header", spliced(&es256, 0, &rs256), false),
        ("the P-256 key named for RS256", signed("RS256", "p256", &claims, Sign::P256(&keys.p256)), false),
        (
            "RS256 by a key the JWKS keeps for encryption",
            signed("RS256", "enc", &claims, Sign::Rsa(&keys.encryption, &signature::RSA_PKCS1_SHA256)),
            false,
        ),
        (
            "RS256 by a key the JWKS binds to PS256",
            signed("RS256", "pss", &claims, Sign::Rsa(&keys.pss_only, &signature::RSA_PKCS1_SHA256)),
            false,
        ),
        (
            "a kid the JWKS does not have",
            signed("RS256", "gone", &claims, Sign::Rsa(&keys.rsa, &signature::RSA_PKCS1_SHA256)),
            false,
        ),
    ];
    let announced = [
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::EdDsa,
        CoreJwsSigningAlgorithm::HmacSha256,
        CoreJwsSigningAlgorithm::None,
    ];
    let verifier = IdTokenVerifier::<RingJsonWebKey>::new_public_client(
        ClientId::new(CLIENT.into()),
        IssuerUrl::new(ISSUER.into()).unwrap(),
        keys.jwks.clone(),
    )
    .set_allowed_algs(announced);
    for (what, token, verifies) in rows {
        let result = token.parse::<CoreIdToken>().map_err(|e| e.to_string()).and_then(|token| {
            token.claims(&verifier, &Nonce::new(NONCE.into())).map(|_| ()).map_err(|e| format!("{e:?}"))
        });
        assert_eq!(result.is_ok(), verifies, "{what}: {result:?}");
        // Refused by a check of the signature, not for being unreadable.
        assert!(verifies || result.unwrap_err().starts_with("SignatureVerification"), "{what}");
    }
}

/// The key checks hold in the key type itself too, for any caller that skips openidconnect's
/// key filter: usage, key type, the key's own algorithm, and no HMAC or `none` at all.
#[test]
fn a_key_refuses_what_it_is_not_for() {
    let keys = keys();
    let by_kid = |kid: &str| keys.jwks.keys().iter().find(|k| k.key_id().map(|id| id.as_str()) == Some(kid)).unwrap();
    let message = b"header.payload";
    let random = SystemRandom::new();
    let mut rs256 = vec![0; keys.encryption.public().modulus_len()];
    keys.encryption.sign(&signature::RSA_PKCS1_SHA256, &random, message, &mut rs256).unwrap();
    let rows = [
        ("enc", CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, "usage"),
        ("pss", CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, "incompatible key algorithm"),
        // An `alg` that is not text binds the key to nothing we know, not to everything.
        ("odd-alg", CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, "not a signing algorithm"),
        ("p256", CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, "key type"),
        ("p256", CoreJwsSigningAlgorithm::EcdsaP384Sha384, "another curve"),
        ("rsa", CoreJwsSigningAlgorithm::HmacSha256, "key type"),
        ("rsa", CoreJwsSigningAlgorithm::None, "key type"),
    ];
    for (kid, alg, why) in rows {
        let result = by_kid(kid).verify_signature(&alg, message, &rs256);
        assert!(
            matches!(&result, Err(SignatureVerificationError::InvalidKey(e)) if e.contains(why)),
            "{kid} {alg:?}: {result:?}"
        );
    }
    let secret = RingJsonWebKey::new_symmetric(b"secret".to_vec());
    let result = secret.verify_signature(&CoreJwsSigningAlgorithm::HmacSha256, message, &[0; 32]);
    assert!(matches!(result, Err(SignatureVerificationError::UnsupportedAlg(_))), "{result:?}");
}
