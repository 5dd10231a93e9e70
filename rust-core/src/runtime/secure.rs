//! The one seam secrets pass through: tokens and in-flight PKCE material live here and nowhere
//! else (never in SQLite, never in a log line).
//!
//! On the phone the shell implements `SecureStore` (Android Keystore, iOS Keychain); tests and the
//! headless harness use `MemorySecureStore`, which behaves like a keychain that outlives the app
//! object (it is shared, so a "restarted" app sees what the previous one stored).

use std::collections::HashMap;
use std::sync::Mutex;

/// Why the platform's secret storage failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SecureStoreError {
    #[error("secure storage is unavailable: {reason}")]
    Unavailable { reason: String },
    /// What was stored can no longer be read: the key that sealed it is gone (Android Keystore
    /// after a lock-screen change or a restore to another phone). The user logs in again.
    #[error("the stored secret can no longer be read: {reason}")]
    Lost { reason: String },
}

/// A shell's store that throws something other than `SecureStoreError` (an unchecked Kotlin
/// exception, a Keystore error nobody wrapped) is still the store failing: without this, UniFFI
/// panics inside the core's effect and the app stays on its busy screen for good.
impl From<uniffi::UnexpectedUniFFICallbackError> for SecureStoreError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SecureStoreError::Unavailable { reason: error.reason }
    }
}

/// Secret storage: the platform keychain (`keychain_secure_store`), or one the shell implements.
///
/// Unlike the platform's callbacks, these are called in the middle of an effect (a token is read
/// to make a request), while the core's turn is taken: an implementation answers from storage and
/// never calls back into the core.
#[uniffi::export(rust, foreign)]
pub trait SecureStore: Send + Sync {
    /// The value under `key`, if any.
    fn load(&self, key: String) -> Result<Option<String>, SecureStoreError>;
    /// Stores `value` under `key`, replacing what was there.
    fn save(&self, key: String, value: String) -> Result<(), SecureStoreError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: String) -> Result<(), SecureStoreError>;
}

/// An in-memory secure store for tests and the headless harness.
#[derive(Default)]
pub struct MemorySecureStore {
    items: Mutex<HashMap<String, String>>,
}

impl MemorySecureStore {
    /// Every stored value (tests check what was kept and wiped).
    pub fn values(&self) -> Vec<String> {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }
}

impl SecureStore for MemorySecureStore {
    fn load(&self, key: String) -> Result<Option<String>, SecureStoreError> {
        Ok(self.items.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned())
    }
    fn save(&self, key: String, value: String) -> Result<(), SecureStoreError> {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).insert(key, value);
        Ok(())
    }
    fn delete(&self, key: String) -> Result<(), SecureStoreError> {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        Ok(())
    }
}
