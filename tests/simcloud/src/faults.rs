//! Middleware in front of every party on the main port: it records each request for
//! `SimCloud::requests()` and answers scheduled faults (`fail_next`) before the party sees them.
//!
//! It logs method, path and status only: queries carry codes, headers and bodies carry tokens,
//! passwords and e-mail addresses.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::server::Cloud;
use crate::wire;

pub(crate) async fn record_and_inject(
    State(cloud): State<Arc<Cloud>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let injected = {
        let mut world = cloud.world();
        world.record_request(&method, &path);
        world.take_failure(&path)
    };
    let response = match injected.and_then(|status| StatusCode::from_u16(status).ok()) {
        Some(status) => wire::error(status, "simulated_failure"),
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
