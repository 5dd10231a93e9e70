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
pub mod platform;
pub mod retry;
pub mod secure;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use cloud::{Cloud, CloudError};
use login::{Login, LoginError};
use platform::Platform;
use retry::RetryPolicy;
use secure::SecureStore;

use crate::flow::{Effect, Event, Failure, TermsKind};

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
    pub platform: Arc<dyn Platform>,
    pub retry: RetryPolicy,
}

impl Runtime {
    /// Carries out one effect; the event it answers with, if any.
    pub async fn run(&self, effect: Effect) -> Option<Event> {
        let store = self.secure.as_ref();
        let result: Result<Event, StepError> = match effect {
            Effect::OpenLogin => {
                match self.retrying(|| async { Ok(self.login.begin(store, false).await?) }).await {
                    Ok(url) => {
                        // Not under any lock: the shell may call back into the core from here.
                        self.platform.open_login_page(url.to_string());
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
                    self.cloud.register_speaker(&token, registration).await?;
                    Ok(Event::Registered)
                })
                .await
            }
            Effect::OpenGoogleHome => {
                self.platform.open_google_home();
                return None;
            }
            Effect::CheckLink => {
                self.authorized(|token| async move {
                    Ok(Event::LinkChecked { linked: self.cloud.speaker_linked(&token).await? })
                })
                .await
            }
        };
        Some(result.unwrap_or_else(|error| {
            tracing::warn!(%error, "step failed");
            Event::Failed(error.failure())
        }))
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
