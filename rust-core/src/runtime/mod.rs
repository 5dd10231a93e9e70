//! The runtime: carries out the flow's effects and answers each with an event.
//!
//! All I/O lives here — login, the cloud API, the platform — behind one retry policy and one
//! rule for authorised calls (refresh before expiry; on 401 refresh once and try again; a refresh
//! the provider refuses means the session has ended).

pub mod cloud;
#[cfg(feature = "keyring")]
pub mod keychain;
pub mod login;
pub mod net;
pub mod outbox;
pub mod persisted;
pub mod platform;
pub mod retry;
pub mod secure;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use cloud::{Cloud, CloudError};
use login::{Login, LoginError};
use outbox::{Callout, Outbox};
use retry::RetryPolicy;
use secure::SecureStore;

use crate::flow::support::{self, UpdateNeed, UpdateTarget};
use crate::flow::{Effect, Event, Failure, TermsKind};

/// Where the old app kept the old Panasonic ID session in the secure store.
pub const OLD_ID_KEYS: [&str; 2] = ["panasonic_id.session", "panasonic_id.credentials"];
const REGISTRATION_CODE_KEY: &str = "registration.code";

/// A failed step: the cloud's or the login's error.
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl StepError {
    fn failure(&self) -> Failure {
        match self {
            StepError::Cloud(e) => e.into(),
            StepError::Login(e) => e.into(),
        }
    }
    fn is_transient(&self) -> bool {
        match self {
            StepError::Cloud(e) => e.is_transient(),
            StepError::Login(e) => matches!(e, LoginError::Unreachable(_)),
        }
    }
}

/// Everything the effects need.
pub struct Runtime {
    pub login: Login,
    pub cloud: Cloud,
    pub secure: Arc<dyn SecureStore>,
    /// Calls out to the shell, delivered by the façade once no lock is held.
    pub outbox: Arc<Outbox>,
    pub retry: RetryPolicy,
    /// A fixed "now" (tests); the system clock otherwise.
    pub fixed_time: Option<i64>,
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
        let store = self.secure.as_ref();
        let result: Result<Event, StepError> = match effect {
            Effect::OpenLogin { create } => {
                match self.retrying(|| async { Ok(self.login.begin(store, create).await?) }).await {
                    Ok(url) => {
                        self.outbox.post(Callout::OpenLoginPage(url.to_string()));
                        Ok(Event::LoginOpened)
                    }
                    Err(e) => Err(e),
                }
            }
            Effect::FinishLogin(url) => self.login.finish(store, &url.0).await.map(Event::SignedIn).map_err(Into::into),
            Effect::ForgetLogin => {
                self.login.forget(store);
                return None;
            }
            Effect::CheckTerms => {
                self.authorized(|token| async move {
                    let terms = self.cloud.terms(TermsKind::App).await?;
                    let accepted = self.cloud.accepted_app_terms(&token).await?;
                    let legacy_speaker_user = self.cloud.legacy_speaker_user(&token).await?;
                    Ok(Event::TermsChecked { terms, accepted, legacy_speaker_user })
                })
                .await
            }
            Effect::SaveConsent { version } => {
                let version = &version;
                self.authorized(|token| async move {
                    self.cloud.accept_app_terms(&token, version).await?;
                    Ok(Event::ConsentSaved)
                })
                .await
            }
            Effect::SignOut => {
                self.login.sign_out(store).await;
                Ok(Event::SignedOut)
            }
            Effect::LoadTerms(kind) => self
                .retrying(|| async { Ok(Event::TermsLoaded { kind, terms: self.cloud.terms(kind).await? }) })
                .await,
            Effect::LoadDevices => {
                self.authorized(|token| async move { Ok(Event::DevicesLoaded(self.cloud.devices(&token).await?)) }).await
            }
            Effect::Register(registration) => {
                let registration = &registration;
                self.authorized(|token| async move {
                    self.cloud.register_speaker(&token, &self.speaker_user, registration).await?;
                    Ok(Event::Registered)
                })
                .await
            }
            Effect::OpenGoogleHome => {
                let agent_id = self.cloud.app_config().await.ok().and_then(|c| c.google_home_agent_id);
                self.outbox.post(Callout::OpenGoogleHome(platform::google_home_link(agent_id.as_deref())));
                return None;
            }
            Effect::OpenStore => {
                self.outbox.post(Callout::OpenStore);
                return None;
            }
            Effect::KeepCode(code) => {
                if let Err(error) = store.save(REGISTRATION_CODE_KEY.into(), code.0) {
                    tracing::error!(%error, "could not keep the 2D code");
                }
                return None;
            }
            Effect::ClaimCode => {
                let code = store.load(REGISTRATION_CODE_KEY.into()).ok().flatten().unwrap_or_default();
                let code = &code;
                let result = self
                    .authorized(|token| async move {
                        self.cloud.claim_code(&token, code).await?;
                        Ok(Event::CodeClaimed)
                    })
                    .await;
                // A code works once: forget it unless the claim may simply be tried again.
                if !matches!(&result, Err(e) if e.is_transient() || e.failure() == Failure::SessionExpired) {
                    let _ = store.delete(REGISTRATION_CODE_KEY.into());
                }
                result
            }
            Effect::CheckOldId => {
                let in_store = OLD_ID_KEYS.iter().any(|k| matches!(store.load((*k).into()), Ok(Some(_))));
                let on_disk = self.old_id_paths.iter().any(|p| p.exists());
                Ok(Event::OldIdChecked { found: in_store || on_disk })
            }
            Effect::WipeOldId => {
                // Local only: nothing of the old ID is sent anywhere.
                for key in OLD_ID_KEYS {
                    if let Err(error) = store.delete(key.into()) {
                        tracing::error!(%error, "could not delete an old ID secret");
                    }
                }
                for path in &self.old_id_paths {
                    let removed =
                        if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
                    if let Err(error) = removed.or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) }) {
                        tracing::error!(%error, "could not delete old local data");
                    }
                }
                Ok(Event::OldIdWiped)
            }
            Effect::CheckVersions => Ok(Event::VersionsChecked { need: self.update_needed().await }),
            Effect::LoadHelp => {
                let support = match self.cloud.app_config().await {
                    Ok(config) => config.support.unwrap_or_else(support::built_in),
                    Err(error) => {
                        tracing::info!(%error, "help from the built-in data");
                        support::built_in()
                    }
                };
                let now = self.fixed_time.unwrap_or_else(|| {
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
                });
                Ok(Event::HelpLoaded { support, now })
            }
            Effect::AuthorizeGoogle(request) => {
                let request = &request;
                match self.authorized(|token| async move { Ok(self.cloud.app_flip_code(&token, &self.speaker_user, request).await?) }).await {
                    Ok(code) => {
                        let redirect = crate::flow::with_params(&request.redirect_uri, &[("code", &code), ("state", &request.state)]);
                        self.outbox.post(Callout::AnswerGoogle(crate::flow::AppFlipAnswer::Approved { redirect, code }));
                        Ok(Event::AppFlipAnswered)
                    }
                    Err(e) => Err(e),
                }
            }
            Effect::AnswerGoogle(answer) => {
                self.outbox.post(Callout::AnswerGoogle(answer));
                return None;
            }
            Effect::CheckLink => {
                self.authorized(|token| async move {
                    Ok(Event::LinkChecked { linked: self.cloud.speaker_linked(&token, &self.speaker_user).await? })
                })
                .await
            }
        };
        Some(result.unwrap_or_else(|error| {
            tracing::warn!(%error, "step failed");
            Event::Failed(error.failure())
        }))
    }

    /// Step 1: an update the user must make. A check that cannot be made blocks nothing.
    async fn update_needed(&self) -> Option<UpdateNeed> {
        let config = match self.cloud.app_config().await {
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
                required: config.min_app_version,
            });
        }
        if !self.login.has_session(self.secure.as_ref()) {
            return None;
        }
        let firmware = self.authorized(|token| async move { Ok(self.cloud.firmware_version(&token).await?) }).await.ok()?;
        support::is_below(&firmware, &config.min_firmware_version).then_some(UpdateNeed {
            target: UpdateTarget::Firmware,
            installed: firmware,
            required: config.min_firmware_version,
        })
    }

    async fn retrying<T, F, Fut>(&self, attempt: F) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        self.retry.run(StepError::is_transient, attempt).await
    }

    /// Runs a cloud call with a valid access token: refreshed ahead of expiry, and once more if
    /// the cloud says 401. Transient failures are retried by the one policy.
    async fn authorized<T, F, Fut>(&self, call: F) -> Result<T, StepError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        let store = self.secure.as_ref();
        self.retrying(|| async {
            let token = self.login.access_token(store, false).await?;
            match call(token).await {
                Err(StepError::Cloud(CloudError::Unauthorized)) => {
                    tracing::info!("access token refused by the cloud; refreshing");
                    let token = self.login.access_token(store, true).await?;
                    call(token).await
                }
                other => other,
            }
        })
        .await
    }
}
