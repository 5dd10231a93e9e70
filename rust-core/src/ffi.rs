//! The façade: the one object the Kotlin and Swift shells hold.
//!
//! Construct it with the config and the platform's callbacks, `subscribe()` to be told of every
//! screen change, call `start()`, send taps with `tap()` and hand in URLs from outside with
//! `open_url()`. Each event is applied by the pure flow, saved to SQLite, shown, and its effects
//! carried out on the core's own tokio runtime — whatever thread or executor the shell calls from.
//!
//! A screen crosses the boundary once: to the listeners. The calls that move the app on return
//! nothing, once the screens they led to have reached the listeners; `screen()` is for a shell
//! drawing before it has subscribed. (They used to return their screen too: a second copy built,
//! sent and parsed for nothing, as the shells draw from the listener — issue 13.)

use std::path::PathBuf;
use std::sync::Arc;

use crate::flow::links::{self, Link};
pub use crate::flow::Language;
use crate::flow::{Action, AppFlipRequest, Event, IncomingUrl, Notice, RegistrationCode, ScreenView};
use crate::runtime::api::Api;
pub use crate::runtime::event_loop::ScreenListener;
use crate::runtime::event_loop::{EventLoop, Listeners};
use crate::runtime::login::{Login, LoginConfig};
pub use crate::runtime::platform::{Platform, PlatformError};
use crate::runtime::retry::RetryPolicy;
use crate::runtime::secure::SecureStore;
use crate::runtime::store::Store;
use crate::runtime::{net, Runtime};

/// How the app is set up. Only `https://` URLs, except loopback for tests.
#[derive(Clone, Debug, uniffi::Record)]
pub struct Config {
    /// CLUB Panasonic ID's OpenID issuer; everything else is found by discovery.
    pub issuer: String,
    /// The OAuth client id of this app.
    pub client_id: String,
    /// Where the login page sends the user back (the app's claimed scheme or link).
    pub redirect_uri: String,
    /// The Smart HEMS API root, e.g. `https://…/api/v1`.
    pub cloud_base_url: String,
    /// The app's SQLite file (the flow's state and drafts; never a secret).
    pub database_path: String,
    pub language: Language,
    /// The installed app's version, compared with the cloud's minimum (step 1).
    pub app_version: String,
    /// This app's id (bundle id / package), for Google's App Flip redirect `/a/<app_id>`.
    pub app_id: String,
    /// The OAuth client id Google Home uses with CLUB Panasonic ID (App Flip requests name it).
    pub google_client_id: String,
    /// Files or folders the old app left (the old Panasonic ID's data and the local
    /// スマートHEMSクラブ data), deleted by the migration to CLUB Panasonic ID.
    pub old_id_paths: Vec<String>,
    /// Ask for a refresh token as OpenID Connect Core §11 says (`offline_access` with
    /// `prompt=consent`). `false` only for a provider that grants one on the scope alone and would
    /// otherwise show its consent page on every login (docs/cloud-api.md).
    #[uniffi(default = true)]
    pub offline_access_with_consent: bool,
    /// Where CLUB Panasonic sends the browser back after logout (a `post_logout_redirect_uri`
    /// registered for the app); `redirect_uri` when not set.
    #[uniffi(default = None)]
    pub post_logout_redirect_uri: Option<String>,
}

/// Knobs for tests and the headless harness; the phones use the defaults.
#[derive(Clone, Debug)]
pub struct Tuning {
    pub retry: RetryPolicy,
    /// "Now" for help's open lines (QA runs at any hour, and moves the clock while the app runs).
    pub clock: crate::runtime::clock::Clock,
    /// How long a call waits for the checks it started beside the user before it answers with
    /// the screen as it is (`EventLoop::send`).
    pub quiet_wait: std::time::Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning { retry: RetryPolicy::default(), clock: Default::default(), quiet_wait: QUIET_WAIT }
    }
}

/// A launch answers with the screen its checks lead to when they answer within this (an update
/// needed is then the first screen, not a screen replaced a moment later); a slower service
/// leaves the screen as it is, taps go on, and the answer reaches the listeners when it comes.
pub const QUIET_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the app object could not be built.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SetupError {
    /// A URL in the config is not https (or loopback) or not a URL at all.
    #[error("config field {field} is not an allowed URL")]
    InsecureUrl { field: String },
    /// Kept for shells built against it: an unusable database no longer stops the app (it is
    /// set aside and the app starts over with a notice), so this is not raised any more.
    #[error("the app's database could not be opened: {reason}")]
    Database { reason: String },
}

/// Keeps a listener subscribed; dropping (or `close()` in Kotlin) unsubscribes.
#[derive(uniffi::Object)]
pub struct Subscription {
    id: u64,
    listeners: Arc<Listeners>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.listeners.remove(self.id);
    }
}

/// The app.
#[derive(uniffi::Object)]
pub struct SmartHems {
    core: Arc<EventLoop>,
    /// What links from outside are checked against.
    redirect_uri: url::Url,
    service_origin: url::Url,
    app_id: String,
    google_client_id: String,
    post_logout_redirect_uri: Option<url::Url>,
    /// The last link handed in: phones hand a re-created activity its link again (a rotation,
    /// a restore), and the flow must know a repeat from a new link.
    last_link: std::sync::Mutex<Option<String>>,
}

#[uniffi::export]
impl SmartHems {
    /// Opens the app's database and restores the screen it was on.
    #[uniffi::constructor]
    pub fn new(
        config: Config,
        platform: Arc<dyn Platform>,
        secure_store: Arc<dyn SecureStore>,
    ) -> Result<Arc<SmartHems>, SetupError> {
        Self::with_tuning(config, platform, secure_store, Tuning::default())
    }

    /// The screen to draw now (the listeners are told of it too: this is for drawing before
    /// subscribing, and for tests).
    pub fn screen(&self) -> ScreenView {
        self.core.view()
    }

    /// Resumes whatever was in progress when the app was last stopped. Call once after `new`.
    /// Like every event, it runs to its end on the core's own runtime: cancelling the caller
    /// (a Kotlin coroutine, a Swift task) does not cancel it. Returns once the screens it led to
    /// have reached the listeners.
    pub async fn start(&self) {
        self.send(Event::Launched).await
    }

    /// The user tapped a button of the current screen. Cancelling the caller does not cancel
    /// the tap: what it started (a registration, a login) goes on, and the screens it leads to
    /// reach the listeners. A double tap (the same tap while the first is under way) does
    /// nothing, and returns when the first is done.
    pub async fn tap(&self, action: Action) {
        self.send(Event::Tap(action)).await
    }

    /// A URL handed to the app from outside: the login redirect from the browser, or an AiSEG2
    /// 2D-code link. Anything else is refused with a notice, and nothing is sent anywhere. The
    /// same link handed in twice in a row (a re-created activity) is told apart as a repeat;
    /// the browser's return from CLUB Panasonic's logout changes nothing.
    pub async fn open_url(&self, url: String) {
        let again = {
            let mut last = self.last_link.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            last.replace(url.trim().to_owned()).as_deref() == Some(url.trim())
        };
        let link = match links::classify(&url, &self.redirect_uri, &self.service_origin) {
            Link::Unknown
                if self.post_logout_redirect_uri.as_ref().is_some_and(|back| links::same_page(&url, back)) =>
            {
                Link::LogoutReturn
            }
            link => link,
        };
        let event = match link {
            Link::LoginRedirect(url) if again => Event::IncomingAgain(IncomingUrl(url)),
            Link::LoginRedirect(url) => Event::Incoming(IncomingUrl(url)),
            // The browser coming back from CLUB Panasonic's logout: the app is already logged out.
            Link::LogoutReturn => return,
            Link::RegistrationCode(code) if again => Event::RegistrationLinkAgain(RegistrationCode(code)),
            Link::RegistrationCode(code) => Event::RegistrationLink(RegistrationCode(code)),
            Link::AppFlip(request) => {
                let valid = links::app_flip_ok(&request, &self.google_client_id, &self.app_id);
                Event::AppFlip { request, valid }
            }
            Link::Unknown => Event::StrayLink,
        };
        self.send(event).await
    }

    /// Google Home asks this app to approve an account link (App Flip). Android: from the intent's
    /// extras, after the shell checked the caller's package and signing certificate. The request is
    /// checked before anything is shown; a forged one is refused.
    pub async fn app_flip(&self, request: AppFlipRequest) {
        let valid = links::app_flip_ok(&request, &self.google_client_id, &self.app_id);
        self.send(Event::AppFlip { request, valid }).await
    }

    /// The app came back to the foreground (for instance from Google Home). Not on a cold start:
    /// `start()` covers the launch, and a relaunch shows exactly what was there.
    pub async fn app_foregrounded(&self) {
        self.send(Event::Foregrounded).await
    }

    /// Calls `listener` with the current screen now and with every change after, until the
    /// returned subscription is dropped.
    pub fn subscribe(&self, listener: Arc<dyn ScreenListener>) -> Arc<Subscription> {
        let listeners = &self.core.listeners;
        let id = listeners.add(listener.clone());
        listener.on_screen(self.core.view());
        Arc::new(Subscription { id, listeners: listeners.clone() })
    }
}

impl SmartHems {
    /// As `new`, tuned for tests and the harness (short retry pauses, a fixed clock).
    pub fn with_tuning(
        config: Config,
        platform: Arc<dyn Platform>,
        secure_store: Arc<dyn SecureStore>,
        tuning: Tuning,
    ) -> Result<Arc<SmartHems>, SetupError> {
        let Tuning { retry, clock, quiet_wait } = tuning;
        let insecure = |field: &str| SetupError::InsecureUrl { field: field.into() };
        // Built on the first request, not here: a relaunch draws its first screen sooner.
        let http = net::Http::lazy();
        let redirect_uri = url::Url::parse(&config.redirect_uri).map_err(|_| insecure("redirect_uri"))?;
        let mut service_origin = net::allowed_url(&config.cloud_base_url).ok_or_else(|| insecure("cloud_base_url"))?;
        service_origin.set_path("/");
        service_origin.set_query(None);
        let post_logout_redirect_uri = match &config.post_logout_redirect_uri {
            Some(uri) => Some(url::Url::parse(uri).map_err(|_| insecure("post_logout_redirect_uri"))?),
            None => None,
        };
        let login_config = LoginConfig {
            offline_access_with_consent: config.offline_access_with_consent,
            post_logout_redirect_uri: config.post_logout_redirect_uri,
            ..LoginConfig::new(&config.issuer, &config.client_id, &config.redirect_uri)
        };
        let login = Login::new(login_config, http.clone()).map_err(insecure)?;
        let api = Api::new(&config.cloud_base_url, http, login, secure_store, retry)
            .ok_or_else(|| insecure("cloud_base_url"))?;
        let opened = Store::open_or_start_over(&PathBuf::from(&config.database_path));
        let mut state = opened.state.unwrap_or_default();
        if opened.started_over {
            state.notice = Some(Notice::StartedOver);
        }
        let (store, speaker_user) = (opened.store, opened.speaker_user);
        let runtime = Runtime {
            api,
            outbox: Arc::default(),
            clock,
            app_version: config.app_version,
            speaker_user,
            old_id_paths: config.old_id_paths.into_iter().map(PathBuf::from).collect(),
        };
        Ok(Arc::new(SmartHems {
            core: Arc::new(
                EventLoop::new(state, store, runtime, config.language, platform).waiting_quietly(quiet_wait),
            ),
            redirect_uri,
            service_origin,
            app_id: config.app_id,
            google_client_id: config.google_client_id,
            post_logout_redirect_uri,
            last_link: std::sync::Mutex::default(),
        }))
    }

    async fn send(&self, event: Event) {
        self.core.send(event).await
    }
}
