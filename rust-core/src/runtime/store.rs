//! The app's SQLite file: the flow state, saved on every transition, so the app can be killed at
//! any screen and come back to the same one, and this installation's speaker-user id. No secret
//! is ever written here.
//!
//! The state is two kinds of row: the small `app_state` row (screen, nickname, selection…),
//! written on every transition, and a `device_list` row per device list it holds (up to 5,000
//! devices from the AiSEG2), written only when the list is a new one — told by pointer
//! (`Devices::same_list`), never by comparing lists — and deleted once no state names it. Both
//! are written in one transaction, so a crash never pairs a selection with another list.
//!
//! Two versions are kept apart: the schema (tables, migrated by `rusqlite_migration`) and the
//! format of the saved state (the `format` column), so a newer app can read what an older one
//! saved. The saved state's types, its formats and their upgrades live in `persisted`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use super::persisted::{self, ListId, Lists};
use crate::flow::devices::Devices;
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
        // Device lists apart from the state (format 3, `persisted`): written when read from the
        // AiSEG2, not on every tap.
        M::up(
            "CREATE TABLE device_list (
                id INTEGER PRIMARY KEY,
                body TEXT NOT NULL
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
    /// The device lists the file holds, by row: the very lists (not copies) last read or
    /// written, so a save knows by pointer which lists of the state are written already.
    /// Locked after `conn`.
    lists: Mutex<Vec<(ListId, Devices)>>,
    /// Bytes of row bodies written since opening (state and lists): what a tap costs the disk.
    written: AtomicU64,
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
        Ok(Store { conn: Mutex::new(conn), lists: Mutex::default(), written: AtomicU64::new(0) })
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
        // At most a draft's list and a registration's: read whole. A list that does not read is
        // left out (the state naming it is then read in part) and deleted by the next save.
        let mut lists = Lists::new();
        let mut rows = conn.prepare("SELECT id, body FROM device_list")?;
        for row in rows.query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))? {
            let (id, body) = row?;
            if let Some(list) = persisted::read_list(&body) {
                lists.insert(ListId(id), list);
            }
        }
        let state = row.and_then(|(format, body)| persisted::decode(format, &body, &lists));
        // The loaded state holds these very lists: saving it again writes none of them.
        *self.lists.lock().unwrap_or_else(|e| e.into_inner()) = lists.into_iter().collect();
        Ok(state)
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
    /// saved before, whatever its format: the small row always, a device list only when the
    /// file does not hold that very list yet, in one transaction. A keystroke or a toggle thus
    /// writes the same few hundred bytes whether the AiSEG2 has 0 or 5,000 devices.
    pub fn save(&self, state: &State) -> Result<(), StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let mut saved = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        // The lists the state names, each given the row that holds it or a new one.
        let mut named: Vec<(ListId, Devices)> = Vec::new();
        let mut new: Vec<usize> = Vec::new();
        let (format, body) = persisted::encode(state, |list| {
            if let Some((id, _)) = named.iter().chain(saved.iter()).find(|(_, each)| each.same_list(list)) {
                let id = *id;
                if !named.iter().any(|(each, _)| *each == id) {
                    named.push((id, list.clone()));
                }
                return id;
            }
            let id = ListId(named.iter().chain(saved.iter()).map(|(id, _)| id.0).max().unwrap_or(0) + 1);
            new.push(named.len());
            named.push((id, list.clone()));
            id
        });
        let mut written = body.len();
        let tx = conn.transaction()?;
        for &i in &new {
            let (id, list) = &named[i];
            let list = persisted::list_body(list);
            written += list.len();
            // REPLACE: a row left from a list that did not read may hold the id; nothing names it.
            tx.prepare_cached("INSERT OR REPLACE INTO device_list (id, body) VALUES (?1, ?2)")?
                .execute((id.0, list))?;
        }
        // Prepared once per connection and kept (rusqlite's statement cache).
        tx.prepare_cached(
            "INSERT INTO app_state (id, format, body) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET format = excluded.format, body = excluded.body",
        )?
        .execute((format, body))?;
        if !new.is_empty() || saved.len() != named.len() {
            // Lists no state names any more (the list read before this one, a registration replaced).
            let keep: Vec<String> = named.iter().map(|(id, _)| id.0.to_string()).collect();
            tx.execute(&format!("DELETE FROM device_list WHERE id NOT IN ({})", keep.join(",")), [])?;
        }
        tx.commit()?;
        *saved = named;
        self.written.fetch_add(written as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Bytes of row bodies (state and device lists) written since the store was opened.
    pub fn bytes_written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
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
    use crate::flow::{Account, Action, Category, Device, Screen, Selection, SpeakerDraft};

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
        assert_eq!(version, 3);
    }

    // ── The device list in its own row ──

    fn devices(n: usize) -> Devices {
        (0..n)
            .map(|i| Device {
                id: format!("d{i}"), name: format!("部屋{}の照明", i / 5), category: Category::Light
            })
            .collect()
    }

    fn typing(n: usize) -> State {
        let draft = SpeakerDraft {
            nickname: "たろ".into(),
            selection: Selection { devices: devices(n), ..Selection::default() },
            ..SpeakerDraft::default()
        };
        State { screen: Screen::Nickname, speaker: Some(draft), ..State::default() }
    }

    fn keystroke(state: &State, text: &str) -> State {
        crate::flow::update(state, crate::flow::Event::Tap(Action::EditNickname { text: text.into() })).0
    }

    fn wal_bytes(path: &Path) -> u64 {
        std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0)
    }

    fn list_rows(store: &Store) -> i64 {
        store.conn.lock().unwrap().query_row("SELECT count(*) FROM device_list", [], |r| r.get(0)).unwrap()
    }

    /// A keystroke costs the disk the same with 0 or 5,000 devices: the list was written when it
    /// was read, and the keystroke writes the small row only (the old format wrote ~300 KB).
    #[test]
    fn a_keystroke_writes_the_same_whatever_the_number_of_devices() {
        let mut per_keystroke = Vec::new();
        for n in [0, 5000] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.db");
            let store = Store::open(&path).unwrap();
            let mut state = typing(n);
            store.save(&state).unwrap();
            let (bytes, wal) = (store.bytes_written(), wal_bytes(&path));
            for text in ["たろう", "たろうx", "たろう"] {
                state = keystroke(&state, text);
                store.save(&state).unwrap();
            }
            let written = (store.bytes_written() - bytes) / 3;
            assert!(written < 1000, "{n} devices: {written} B per keystroke");
            // What SQLite itself wrote: a few pages of the write-ahead log, not the list's 70 pages.
            let logged = (wal_bytes(&path) - wal) / 3;
            assert!(logged <= 3 * 4096 + 100, "{n} devices: {logged} B of WAL per keystroke");
            per_keystroke.push(written);
            assert_eq!(Store::open(&path).unwrap().load().unwrap(), Some(state));
        }
        assert_eq!(per_keystroke[0], per_keystroke[1], "bytes per keystroke, 0 vs 5,000 devices");
    }

    /// Saved, reopened, read back: the same state, its draft and registration sharing one list
    /// in one row; after the relaunch a keystroke writes no list either.
    #[test]
    fn a_state_with_its_lists_apart_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let mut state = typing(5000);
        state.registered = state.speaker.clone();
        Store::open(&path).unwrap().save(&state).unwrap();
        let store = Store::open(&path).unwrap();
        let loaded = store.load().unwrap().expect("the state");
        assert_eq!(loaded, state);
        assert_eq!(list_rows(&store), 1, "the draft and the registration share one row");
        let list = |d: &Option<SpeakerDraft>| d.as_ref().unwrap().selection.devices.clone();
        assert!(list(&loaded.speaker).same_list(&list(&loaded.registered)));
        store.save(&keystroke(&loaded, "たろう")).unwrap();
        assert!(store.bytes_written() < 1000, "{} B", store.bytes_written());
        // A list read again replaces the old row.
        let mut refreshed = keystroke(&loaded, "たろう");
        refreshed.speaker.as_mut().unwrap().selection.devices = devices(3);
        refreshed.registered = None;
        store.save(&refreshed).unwrap();
        assert_eq!(list_rows(&store), 1, "the old list's row is gone");
        assert_eq!(Store::open(&path).unwrap().load().unwrap(), Some(refreshed));
    }

    /// A state saved by the build before (format 2, devices inline) comes back to the very
    /// screen it showed, and is saved again in the current format, its list in its own row.
    #[test]
    fn a_format_2_state_with_devices_inline_comes_back_to_the_same_screen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let store = Store::open(&path).unwrap();
        put_row(&store, 2, include_str!("fixtures/state/v2-device-selection.json"));
        let state = store.load().unwrap().expect("format 2 is read");
        assert_eq!(state.screen, Screen::DeviceSelection);
        assert_eq!(state.speaker.as_ref().map(|d| d.selection.devices.len()), Some(3));
        let shown = crate::flow::view(&state, crate::flow::Language::Japanese);
        store.save(&state).unwrap();
        assert_eq!((saved_format(&store), list_rows(&store)), (persisted::CURRENT_FORMAT, 1));
        let again = Store::open(&path).unwrap().load().unwrap().expect("the state");
        assert_eq!(again, state);
        assert_eq!(crate::flow::view(&again, crate::flow::Language::Japanese), shown);
    }

    /// The list and the small row are one transaction: when the second write fails (a crash,
    /// the disk gone between them), neither is kept, and the file holds the state before both.
    #[test]
    fn a_failed_save_never_pairs_a_new_selection_with_an_old_list_or_the_reverse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let store = Store::open(&path).unwrap();
        let before = typing(50);
        store.save(&before).unwrap();
        let mut after = State { screen: Screen::DeviceSelection, ..before.clone() };
        let draft = after.speaker.as_mut().unwrap();
        draft.selection = draft.selection.refreshed(devices(40).to_vec());
        draft.selection.toggle("d7");
        store
            .conn
            .lock()
            .unwrap()
            .execute_batch(
                "CREATE TEMP TRIGGER gone BEFORE UPDATE ON app_state BEGIN SELECT RAISE(ABORT, 'disk gone'); END;",
            )
            .unwrap();
        assert!(store.save(&after).is_err());
        assert_eq!(Store::open(&path).unwrap().load().unwrap(), Some(before), "the state before, whole");
        // The store did not take the failed list for written: the next save writes it.
        store.conn.lock().unwrap().execute_batch("DROP TRIGGER gone;").unwrap();
        store.save(&after).unwrap();
        assert_eq!(Store::open(&path).unwrap().load().unwrap(), Some(after));
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
