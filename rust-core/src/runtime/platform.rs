//! What only the phone can do, implemented by the shell (and by faithful doubles in tests).
//!
//! The core never calls these while holding a lock: a shell may call back into the core from them.

/// The platform's side of the app.
#[uniffi::export(foreign)]
pub trait Platform: Send + Sync {
    /// Open the login page in the system browser (Custom Tabs / ASWebAuthenticationSession).
    /// The browser's redirect comes back through `SmartHems::open_url`.
    fn open_login_page(&self, url: String);

    /// Open the Google Home app (Android: its package, with the Play Store as fallback; iOS: its
    /// URL scheme, with the App Store as fallback). Tell the core `app_foregrounded()` on return.
    fn open_google_home(&self);
}
