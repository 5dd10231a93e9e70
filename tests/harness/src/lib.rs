//! The headless QA harness: drives the smarthems façade the way the phone shells do.
pub mod oidc_peer;
