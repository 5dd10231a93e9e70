//! One-time platform set-up, the same call on every platform: logging to where the platform
//! reads it (logcat on Android, os_log on Apple platforms, stderr elsewhere) and TLS trust from the
//! platform's own verifier (rustls-platform-verifier) rather than a bundled root list.
//!
//! Android also needs `AndroidPlatformInit.initTls(context)` once, before the first HTTPS call:
//! the verifier reaches Android's trust manager through JNI (see android/README.md).

use std::sync::Once;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Sends the core's logs to the platform's log at `filter` (e.g. "info", "smarthems=debug").
/// Log lines never carry a token, password, code or e-mail. Later calls do nothing.
#[uniffi::export]
pub fn init_logging(filter: String) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_new(&filter)
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let registry = tracing_subscriber::registry().with(filter);
        #[cfg(target_os = "android")]
        let result = registry.with(tracing_android::layer("smarthems").ok()).try_init();
        #[cfg(any(target_os = "ios", target_os = "macos"))]
        let result = registry.with(tracing_oslog::OsLogger::new("jp.co.panasonic.smarthems", "core")).try_init();
        #[cfg(not(any(target_os = "android", target_os = "ios", target_os = "macos")))]
        let result = registry.with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)).try_init();
        if result.is_err() {
            tracing::debug!("a logger was already installed");
        }
    });
}

/// The TLS set-up for the core's HTTP client: the platform's certificate verifier.
pub(crate) fn tls_config() -> Option<rustls::ClientConfig> {
    use rustls_platform_verifier::ConfigVerifierExt as _;
    match rustls::ClientConfig::with_platform_verifier() {
        Ok(config) => Some(config),
        Err(error) => {
            tracing::error!(%error, "platform TLS verifier unavailable; using the bundled roots");
            None
        }
    }
}

/// Android: hands the app's Context to the platform verifier (called from Kotlin through JNI,
/// `AndroidPlatformInit.initTls(context)`, before the first HTTPS request).
#[cfg(target_os = "android")]
#[unsafe(no_mangle)]
pub extern "system" fn Java_jp_co_panasonic_smarthems_core_AndroidPlatformInit_initTls<'caller>(
    mut env: jni::EnvUnowned<'caller>,
    _class: jni::objects::JClass<'caller>,
    context: jni::objects::JObject<'caller>,
) {
    env.with_env(|env| rustls_platform_verifier::android::init_with_env(env, context))
        .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
}
