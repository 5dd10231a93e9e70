//! One-time platform set-up, the same call on every platform: logging to where the platform
//! reads it (logcat on Android, os_log on Apple platforms, stderr elsewhere) and TLS trust from the
//! platform's own verifier (rustls-platform-verifier) rather than a bundled root list.
//!
//! Android also needs `AndroidPlatformInit.initTls(context)` once, before the first HTTPS call:
//! the verifier reaches Android's trust manager through JNI (see android/README.md).

use std::sync::Once;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Sends the core's logs to the platform's log at `filter`. Log lines never carry a token,
/// password, code or e-mail. Later calls do nothing.
///
/// `filter` is a comma-separated list of directives, each a level (`error`, `warn`, `info`,
/// `debug`, `trace`, `off`) or `target=level` (a module path prefix such as
/// `smarthems::runtime=debug`): e.g. "info", "smarthems=debug", "warn,smarthems::runtime=trace".
/// A bare level applies to every target; a bare target (`smarthems`) enables it at every level. Span and field filters (`target[span{field=value}]=level`)
/// and regular expressions are not accepted (the filter is `tracing_subscriber::filter::Targets`,
/// chosen over `EnvFilter` so the shipped library does not carry a regex engine); a filter that
/// does not parse logs at "info".
#[uniffi::export]
pub fn init_logging(filter: String) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = parse_filter(&filter);
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

/// The `init_logging` filter string as a `Targets` filter; "info" when it does not parse.
fn parse_filter(filter: &str) -> tracing_subscriber::filter::Targets {
    filter.trim().parse().unwrap_or_else(|_| {
        tracing_subscriber::filter::Targets::new().with_default(tracing::level_filters::LevelFilter::INFO)
    })
}

/// The TLS set-up for the core's HTTP client: the platform's certificate verifier.
///
/// `None` only where the platform has no verifier to offer (a desktop Linux without a CA store;
/// never on Android or Apple platforms). The client then has no trusted roots at all — no root
/// list is bundled (issue 13, size) — so every HTTPS server is refused as untrusted, never
/// accepted unchecked.
pub(crate) fn tls_config() -> Option<rustls::ClientConfig> {
    use rustls_platform_verifier::ConfigVerifierExt as _;
    match rustls::ClientConfig::with_platform_verifier() {
        Ok(config) => Some(config),
        Err(error) => {
            tracing::error!(%error, "platform TLS verifier unavailable; no HTTPS server will be trusted");
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

#[cfg(test)]
mod tests {
    use tracing::level_filters::LevelFilter;

    use super::parse_filter;

    #[test]
    fn log_filters_as_the_shells_write_them() {
        assert_eq!(parse_filter("info").default_level(), Some(LevelFilter::INFO));
        let filter = parse_filter("warn,smarthems::runtime=trace");
        assert!(filter.would_enable("smarthems::runtime::login", &tracing::Level::TRACE));
        assert!(!filter.would_enable("smarthems::flow", &tracing::Level::INFO));
        assert!(filter.would_enable("smarthems::flow", &tracing::Level::WARN));
        let filter = parse_filter("smarthems=debug");
        assert!(filter.would_enable("smarthems::ffi", &tracing::Level::DEBUG));
        assert!(!filter.would_enable("reqwest", &tracing::Level::ERROR));
        // Not understood (EnvFilter's span syntax): everything at "info".
        let filter = parse_filter("smarthems[login{user=1}]=debug");
        assert!(filter.would_enable("reqwest", &tracing::Level::INFO));
        assert!(!filter.would_enable("smarthems", &tracing::Level::DEBUG));
    }
}
