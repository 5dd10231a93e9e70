//! The only way to the Smart HEMS cloud. Every call goes through one of three doors:
//! `retrying` (the one retry policy), `authorized` (a valid access token — refreshed ahead of
//! expiry, and once more if the cloud says 401 — under the same policy), or `best_effort` (tried
//! once; the caller has a fallback). The `Cloud` client is private to this module and only lent
//! to a call inside a door, so a call that skips the policy does not compile.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::cloud::{AppConfig, Cloud, CloudError};
use super::login::{Login, LoginError};
use super::retry::{RetryPolicy, Verdict};
use super::secure::SecureStore;
use crate::flow::Failure;

/// A failed step: the cloud's or the login's error.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl StepError {
    pub fn failure(&self) -> Failure {
        match self {
            StepError::Cloud(e) => e.into(),
            StepError::Login(e) => e.into(),
        }
    }
    /// Whether to try again, and after how long the server asked for.
    pub fn verdict(&self) -> Verdict {
        match self {
            StepError::Cloud(e) => e.verdict(),
            // The login retries the provider's calls itself, under this same policy (a refresh
            // inside `authorized`, discovery inside `begin`): trying again here would multiply
            // the attempts.
            StepError::Login(_) => Verdict::Final,
        }
    }
    pub fn is_transient(&self) -> bool {
        match self {
            StepError::Cloud(e) => e.is_transient(),
            StepError::Login(e) => matches!(e, LoginError::Unreachable(_) | LoginError::ProviderBusy { .. }),
        }
    }
}

/// The cloud and the session it is called with, behind the retry policy.
pub struct Api {
    cloud: Cloud,
    pub login: Login,
    pub secure: Arc<dyn SecureStore>,
    retry: RetryPolicy,
    /// The cloud's app-config, fetched once per launch (per app object) for the version check and
    /// the Google Home link; help and a version check that asked for an update fetch it again.
    app_config: std::sync::Mutex<Option<Arc<AppConfig>>>,
    /// Each pause a server asked for, long enough to tell the user (the event loop shows it).
    waits: mpsc::UnboundedSender<Duration>,
    pub waited: tokio::sync::Mutex<mpsc::UnboundedReceiver<Duration>>,
}

impl Api {
    /// `None` when `cloud_base_url` is not an allowed (https or loopback) URL.
    pub fn new(
        cloud_base_url: &str,
        http: impl Into<super::net::Http>,
        login: Login,
        secure: Arc<dyn SecureStore>,
        retry: RetryPolicy,
    ) -> Option<Api> {
        let (waits, waited) = mpsc::unbounded_channel();
        let waited = tokio::sync::Mutex::new(waited);
        Some(Api {
            cloud: Cloud::new(cloud_base_url, http)?,
            login: login.with_retry(retry.clone(), waits.clone()),
            secure,
            retry,
            app_config: Default::default(),
            waits,
            waited,
        })
    }

    /// `attempt` under the retry policy: transient failures are tried again before giving up,
    /// after the pause the server asked for (`Retry-After`, within `retry::MAX_ASKED_WAIT`).
    pub async fn retrying<'a, T, F, Fut>(&'a self, mut attempt: F) -> Result<T, StepError>
    where
        F: FnMut(&'a Cloud) -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        let told = |pause| {
            tracing::info!(seconds = Duration::as_secs(&pause), "waiting as the server asked");
            let _ = self.waits.send(pause);
        };
        self.retry.run(StepError::verdict, told, || attempt(&self.cloud)).await
    }

    /// `call` with a valid access token, under the retry policy; a 401 refreshes once.
    pub async fn authorized<'a, T, F, Fut>(&'a self, call: F) -> Result<T, StepError>
    where
        F: Fn(&'a Cloud, String) -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        let store = self.secure.as_ref();
        self.retrying(|cloud| async {
            let token = self.login.access_token(store, false).await?;
            match call(cloud, token).await {
                Err(StepError::Cloud(CloudError::Unauthorized)) => {
                    tracing::info!("access token refused by the cloud; refreshing");
                    let token = self.login.access_token(store, true).await?;
                    call(cloud, token).await
                }
                other => other,
            }
        })
        .await
    }

    /// The app-config, from the cloud the first time (best effort, like every reader's use of
    /// it), then as kept. A failed fetch is not kept: the next reader tries again.
    pub async fn app_config(&self) -> Result<Arc<AppConfig>, CloudError> {
        if let Some(kept) = self.app_config.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(kept);
        }
        let config = Arc::new(self.best_effort(|cloud| cloud.app_config()).await?);
        *self.app_config.lock().unwrap_or_else(|e| e.into_inner()) = Some(config.clone());
        Ok(config)
    }

    /// Forgets the kept app-config: the next reader fetches it again (after an update the user
    /// was asked for, the check must see the cloud's answer of now).
    pub fn forget_app_config(&self) {
        *self.app_config.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// `call` once, for what has a fallback (the Google Home link without its agent id, help
    /// from the built-in data, a version check that blocks nothing).
    pub async fn best_effort<'a, T, F, Fut>(&'a self, call: F) -> Result<T, CloudError>
    where
        F: FnOnce(&'a Cloud) -> Fut,
        Fut: Future<Output = Result<T, CloudError>>,
    {
        call(&self.cloud).await
    }
}
