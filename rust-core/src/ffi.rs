//! The façade: the one object the Kotlin and Swift shells hold.
//!
//! Construct it with the config and the platform's callbacks, call `start()`, draw `screen()`,
//! send taps with `tap()`, hand in URLs from outside with `open_url()`, and `subscribe()` to be
//! told of every screen change. Each event is applied by the pure flow, saved to SQLite, shown,
//! and its effects carried out on the core's own tokio runtime — whatever thread or executor the
//! shell calls from.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

pub use crate::flow::Language;
use crate::flow::links::{self, Link};
use crate::flow::{self, Action, AppFlipRequest, Event, IncomingUrl, RegistrationCode, ScreenView, State};
use crate::runtime::cloud::Cloud;
use crate::runtime::login::{Login, LoginConfig};
pub use crate::runtime::platform::Platform;
use crate::runtime::outbox::Callout;
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
}

/// Knobs for tests and the headless harness; the phones use the defaults.
#[derive(Clone, Debug, Default)]
pub struct Tuning {
    pub retry: RetryPolicy,
    /// "Now" in seconds since the epoch, for help's open-now (QA runs at any hour).
    pub fixed_time: Option<i64>,
}

/// Why the app object could not be built.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SetupError {
    /// A URL in the config is not https (or loopback) or not a URL at all.
    #[error("config field {field} is not an allowed URL")]
    InsecureUrl { field: String },
    /// The database file could not be opened or migrated.
    #[error("the app's database could not be opened: {reason}")]
    Database { reason: String },
}

/// Told of every screen change, starting with the current screen.
#[uniffi::export(foreign)]
pub trait ScreenListener: Send + Sync {
    fn on_screen(&self, view: ScreenView);
}

/// Keeps a listener subscribed; dropping (or `close()` in Kotlin) unsubscribes.
#[derive(uniffi::Object)]
pub struct Subscription {
    id: u64,
    listeners: Arc<Listeners>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.listeners.list.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.id);
    }
}

#[derive(Default)]
struct Listeners {
    next_id: Mutex<u64>,
    list: Mutex<Vec<(u64, Arc<dyn ScreenListener>)>>,
}

impl Listeners {
    fn notify(&self, view: &ScreenView) {
        // Copy the list first: a listener may subscribe or drop a subscription from its callback.
        let listeners: Vec<_> = self.list.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for (_, listener) in listeners {
            listener.on_screen(view.clone());
        }
    }
}

/// The core's runtime, created once per process; every async call runs on it, so futures polled
/// from Kotlin or Swift executors never meet "no reactor running".
fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("smarthems")
            .enable_all()
            .build()
            .expect("the core's tokio runtime starts")
    })
}

struct Inner {
    state: Mutex<State>,
    /// One event (and its chain of effects) at a time, in the order they arrive. Never held
    /// while the shell is called: calls out go through the outbox.
    turn: tokio::sync::Mutex<()>,
    store: Store,
    runtime: Runtime,
    language: Language,
    platform: Arc<dyn Platform>,
    listeners: Arc<Listeners>,
    /// What links from outside are checked against.
    redirect_uri: url::Url,
    service_origin: url::Url,
    app_id: String,
    google_client_id: String,
}

/// The app.
#[derive(uniffi::Object)]
pub struct SmartHems {
    inner: Arc<Inner>,
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

    /// The screen to draw now.
    pub fn screen(&self) -> ScreenView {
        self.inner.view()
    }

    /// Resumes whatever was in progress when the app was last stopped. Call once after `new`.
    pub async fn start(&self) -> ScreenView {
        self.send(Event::Launched).await
    }

    /// The user tapped a button of the current screen.
    pub async fn tap(&self, action: Action) -> ScreenView {
        self.send(Event::Tap(action)).await
    }

    /// A URL handed to the app from outside: the login redirect from the browser, or an AiSEG2
    /// 2D-code link. Anything else is refused with a notice, and nothing is sent anywhere.
    pub async fn open_url(&self, url: String) -> ScreenView {
        let event = match links::classify(&url, &self.inner.redirect_uri, &self.inner.service_origin) {
            Link::LoginRedirect(url) => Event::Incoming(IncomingUrl(url)),
            Link::RegistrationCode(code) => Event::RegistrationLink(RegistrationCode(code)),
            Link::AppFlip(request) => {
                let valid = links::app_flip_ok(&request, &self.inner.google_client_id, &self.inner.app_id);
                Event::AppFlip { request, valid }
            }
            Link::Unknown => Event::StrayLink,
        };
        self.send(event).await
    }

    /// Google Home asks this app to approve an account link (App Flip). Android: from the intent's
    /// extras, after the shell checked the caller's package and signing certificate. The request is
    /// checked before anything is shown; a forged one is refused.
    pub async fn app_flip(&self, request: AppFlipRequest) -> ScreenView {
        let valid = links::app_flip_ok(&request, &self.inner.google_client_id, &self.inner.app_id);
        self.send(Event::AppFlip { request, valid }).await
    }

    /// The app came back to the foreground (for instance from Google Home). Not on a cold start:
    /// `start()` covers the launch, and a relaunch shows exactly what was there.
    pub async fn app_foregrounded(&self) -> ScreenView {
        self.send(Event::Foregrounded).await
    }

    /// Calls `listener` with the current screen now and with every change after, until the
    /// returned subscription is dropped.
    pub fn subscribe(&self, listener: Arc<dyn ScreenListener>) -> Arc<Subscription> {
        let listeners = &self.inner.listeners;
        let id = {
            let mut next = listeners.next_id.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            *next
        };
        listeners.list.lock().unwrap_or_else(|e| e.into_inner()).push((id, listener.clone()));
        listener.on_screen(self.inner.view());
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
        let Tuning { retry, fixed_time } = tuning;
        let insecure = |field: &str| SetupError::InsecureUrl { field: field.into() };
        let http = net::client();
        let redirect_uri = url::Url::parse(&config.redirect_uri).map_err(|_| insecure("redirect_uri"))?;
        let mut service_origin = net::allowed_url(&config.cloud_base_url).ok_or_else(|| insecure("cloud_base_url"))?;
        service_origin.set_path("/");
        service_origin.set_query(None);
        let login = Login::new(
            LoginConfig { issuer: config.issuer, client_id: config.client_id, redirect_uri: config.redirect_uri },
            http.clone(),
        )
        .map_err(insecure)?;
        let cloud = Cloud::new(&config.cloud_base_url, http).ok_or_else(|| insecure("cloud_base_url"))?;
        let store = Store::open(&PathBuf::from(&config.database_path))
            .map_err(|e| SetupError::Database { reason: e.to_string() })?;
        let state = store.load().map_err(|e| SetupError::Database { reason: e.to_string() })?.unwrap_or_default();
        let speaker_user = store.speaker_user().map_err(|e| SetupError::Database { reason: e.to_string() })?;
        Ok(Arc::new(SmartHems {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                turn: tokio::sync::Mutex::new(()),
                store,
                runtime: Runtime {
                    login,
                    cloud,
                    secure: secure_store,
                    outbox: Arc::default(),
                    retry,
                    fixed_time,
                    app_version: config.app_version,
                    speaker_user,
                    old_id_paths: config.old_id_paths.into_iter().map(PathBuf::from).collect(),
                },
                language: config.language,
                platform,
                listeners: Arc::default(),
                redirect_uri,
                service_origin,
                app_id: config.app_id,
                google_client_id: config.google_client_id,
            }),
        }))
    }

    async fn send(&self, event: Event) -> ScreenView {
        let inner = self.inner.clone();
        // Called from inside one of our own callbacks (a listener tapping, a browser answering at
        // once): that callback is part of the delivery, so this call must not wait for it.
        let reentrant = inner.runtime.outbox.in_callout();
        match tokio_runtime().spawn(async move { inner.handle(event, reentrant).await }).await {
            Ok(view) => view,
            Err(error) => {
                tracing::error!(%error, "event handling stopped");
                self.inner.view()
            }
        }
    }
}

impl Inner {
    fn view(&self) -> ScreenView {
        flow::view(&self.state.lock().unwrap_or_else(|e| e.into_inner()), self.language)
    }

    /// Applies an event and every event its effects answer with, until the flow settles; then
    /// waits (holding nothing) until the shell has been told, so that when a call returns its
    /// screens have been shown and its browser or Google Home opened.
    async fn handle(self: Arc<Self>, event: Event, reentrant: bool) -> ScreenView {
        let view = {
            let _turn = self.turn.lock().await;
            let mut queue = VecDeque::from([event]);
            while let Some(event) = queue.pop_front() {
                let effects = self.apply(event);
                if !effects.is_empty() {
                    // The busy screen shows while the effects run.
                    self.deliver();
                }
                for effect in effects {
                    queue.extend(self.runtime.run(effect).await);
                }
            }
            self.view()
        };
        let delivered = self.runtime.outbox.last_posted();
        self.deliver();
        if !reentrant {
            self.runtime.outbox.wait_for(delivered).await;
        }
        view
    }

    /// Hands the queued calls out to a thread of their own, where the shell may block or call
    /// back into the core without holding up anything the core holds.
    fn deliver(self: &Arc<Self>) {
        let inner = self.clone();
        tokio_runtime().spawn_blocking(move || inner.runtime.outbox.drain(&|callout| inner.call_out(callout)));
    }

    fn call_out(&self, callout: Callout) {
        match callout {
            Callout::Screen(view) => self.listeners.notify(&view),
            Callout::OpenLoginPage(url) => self.platform.open_login_page(url),
            Callout::OpenGoogleHome(link) => self.platform.open_google_home(link),
            Callout::OpenStore => self.platform.open_store(),
            Callout::AnswerGoogle(answer) => self.platform.answer_google(answer),
        }
    }

    /// One transition: update, save, and queue the new screen for the listeners.
    fn apply(&self, event: Event) -> Vec<flow::Effect> {
        let (view, effects) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            tracing::debug!(?event, "event");
            let (next, effects) = flow::update(&state, event);
            if next == *state {
                return effects;
            }
            if let Err(error) = self.store.save(&next) {
                tracing::error!(%error, "could not save the app state");
            }
            *state = next;
            (flow::view(&state, self.language), effects)
        };
        tracing::info!(screen = %flow::graph::node_name(&view.screen), "screen");
        // Under the turn, so listeners hear the screens in the order they were shown.
        self.runtime.outbox.post(Callout::Screen(Box::new(view)));
        effects
    }
}
