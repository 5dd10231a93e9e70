//! The platform keychain behind the `SecureStore` seam (feature `keyring`, on by default): the
//! "protected data" Keychain on iOS and macOS, the kernel key retention service on Linux
//! (desktop and the headless harness). Android has no keyring the core can reach without JNI
//! set-up, so its shell implements `SecureStore` on the Android Keystore instead.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error};

use super::secure::{SecureStore, SecureStoreError};

/// Secrets in the platform keychain, one entry per key under this app's service name.
pub struct KeychainSecureStore {
    service: String,
    store: Arc<CredentialStore>,
}

fn unavailable(e: impl std::fmt::Display) -> SecureStoreError {
    SecureStoreError::Unavailable { reason: e.to_string() }
}

/// The platform keychain as the app's `SecureStore`, entries under `service` (the bundle id).
#[uniffi::export]
pub fn keychain_secure_store(service: String) -> Result<Arc<dyn SecureStore>, SecureStoreError> {
    Ok(KeychainSecureStore::new(service)?)
}

impl KeychainSecureStore {
    /// The keychain of this platform, with entries under `service`.
    pub fn new(service: String) -> Result<Arc<KeychainSecureStore>, SecureStoreError> {
        #[cfg(any(target_os = "ios", target_os = "macos"))]
        let store: Arc<CredentialStore> = apple_native_keyring_store::protected::Store::new().map_err(unavailable)?;
        #[cfg(target_os = "linux")]
        let store: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(not(any(target_os = "ios", target_os = "macos", target_os = "linux")))]
        return Err(unavailable("no keychain on this platform; implement SecureStore in the shell"));
        #[cfg(any(target_os = "ios", target_os = "macos", target_os = "linux"))]
        Ok(Arc::new(KeychainSecureStore::with_store(service, store)))
    }

    /// Over any keyring-core store (tests use its mock).
    pub fn with_store(service: String, store: Arc<CredentialStore>) -> KeychainSecureStore {
        KeychainSecureStore { service, store }
    }

    fn entry(&self, key: &str) -> Result<Entry, SecureStoreError> {
        self.store.build(&self.service, key, None).map_err(unavailable)
    }
}

impl SecureStore for KeychainSecureStore {
    fn load(&self, key: String) -> Result<Option<String>, SecureStoreError> {
        match self.entry(&key)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }
    fn save(&self, key: String, value: String) -> Result<(), SecureStoreError> {
        self.entry(&key)?.set_password(&value).map_err(unavailable)
    }
    fn delete(&self, key: String) -> Result<(), SecureStoreError> {
        match self.entry(&key)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(store: &dyn SecureStore) {
        let key = || "login.tokens".to_owned();
        assert_eq!(store.load(key()).unwrap(), None);
        store.save(key(), "secret-1".into()).unwrap();
        store.save(key(), "secret-2".into()).unwrap();
        assert_eq!(store.load(key()).unwrap().as_deref(), Some("secret-2"));
        store.delete(key()).unwrap();
        store.delete(key()).unwrap(); // deleting twice is fine
        assert_eq!(store.load(key()).unwrap(), None);
    }

    #[test]
    fn keeps_replaces_and_deletes_secrets() {
        round_trip(&KeychainSecureStore::with_store(
            "smarthems-test".into(),
            keyring_core::mock::Store::new().unwrap(),
        ));
    }

    /// The real kernel keyring; needs a session keyring, so `scripts/test.sh` runs it under
    /// `keyctl session -` (containers have none by default).
    #[test]
    #[ignore = "needs a session keyring: run under `keyctl session -` (scripts/test.sh does)"]
    #[cfg(target_os = "linux")]
    fn the_linux_keyring_round_trip() {
        round_trip(&*KeychainSecureStore::new(format!("smarthems-test-{}", std::process::id())).unwrap());
    }
}
