//! The app's SQLite file: the flow state, saved on every transition, so the app can be killed at
//! any screen and come back to the same one, and this installation's speaker-user id. No secret
//! is ever written here.
//!
//! Two versions are kept apart: the schema (tables, migrated by `rusqlite_migration`) and the
//! format of the saved state (the `format` column), so a newer app can read what an older one
//! saved. The saved state's types, its formats and their upgrades live in `persisted`.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use super::persisted;
use crate::flow::State;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE app_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                format INTEGER NOT NULL,
                body TEXT NOT NULL
            );",
        ),
        // The phone's name for its speaker registration under an account: a household sharing
        // one CLUB Panasonic ID registers one speaker user per phone. Not a secret; it outlives
        // logout (it names the phone, not the person) and goes with an uninstall.
        M::up(
            "CREATE TABLE installation (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                speaker_user TEXT NOT NULL
            );",
        ),
    ])
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
}

/// The database, opened once per app object.
pub struct Store {
    conn: Mutex<Connection>,
}

/// How long a database another process holds locked is waited for, at opening and at each save,
/// before the app goes on without it (a tap must never hang on the disk).
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// What opening the app's database came to.
pub struct Opened {
    pub store: Store,
    /// The saved state, if one was read.
    pub state: Option<State>,
    /// This installation's speaker-user id.
    pub speaker_user: String,
    /// The file could not be used and the app starts over (the notice says so).
    pub started_over: bool,
}

impl Store {
    /// Opens the database and reads what it holds. A file the app cannot use — damaged, from a
    /// newer schema (a downgrade), missing a table, a folder in its place, held locked past
    /// `BUSY_WAIT` — does not stop the app for good: it is set aside as `<file>.unreadable` (the
    /// last one only, for support; the next one replaces it) and the app starts over with a
    /// fresh file. Where no file can be made at all (an unwritable folder), the app runs on an
    /// in-memory database and says so each launch. Secrets are not here, so the login the secure
    /// store holds is untouched.
    pub fn open_or_start_over(path: &Path) -> Opened {
        match Self::open_and_read(path) {
            Ok((store, state, speaker_user)) => Opened { store, state, speaker_user, started_over: false },
            Err(error) => {
                tracing::error!(%error, "the app's database cannot be used; starting over");
                set_aside(path);
                let (store, _, speaker_user) = Self::open_and_read(path)
                    .or_else(|error| {
                        tracing::error!(%error, "no database file can be made; running in memory");
                        Self::open_and_read(Path::new(":memory:"))
                    })
                    .expect("an in-memory database opens");
                Opened { store, state: None, speaker_user, started_over: true }
            }
        }
    }

    fn open_and_read(path: &Path) -> Result<(Store, Option<State>, String), StoreError> {
        let store = Store::open(path)?;
        let state = store.load()?;
        let speaker_user = store.speaker_user()?;
        Ok((store, state, speaker_user))
    }

    /// Opens (or creates) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_WAIT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with synchronous=NORMAL: a save is a write to the WAL, synced only at checkpoints,
        // not one fsync per tap (313 µs → tens of µs). The database cannot be damaged this way;
        // a power cut (not an app kill or crash: those lose nothing) may lose the last saves
        // before it, so the app comes back a few screens earlier. That is acceptable for screen
        // state: it holds no secret and nothing the cloud does not also keep — a login lives in
        // the secure store, a registration or consent in the cloud, and an earlier screen leads
        // to them again.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrations().to_latest(&mut conn)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    /// The state saved last, upgraded from the format it was saved in, or `None` on a fresh
    /// install. A state this version cannot read (written by a newer app, or damaged) is dropped
    /// rather than crashing the app; one it reads only in part keeps the account and the speaker
    /// registration (`persisted::read`).
    pub fn load(&self) -> Result<Option<State>, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let row: Option<(i64, String)> = conn
            .query_row("SELECT format, body FROM app_state WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(format, body)| persisted::decode(format, &body)))
    }

    /// This installation's speaker-user id, made on first use: 16 random bytes, URL-safe (the
    /// generator the login's `state` uses).
    pub fn speaker_user(&self) -> Result<String, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let kept: Option<String> =
            conn.query_row("SELECT speaker_user FROM installation WHERE id = 1", [], |r| r.get(0)).optional()?;
        if let Some(id) = kept {
            return Ok(id);
        }
        let id = openidconnect::CsrfToken::new_random().secret().clone();
        conn.execute("INSERT INTO installation (id, speaker_user) VALUES (1, ?1)", [&id])?;
        Ok(id)
    }

    /// Saves the state in the current format (`persisted::CURRENT_FORMAT`), replacing the one
    /// saved before, whatever its format.
    pub fn save(&self, state: &State) -> Result<(), StoreError> {
        let (format, body) = persisted::encode(state);
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        // Prepared once per connection and kept (rusqlite's statement cache).
        conn.prepare_cached(
            "INSERT INTO app_state (id, format, body) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET format = excluded.format, body = excluded.body",
        )?
        .execute((format, body))?;
        Ok(())
    }
}

#[cfg(test)]
impl Store {
    /// Saving fails from now on, as on a full disk or a file made read-only.
    pub fn refuse_writes(&self) {
        self.conn.lock().unwrap().pragma_update(None, "query_only", true).unwrap();
    }
}

/// Moves an unusable database (and its WAL files) out of the way, replacing the one set aside
/// before; a folder in its place is moved the same way.
fn set_aside(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let from = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let to = std::path::PathBuf::from(format!("{}.unreadable{suffix}", path.display()));
        if std::fs::symlink_metadata(&from).is_err() {
            continue;
        }
        let _ = std::fs::remove_dir_all(&to).or_else(|_| std::fs::remove_file(&to));
        if let Err(error) = std::fs::rename(&from, &to) {
            tracing::error!(%error, "could not set the unusable database aside");
            let _ = std::fs::remove_file(&from);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Account, Screen};

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn state_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let state = State {
            screen: Screen::SpeakerPrompt,
            account: Some(Account { subject: "s".into(), display_name: "太郎".into() }),
            ..State::default()
        };
        Store::open(&path).unwrap().save(&state).unwrap();
        assert_eq!(Store::open(&path).unwrap().load().unwrap(), Some(state));
    }

    fn put_row(store: &Store, format: i64, body: &str) {
        store
            .conn
            .lock()
            .unwrap()
            .execute("INSERT OR REPLACE INTO app_state (id, format, body) VALUES (1, ?1, ?2)", (format, body))
            .unwrap();
    }

    fn saved_format(store: &Store) -> i64 {
        store.conn.lock().unwrap().query_row("SELECT format FROM app_state WHERE id = 1", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn unreadable_or_future_state_starts_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let store = Store::open(&path).unwrap();
        let current = persisted::CURRENT_FORMAT;
        for (format, body) in [(current, "{not json"), (1, "{not json"), (current + 1, "{}"), (0, "{}")] {
            put_row(&store, format, body);
            assert_eq!(store.load().unwrap(), None, "format {format}");
        }
    }

    #[test]
    fn a_format_1_state_is_read_and_saved_again_in_the_current_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let store = Store::open(&path).unwrap();
        put_row(&store, 1, include_str!("fixtures/state/v1-home-registered.json"));
        let state = store.load().unwrap().expect("format 1 is read");
        assert_eq!(state.speaker_nickname.as_deref(), Some("たろう"));
        assert!(matches!(state.screen, Screen::Home { .. }));
        store.save(&state).unwrap();
        assert_eq!(saved_format(&store), persisted::CURRENT_FORMAT);
        assert_eq!(Store::open(&path).unwrap().load().unwrap(), Some(state));
    }

    #[test]
    fn a_database_from_before_the_schema_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE unrelated (x);").unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.load().unwrap(), None);
        let version: i64 = store.conn.lock().unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, 2);
    }

    #[test]
    fn the_speaker_user_is_made_once_per_installation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let first = Store::open(&path).unwrap().speaker_user().unwrap();
        assert!(
            first.len() >= 22 && first.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{first}"
        );
        assert_eq!(Store::open(&path).unwrap().speaker_user().unwrap(), first, "kept across restarts");
        let other = Store::open(&dir.path().join("other.db")).unwrap().speaker_user().unwrap();
        assert_ne!(other, first, "another phone is another speaker user");
    }

    /// Every way a database file can be unusable starts the app over instead of stopping it on
    /// every launch; the file is kept aside for support, and a second start over replaces it.
    #[test]
    fn an_unusable_database_is_set_aside_and_the_app_starts_over() {
        fn truncated(p: &Path) {
            let bytes = std::fs::read(p).unwrap();
            std::fs::write(p, &bytes[..bytes.len() / 3]).unwrap();
        }
        fn random_bytes(p: &Path) {
            std::fs::write(p, (0..8192u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<_>>())
                .unwrap();
        }
        fn newer_schema(p: &Path) {
            Connection::open(p).unwrap().pragma_update(None, "user_version", 99).unwrap();
        }
        fn dropped_table(p: &Path) {
            Connection::open(p).unwrap().execute_batch("DROP TABLE installation;").unwrap();
        }
        fn folder_in_place(p: &Path) {
            std::fs::remove_file(p).unwrap();
            std::fs::create_dir(p).unwrap();
        }
        type Damage = fn(&Path);
        let damages: [(&str, Damage); 5] = [
            ("truncated", truncated),
            ("random bytes", random_bytes),
            ("a newer schema", newer_schema),
            ("a dropped table", dropped_table),
            ("a folder in its place", folder_in_place),
        ];
        for (what, damage) in damages {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.db");
            {
                let store = Store::open(&path).unwrap();
                store.save(&State { screen: crate::flow::Screen::SpeakerPrompt, ..State::default() }).unwrap();
                store.conn.lock().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
            }
            damage(&path);
            let opened = Store::open_or_start_over(&path);
            assert!(opened.started_over, "{what}");
            assert_eq!(opened.state, None, "{what}");
            assert!(path.with_extension("db.unreadable").exists(), "{what}: kept for support");
            // The fresh file works, and is read back on the next launch.
            opened.store.save(&State::default()).unwrap();
            drop(opened);
            let again = Store::open_or_start_over(&path);
            assert!(!again.started_over, "{what}: the new file is used from then on");
        }
    }

    /// A database held locked by another process is waited for a bounded time, then treated as
    /// unusable: the app starts instead of hanging.
    #[test]
    fn a_database_held_locked_is_waited_for_then_the_app_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        Store::open(&path).unwrap();
        let holder = Connection::open(&path).unwrap();
        holder.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;").unwrap();
        let opened = Store::open_or_start_over(&path);
        assert!(opened.started_over);
        opened.store.save(&State::default()).unwrap();
    }
}
