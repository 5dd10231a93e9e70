//! Middleware in front of every party on the main port: it records each request for
//! `SimCloud::requests()`, answers scheduled faults (`fail_next`) before the party sees them, and
//! holds requests unanswered (`hold`) as a service that hangs.
//!
//! It logs method, path and status only: queries carry codes, headers and bodies carry tokens,
//! passwords and e-mail addresses. What a request carried in full is kept unprinted, for tests
//! that check a value was sent nowhere (`SimCloud::requests_containing`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::server::Cloud;
use crate::wire;

pub(crate) async fn record_and_inject(State(cloud): State<Arc<Cloud>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 << 20).await else {
        return wire::error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    };
    let carried = carried(&parts, &body);
    let request = Request::from_parts(parts, axum::body::Body::from(body));
    let held = {
        let mut world = cloud.world();
        world.record_request(&method, &path);
        world.record_wire(carried);
        world.holds.iter().find(|(prefix, _)| path.starts_with(prefix)).map(|(_, held)| held.clone())
    };
    if let Some(mut held) = held {
        // Answered once the test lets go (the sender dropped), as a service that hangs and
        // comes back; the client may have given up by then. Recorded as it arrived.
        let _ = held.changed().await;
    }
    let injected = cloud.world().take_failure(&path);
    let response = match injected.and_then(|(status, wait)| Some((StatusCode::from_u16(status).ok()?, wait))) {
        Some((status, wait)) => {
            let mut response = wire::error(status, "simulated_failure");
            if let Some(seconds) = wait {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            response
        }
        None => next.run(request).await,
    };
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        simulated = injected.is_some(),
        "simcloud request"
    );
    response
}

/// Everything a request carried, as text: method, URL with its query, every header and the body;
/// then the query and body percent-decoded, and `Basic` credentials base64-decoded, so a value is
/// found however it was encoded on the way.
fn carried(parts: &axum::http::request::Parts, body: &[u8]) -> String {
    use base64::Engine as _;
    let mut text = format!("{} {}\n", parts.method, parts.uri);
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        text.push_str(&format!("{name}: {value}\n"));
        if let Some(basic) = value.strip_prefix("Basic ") {
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) {
                text.push_str(&format!("{name} (decoded): {}\n", String::from_utf8_lossy(&decoded)));
            }
        }
    }
    let body = String::from_utf8_lossy(body);
    text.push_str(&format!("\n{body}\n"));
    for encoded in [parts.uri.query().unwrap_or_default(), &*body] {
        for (key, value) in url::form_urlencoded::parse(encoded.as_bytes()) {
            text.push_str(&format!("{key}={value}\n"));
        }
    }
    text
}
