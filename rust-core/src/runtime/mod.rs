//! The runtime: carries out the flow's effects and answers each with an event.
//!
//! All I/O lives here — login, the cloud API, the platform — behind one retry policy and one
//! rule for authorised calls (refresh before expiry; on 401 refresh once and try again; a refresh
//! the provider refuses means the session has ended).

pub mod api;
pub mod clock;
pub mod cloud;
pub mod event_loop;
pub mod jwk;
#[cfg(feature = "keyring")]
pub mod keychain;
pub mod login;
pub mod net;
pub mod outbox;
pub mod persisted;
pub mod platform;
pub mod provider_cache;
pub mod provider_http;
pub mod retry;
pub mod secure;
pub mod store;

use std::sync::Arc;

use api::{Api, StepError};
use outbox::{Callout, Outbox};

use crate::flow::support::{self, UpdateNeed, UpdateTarget};
use crate::flow::{AppFlipAnswer, AppFlipRequest, Effect, Event, Failure, Registration, TermsKind};

/// Where the old app kept the old Panasonic ID session in the secure store.
pub const OLD_ID_KEYS: [&str; 2] = ["panasonic_id.session", "panasonic_id.credentials"];
const REGISTRATION_CODE_KEY: &str = "registration.code";
/// The claim's idempotency key, made with the code it claims and forgotten with it.
const CLAIM_KEY_KEY: &str = "registration.code.idempotency";
/// A 2D code opened during a registration, while the user chooses (`Screen::NewCodePrompt`).
const HELD_CODE_KEY: &str = "registration.code.held";

/// Everything the effects need.
pub struct Runtime {
    /// The cloud and the login session, behind the retry policy.
    pub api: Api,
    /// Calls out to the shell, delivered by the event loop once no lock is held.
    pub outbox: Arc<Outbox>,
    /// "Now" for help's open lines: the system clock, or one the tests set and move.
    pub clock: clock::Clock,
    /// The installed app's version (step 1).
    pub app_version: String,
    /// This phone's speaker user: which registration under the account is this phone's (a
    /// household may share one CLUB Panasonic ID, one speaker user per phone).
    pub speaker_user: String,
    /// Files the old app left: the old ID's data and the local スマートHEMSクラブ data.
    pub old_id_paths: Vec<std::path::PathBuf>,
}

impl Runtime {
    /// Carries out one effect; the event it answers with, if any.
    pub async fn run(&self, effect: Effect) -> Option<Event> {
        let store = self.api.secure.as_ref();
        let result: Result<Event, StepError> = match effect {
            Effect::OpenLogin { create } => self.open_login(create).await,
            // A code is exchanged once: never retried.
            Effect::FinishLogin(url) => {
                self.api.login.finish(store, &url.0).await.map(Event::SignedIn).map_err(Into::into)
            }
            Effect::ForgetLogin => {
                self.api.login.forget(store);
                return None;
            }
            Effect::CheckTerms => self.check_terms().await,
            Effect::SaveConsent { version } => self.save_consent(&version).await,
            Effect::SignOut => {
                if let Some(page) = self.api.login.sign_out(store).await {
                    // CLUB Panasonic's own session lives in the browser: end it there too.
                    self.outbox.post(Callout::OpenLoginPage(page.to_string()));
                }
                Ok(Event::SignedOut)
            }
            Effect::LoadTerms(kind) => {
                self.api
                    .retrying(|cloud| async move { Ok(Event::TermsLoaded { kind, terms: cloud.terms(kind).await? }) })
                    .await
            }
            Effect::LoadDevices => {
                self.api
                    .authorized(|cloud, token| async move { Ok(Event::DevicesLoaded(cloud.devices(&token).await?)) })
                    .await
            }
            Effect::Register(registration) => self.register(&registration).await,
            Effect::OpenGoogleHome => {
                let agent_id = self.api.app_config().await.ok().and_then(|c| c.google_home_agent_id.clone());
                self.outbox.post(Callout::OpenGoogleHome(platform::google_home_link(agent_id.as_deref())));
                return None;
            }
            Effect::OpenStore => {
                self.outbox.post(Callout::OpenStore);
                return None;
            }
            Effect::KeepCode(code) => {
                self.keep_code(code.0);
                return None;
            }
            Effect::HoldCode(code) => {
                if let Err(error) = store.save(HELD_CODE_KEY.into(), code.0) {
                    tracing::error!(%error, "could not put the 2D code aside");
                }
                return None;
            }
            Effect::UseHeldCode => {
                match store.load(HELD_CODE_KEY.into()) {
                    Ok(Some(code)) => self.keep_code(code),
                    // Lost (the keychain, a kill before it was put aside): no earlier code may be
                    // claimed in its place, so the claim finds none and says the code is gone,
                    // which asks for a new one on the AiSEG2 — the truth.
                    other => {
                        tracing::warn!(found = other.is_ok(), "no 2D code put aside");
                        let _ = store.delete(REGISTRATION_CODE_KEY.into());
                        let _ = store.delete(CLAIM_KEY_KEY.into());
                    }
                }
                let _ = store.delete(HELD_CODE_KEY.into());
                return None;
            }
            Effect::DropHeldCode => {
                let _ = store.delete(HELD_CODE_KEY.into());
                return None;
            }
            Effect::ClaimCode => self.claim_code().await,
            Effect::CheckOldId => Ok(self.check_old_id()),
            Effect::WipeOldId => Ok(self.wipe_old_id()),
            Effect::CheckVersions => Ok(Event::VersionsChecked { need: self.update_needed().await }),
            Effect::LoadHelp => Ok(self.load_help().await),
            Effect::AuthorizeGoogle(request) => self.authorize_google(&request).await,
            Effect::AnswerGoogle(answer) => {
                self.outbox.post(Callout::AnswerGoogle(answer));
                return None;
            }
            Effect::CheckLink => {
                let speaker_user = &self.speaker_user;
                self.api
                    .authorized(|cloud, token| async move {
                        Ok(Event::LinkChecked { linked: cloud.speaker_linked(&token, speaker_user).await? })
                    })
                    .await
            }
        };
        Some(result.unwrap_or_else(|error| {
            tracing::warn!(failure = ?error.failure(), "step failed");
            Event::Failed(error.failure())
        }))
    }

    /// Keeps a 2D code until it is claimed; a new code is a new claim (a new idempotency key).
    fn keep_code(&self, code: String) {
        let store = self.api.secure.as_ref();
        if let Err(error) = store.save(REGISTRATION_CODE_KEY.into(), code) {
            tracing::error!(%error, "could not keep the 2D code");
        }
        // A code put aside earlier is not waiting for anything any more.
        for key in [CLAIM_KEY_KEY, HELD_CODE_KEY] {
            let _ = store.delete(key.into());
        }
    }

    async fn open_login(&self, create: bool) -> Result<Event, StepError> {
        let store = self.api.secure.as_ref();
        let url = self.api.retrying(|_| async { Ok(self.api.login.begin(store, create).await?) }).await?;
        self.outbox.post(Callout::OpenLoginPage(url.to_string()));
        Ok(Event::LoginOpened)
    }

    async fn check_terms(&self) -> Result<Event, StepError> {
        let speaker_user = &self.speaker_user;
        self.api
            .authorized(|cloud, token| async move {
                let terms = cloud.terms(TermsKind::App).await?;
                let accepted = cloud.accepted_app_terms(&token).await?;
                let profile = cloud.profile(&token, speaker_user).await?;
                let (legacy_speaker_user, found, elsewhere) =
                    (profile.legacy_speaker_user, profile.found, profile.elsewhere);
                Ok(Event::TermsChecked { terms, accepted, legacy_speaker_user, found, elsewhere })
            })
            .await
    }

    async fn save_consent(&self, version: &str) -> Result<Event, StepError> {
        self.api
            .authorized(|cloud, token| async move {
                cloud.accept_app_terms(&token, version).await?;
                Ok(Event::ConsentSaved)
            })
            .await
    }

    async fn register(&self, registration: &Registration) -> Result<Event, StepError> {
        let speaker_user = &self.speaker_user;
        self.api
            .authorized(|cloud, token| async move {
                cloud.register_speaker(&token, speaker_user, registration).await?;
                Ok(Event::Registered)
            })
            .await
    }

    async fn claim_code(&self) -> Result<Event, StepError> {
        let store = self.api.secure.as_ref();
        let code = store.load(REGISTRATION_CODE_KEY.into()).ok().flatten().unwrap_or_default();
        let code = &code;
        // One key per code, kept beside it (a retry after a relaunch sends the same one).
        let key = match store.load(CLAIM_KEY_KEY.into()) {
            Ok(Some(key)) => key,
            _ => {
                let key = openidconnect::CsrfToken::new_random().secret().clone();
                let _ = store.save(CLAIM_KEY_KEY.into(), key.clone());
                key
            }
        };
        let key = &key;
        let result = self
            .api
            .authorized(|cloud, token| async move {
                cloud.claim_code(&token, code, key).await?;
                Ok(Event::CodeClaimed)
            })
            .await;
        // A code works once: forget it unless the claim may simply be tried again.
        if !matches!(&result, Err(e) if e.is_transient() || e.failure() == Failure::SessionExpired) {
            let _ = store.delete(REGISTRATION_CODE_KEY.into());
            let _ = store.delete(CLAIM_KEY_KEY.into());
        }
        result
    }

    fn check_old_id(&self) -> Event {
        let store = self.api.secure.as_ref();
        let in_store = OLD_ID_KEYS.iter().any(|k| matches!(store.load((*k).into()), Ok(Some(_))));
        let on_disk = self.old_id_paths.iter().any(|p| p.exists());
        Event::OldIdChecked { found: in_store || on_disk }
    }

    /// Local only: nothing of the old ID is sent anywhere.
    fn wipe_old_id(&self) -> Event {
        for key in OLD_ID_KEYS {
            if let Err(error) = self.api.secure.delete(key.into()) {
                tracing::error!(%error, "could not delete an old ID secret");
            }
        }
        for path in &self.old_id_paths {
            let removed = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
            if let Err(error) =
                removed.or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })
            {
                tracing::error!(%error, "could not delete old local data");
            }
        }
        Event::OldIdWiped
    }

    async fn load_help(&self) -> Event {
        // Help shows the support lines of now: fetched again (hours change during a run), and
        // kept for the other readers.
        self.api.forget_app_config();
        let support = match self.api.app_config().await {
            Ok(config) => config.support.clone().unwrap_or_else(support::built_in),
            Err(error) => {
                tracing::info!(%error, "help from the built-in data");
                support::built_in()
            }
        };
        Event::HelpLoaded { support, now: self.clock.now() }
    }

    async fn authorize_google(&self, request: &AppFlipRequest) -> Result<Event, StepError> {
        let speaker_user = &self.speaker_user;
        let code = self
            .api
            .authorized(|cloud, token| async move { Ok(cloud.app_flip_code(&token, speaker_user, request).await?) })
            .await?;
        let redirect = crate::flow::with_params(&request.redirect_uri, &[("code", &code), ("state", &request.state)]);
        self.outbox.post(Callout::AnswerGoogle(AppFlipAnswer::Approved { redirect, code }));
        Ok(Event::AppFlipAnswered)
    }

    /// Step 1: an update the user must make. A check that cannot be made blocks nothing. The
    /// app-config is the one kept since launch, unless it asked for an update: then the check
    /// after the user updates fetches it again.
    async fn update_needed(&self) -> Option<UpdateNeed> {
        let need = self.update_needed_by_config().await;
        if need.is_some() {
            self.api.forget_app_config();
        }
        need
    }

    async fn update_needed_by_config(&self) -> Option<UpdateNeed> {
        let config = match self.api.app_config().await {
            Ok(config) => config,
            Err(error) => {
                tracing::info!(%error, "version check skipped");
                return None;
            }
        };
        if support::is_below(&self.app_version, &config.min_app_version) {
            return Some(UpdateNeed {
                target: UpdateTarget::App,
                installed: self.app_version.clone(),
                required: config.min_app_version.clone(),
            });
        }
        if !self.api.login.has_session(self.api.secure.as_ref()) {
            return None;
        }
        let firmware =
            self.api.authorized(|cloud, token| async move { Ok(cloud.firmware_version(&token).await?) }).await.ok()?;
        support::is_below(&firmware, &config.min_firmware_version).then_some(UpdateNeed {
            target: UpdateTarget::Firmware,
            installed: firmware,
            required: config.min_firmware_version.clone(),
        })
    }
}
