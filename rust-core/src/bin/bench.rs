//! The core's speed, as `scripts/bench.sh` prints it: the pure flow (`update`, `view`), one save
//! to SQLite, a whole façade tap (update, save, the screen to one listener) and a cold start from a saved state, with
//! 0, 500 and 5,000 devices on the AiSEG2. Prints one `row|what|median µs|p99 µs|target µs` line
//! per figure for the script's table.
//!
//! Run: `cargo run --release -p smarthems --bin bench [ROUNDS]` (`BENCH_ONLY=<part of a name>` for some figures). A binary of the package rather
//! than an example, so it needs no dev-dependencies (they would change the release features of
//! the dependencies).
//!
//! The timer: `Instant` around each call (its own cost, ~25 ns here, is far below every figure),
//! after warm-up rounds, many samples, median and 99th percentile.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smarthems::flow::{
    update, view, Action, Category, Device, Event, Language, Screen, ScreenView, Selection, SpeakerDraft, State,
};
use smarthems::runtime::store::Store;
use smarthems::{Config, MemorySecureStore, Platform, PlatformError, ScreenListener, SmartHems};

const WARM_UP: usize = 20;

struct Figure {
    what: String,
    median: Duration,
    p99: Duration,
    target: Option<Duration>,
}

/// Times `run`, unless the figure is not among those asked for (`BENCH_ONLY`: figures whose
/// name contains it, for looking at one figure while changing what it measures).
fn measure(what: String, rounds: usize, target: Option<Duration>, mut run: impl FnMut(usize)) -> Option<Figure> {
    if std::env::var("BENCH_ONLY").is_ok_and(|only| !what.contains(&only)) {
        return None;
    }
    for i in 0..WARM_UP {
        run(i);
    }
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|i| {
            let t = Instant::now();
            run(WARM_UP + i);
            t.elapsed()
        })
        .collect();
    samples.sort();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    Some(Figure { what, median: samples[samples.len() / 2], p99, target })
}

fn devices(n: usize) -> Vec<Device> {
    let categories =
        [Category::AirConditioner, Category::Light, Category::Shutter, Category::AirPurifier, Category::RangeHood];
    (0..n)
        .map(|i| Device {
            id: format!("d{i}"),
            name: format!("部屋{}の機器", i / 5),
            category: categories[i % categories.len()],
        })
        .collect()
}

/// A registration under way on `screen`, the AiSEG2 reporting `n` devices.
fn drafting(screen: Screen, n: usize) -> State {
    State {
        screen,
        speaker: Some(SpeakerDraft {
            nickname: "たろう".into(),
            selection: Selection { devices: devices(n).into(), ..Selection::default() },
            ..SpeakerDraft::default()
        }),
        ..State::default()
    }
}

fn toggle(n: usize, i: usize) -> Action {
    if i.is_multiple_of(10) {
        Action::ToggleCategory { category: Category::Light }
    } else {
        Action::ToggleDevice { id: format!("d{}", (i * 7) % n) }
    }
}

fn keystroke(i: usize) -> Action {
    Action::EditNickname { text: if i.is_multiple_of(2) { "たろう".into() } else { "たろ".into() } }
}

/// Taps that change the state: toggles on the device screen, or keystrokes in the nickname field.
/// A figure's name, the state it starts from, and the tap of each round (by device count, round).
type Scenario = (String, State, fn(usize, usize) -> Action);

fn scenarios() -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::new();
    for n in [500, 5000] {
        out.push((format!("toggle among {n} devices"), drafting(Screen::DeviceSelection, n), toggle));
    }
    for n in [0, 500, 5000] {
        out.push((format!("nickname keystroke, {n} devices"), drafting(Screen::Nickname, n), |_, i| keystroke(i)));
    }
    out
}

fn target_us(us: u64) -> Option<Duration> {
    Some(Duration::from_micros(us))
}

fn pure_flow(rounds: usize, figures: &mut Vec<Figure>) {
    for (name, start, action) in scenarios() {
        let n = start.speaker.as_ref().map_or(0, |d| d.selection.devices.len());
        let mut state = start.clone();
        let target = match n {
            500 if name.starts_with("toggle") => target_us(100),
            _ => None,
        };
        figures.extend(measure(format!("update: {name}"), rounds, target, |i| {
            let (next, _) = update(&state, Event::Tap(action(n, i)));
            state = black_box(next);
        }));
        figures.extend(measure(format!("view: {name}"), rounds, None, |_| {
            black_box(view(&state, Language::Japanese));
        }));
    }
}

/// One save after a transition (the two states share their device list, as a state and the
/// next do), and one whose list was just read from the AiSEG2 (a new list each round: the list's
/// row is written too).
fn saves(rounds: usize, dir: &Path, figures: &mut Vec<Figure>) {
    for n in [0, 500, 5000] {
        let store = Store::open(&dir.join(format!("save-{n}.db"))).expect("the bench database opens");
        let typing = drafting(Screen::Nickname, n);
        let states = [State { screen: Screen::DeviceSelection, ..typing.clone() }, typing];
        let target = if n == 0 { target_us(50) } else { None };
        let Some(figure) = measure(format!("save: {n} devices"), rounds, target, |i| {
            store.save(&states[i % 2]).expect("saved");
        }) else {
            continue;
        };
        figures.push(figure);
        let written = store.bytes_written();
        store.save(&states[0]).expect("saved");
        // On stderr: the table's rows are timings.
        eprintln!("bytes written per save after a transition, {n} devices: {}", store.bytes_written() - written);
    }
    for n in [500, 5000] {
        let store = Store::open(&dir.join(format!("save-new-{n}.db"))).expect("the bench database opens");
        let states: Vec<State> = (0..4).map(|_| drafting(Screen::DeviceSelection, n)).collect();
        figures.extend(measure(format!("save with a newly read list: {n} devices"), rounds, None, |i| {
            store.save(&states[i % states.len()]).expect("saved");
        }));
    }
}

struct Phone;
impl Platform for Phone {
    fn open_login_page(&self, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
    fn open_google_home(&self, _: String) -> Result<(), PlatformError> {
        Ok(())
    }
    fn open_store(&self) -> Result<(), PlatformError> {
        Ok(())
    }
    fn answer_google(&self, _: smarthems::flow::AppFlipAnswer) -> Result<(), PlatformError> {
        Ok(())
    }
}

/// A shell's listener: takes each screen, as the Kotlin and Swift shells do, and drops it.
struct Shell;
impl ScreenListener for Shell {
    fn on_screen(&self, view: ScreenView) {
        black_box(view);
    }
}

/// An app whose database holds `state`: what a relaunch onto that screen finds. Nothing is sent
/// over the network by the taps measured (the URLs lead nowhere).
fn app_on(state: &State, db: &Path) -> Arc<SmartHems> {
    Store::open(db).expect("the bench database opens").save(state).expect("saved");
    app_on_saved(db)
}

fn facade(rounds: usize, dir: &Path, figures: &mut Vec<Figure>) {
    let runtime = smarthems::runtime::event_loop::tokio_runtime();
    for (k, (name, start, action)) in scenarios().into_iter().enumerate() {
        let n = start.speaker.as_ref().map_or(0, |d| d.selection.devices.len());
        let app = app_on(&start, &dir.join(format!("tap-{k}.db")));
        // As a phone's shell: one listener, the screen's one way across.
        let _subscription = app.subscribe(Arc::new(Shell));
        let target = match n {
            500 if name.starts_with("toggle") => target_us(1_000),
            5000 if name.starts_with("toggle") => target_us(5_000),
            5000 => target_us(500),
            _ => None,
        };
        figures.extend(measure(format!("façade tap incl. save and listener: {name}"), rounds, target, |i| {
            runtime.block_on(app.tap(action(n, i)));
        }));
    }
}

/// A relaunch: the app object made on a saved state, up to its first screen.
fn cold_start(rounds: usize, dir: &Path, figures: &mut Vec<Figure>) {
    let db = dir.join("cold.db");
    let home = State {
        screen: Screen::Home {
            display_name: "太郎".into(),
            speaker_nickname: Some("たろう".into()),
            speaker_linked: Some(true),
        },
        ..State::default()
    };
    drop(app_on(&home, &db));
    let config_db = db.clone();
    figures.extend(measure(
        "cold start from a saved state, to the first screen".into(),
        rounds,
        target_us(3_000),
        |_| {
            let app = app_on_saved(&config_db);
            black_box(app.screen());
        },
    ));
}

fn app_on_saved(db: &Path) -> Arc<SmartHems> {
    let config = Config {
        issuer: "https://id.example.jp".into(),
        client_id: "app".into(),
        redirect_uri: "jp.co.panasonic.smarthems:/oauth2redirect".into(),
        cloud_base_url: "https://api.example.jp/v1".into(),
        database_path: db.to_string_lossy().into_owned(),
        language: Language::Japanese,
        app_version: "3.1.0".into(),
        app_id: "jp.co.panasonic.smarthems".into(),
        google_client_id: "google-home".into(),
        old_id_paths: vec![],
        offline_access_with_consent: true,
        post_logout_redirect_uri: None,
    };
    SmartHems::new(config, Arc::new(Phone), Arc::new(MemorySecureStore::default())).expect("the app starts")
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300);
    let dir = std::env::temp_dir().join(format!("smarthems-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut figures = Vec::new();
    pure_flow(rounds, &mut figures);
    saves(rounds, &dir, &mut figures);
    facade(rounds, &dir, &mut figures);
    cold_start(rounds.min(100), &dir, &mut figures);
    let _ = std::fs::remove_dir_all(&dir);
    let us = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e6);
    for f in figures {
        let target = f.target.map(us).unwrap_or_default();
        println!("row|{}|{}|{}|{}", f.what, us(f.median), us(f.p99), target);
    }
}
