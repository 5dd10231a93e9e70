//! smarthems — the shared core of the スマートHEMSサービス app.
//!
//! Three layers, kept apart (see `../shared/DESIGN.md`):
//! - [`flow`]: the whole app's behaviour as a pure function `(state, event) -> (state, effects)`.
//! - [`runtime`]: carries out effects — login, the cloud API, SQLite, the secure store.
//! - [`ffi`]: the one object the Kotlin and Swift shells hold; [`setup`]: logging and TLS, once.

uniffi::setup_scaffolding!();

pub mod ffi;
pub mod flow;
pub mod runtime;
pub mod setup;

pub use ffi::{Config, Language, Platform, PlatformError, ScreenListener, SetupError, SmartHems, Subscription, Tuning};
pub use flow::{Action, Button, Problem, Screen, ScreenView};
pub use runtime::secure::{MemorySecureStore, SecureStore, SecureStoreError};
