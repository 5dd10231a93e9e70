//! A secure-store double that survives the process, as the phone's keychain does: one file per
//! key in a folder, written to a temporary file, flushed to disk and renamed over the old one, so
//! a process killed mid-write leaves the old value or the new one, never a torn one. The kill
//! tests run the app in child processes that share it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use smarthems::{SecureStore, SecureStoreError};

/// Secrets as files under one folder (test data only: nothing here is encrypted).
pub struct FileSecureStore {
    dir: PathBuf,
}

impl FileSecureStore {
    /// The store kept in `dir` (made if missing).
    pub fn new(dir: &Path) -> std::io::Result<FileSecureStore> {
        std::fs::create_dir_all(dir)?;
        Ok(FileSecureStore { dir: dir.to_owned() })
    }

    /// A key as a file name: hex, so any key is one plain name.
    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(key.bytes().map(|b| format!("{b:02x}")).collect::<String>())
    }
}

fn unavailable(error: std::io::Error) -> SecureStoreError {
    SecureStoreError::Unavailable { reason: error.kind().to_string() }
}

impl SecureStore for FileSecureStore {
    fn load(&self, key: String) -> Result<Option<String>, SecureStoreError> {
        match std::fs::read_to_string(self.path(&key)) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn save(&self, key: String, value: String) -> Result<(), SecureStoreError> {
        let path = self.path(&key);
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = std::fs::File::create(&temporary).map_err(unavailable)?;
        file.write_all(value.as_bytes()).and_then(|()| file.sync_all()).map_err(unavailable)?;
        std::fs::rename(&temporary, &path).map_err(unavailable)
    }

    fn delete(&self, key: String) -> Result<(), SecureStoreError> {
        match std::fs::remove_file(self.path(&key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(unavailable(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_replaces_and_deletes_across_store_objects() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecureStore::new(dir.path()).unwrap();
        store.save("login.tokens".into(), "一".into()).unwrap();
        store.save("login.tokens".into(), "二".into()).unwrap();
        let again = FileSecureStore::new(dir.path()).unwrap();
        assert_eq!(again.load("login.tokens".into()).unwrap().as_deref(), Some("二"));
        again.delete("login.tokens".into()).unwrap();
        again.delete("login.tokens".into()).unwrap();
        assert_eq!(store.load("login.tokens".into()).unwrap(), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary file left");
    }
}
