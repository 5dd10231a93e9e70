//! What only the phone can do, implemented by the shell (and by faithful doubles in tests).
//!
//! The core calls these through its outbox (`outbox.rs`), never while holding a lock: a shell may
//! call back into the core from them.

/// The phone could not do what was asked (no browser, no app store, the activity gone). Thrown by
/// a shell's callback, it becomes a notice on the current screen, never a crash: an exception the
/// shell did not declare arrives as `Unexpected`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PlatformError {
    #[error("the phone could not do it: {reason}")]
    Failed { reason: String },
    #[error("the shell's callback failed: {reason}")]
    Unexpected { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PlatformError::Unexpected { reason: error.reason }
    }
}

/// The platform's side of the app.
#[uniffi::export(foreign)]
pub trait Platform: Send + Sync {
    /// Open the login page in the system browser (Custom Tabs / ASWebAuthenticationSession).
    /// The browser's redirect comes back through `SmartHems::open_url`.
    fn open_login_page(&self, url: String) -> Result<(), PlatformError>;

    /// Open the Google Home app at `link` — its account-linking page for this service when the
    /// cloud names the agent id — falling back to launching the app, then to its store page
    /// (Android: package `com.google.android.apps.chromecast.app`; iOS: universal link, then
    /// `googlehome://`). Tell the core `app_foregrounded()` on return.
    fn open_google_home(&self, link: String) -> Result<(), PlatformError>;

    /// Open this app's page in the phone's app store, where the user updates it (Android: Google
    /// Play, `market://details?id=<package>` with the https page as fallback; iOS: the App Store
    /// page of the app's id). The update screen's 「ストアでアップデートする」.
    fn open_store(&self) -> Result<(), PlatformError>;

    /// Hand Google Home the answer to its App Flip request: iOS opens `redirect`; Android returns
    /// `AUTHORIZATION_CODE` (or an error) as the activity result.
    fn answer_google(&self, answer: crate::flow::AppFlipAnswer) -> Result<(), PlatformError>;
}

/// Google Home's link for this service: straight to its account-linking page (`ha_linking`) when
/// the agent id is known, the app's start page otherwise.
pub fn google_home_link(agent_id: Option<&str>) -> String {
    match agent_id {
        Some(id) => {
            let deeplink = format!("setup/ha_linking?agent_id={id}");
            let encoded: String = url::form_urlencoded::byte_serialize(deeplink.as_bytes()).collect();
            format!("https://home.google.com/home-app/?deeplink={encoded}")
        }
        None => "https://home.google.com/home-app/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_tap_link_goes_to_this_services_linking_page() {
        assert_eq!(
            super::google_home_link(Some("smarthems-sim")),
            "https://home.google.com/home-app/?deeplink=setup%2Fha_linking%3Fagent_id%3Dsmarthems-sim"
        );
        assert_eq!(super::google_home_link(None), "https://home.google.com/home-app/");
    }
}
