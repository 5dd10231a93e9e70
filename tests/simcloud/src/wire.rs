//! Request parsing and error answers shared by every party, so that bad input always turns into
//! the error shape the contract promises instead of a framework default (plain-text 422 and such).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;

/// Query or form parameters. OAuth (RFC 6749 §3.1) forbids repeating a parameter and treats an
/// empty one as absent; a repeat is reported by name.
pub(crate) fn params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut map = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(raw) {
        if value.is_empty() {
            continue;
        }
        if map.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(name.into_owned());
        }
    }
    Ok(map)
}

/// `{"error":"<code>"}` with the given status: the one error shape of the contract.
pub(crate) fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "error": code }))).into_response()
}

/// RFC 6750 §3: a protected resource names the failed scheme in `WWW-Authenticate` too.
pub(crate) fn invalid_token() -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, "invalid_token");
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer error=\"invalid_token\""));
    response
}

/// A JSON body; anything unparsable is `400 {"error":"invalid_request"}`, not axum's plain-text
/// rejection (and no `Content-Type` is required: test scripts often forget it).
pub(crate) struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|_| error(StatusCode::BAD_REQUEST, "invalid_request"))
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme is case-insensitive).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_drop_empty_values_and_refuse_repeats() {
        let parsed = params(b"a=1&b=&c=%E3%81%82").unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["c"], "あ");
        assert_eq!(params(b"code=1&code=2"), Err("code".to_owned()));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let cases = [("Bearer abc", Some("abc")), ("bearer abc", Some("abc")), ("Basic abc", None), ("Bearer ", None)];
        for (value, expected) in cases {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            assert_eq!(bearer(&headers), expected, "{value}");
        }
    }
}
