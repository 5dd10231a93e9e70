//! Issue 11's kill probe as a permanent test. The app runs in a child process — this test binary
//! started again with `SMARTHEMS_KILL_CHILD` set — with a real SQLite file and a keychain double
//! that outlives the process (`file_store`), walking the flows at random (taps, typed nicknames,
//! logins in the browser, the AiSEG2's 2D-code link) against the simulated cloud served by this
//! process. It is killed with SIGKILL at a random moment and started again on the same files,
//! over and over; the seed is printed, and `SMARTHEMS_KILL_SEED` replays a run.
//!
//! What a relaunch must show (`SmartHems::new`, before anything runs): the child reports every
//! screen its listener receives and marks each call's start and end, flushed line by line. A
//! transition is saved to SQLite *before* its screen reaches the listener, so:
//! - killed between calls, the relaunch shows exactly the last screen reported;
//! - killed inside a call, it shows the last screen reported, or one that call had already saved
//!   but not yet reported (the screen it was moving to). That screen cannot be named before it is
//!   reported, so it must be one the run saw follow the last reported screen (at most two steps
//!   on: the busy screen and its result), in any process of the run — not an older screen, not
//!   the start over.
//!
//! Screens are compared whole (title, text, buttons with their checks, the typed field), so a
//! typed nickname and the chosen devices must survive too. `SMARTHEMS_KILLS` sets the number of
//! kills (200: about 40 s on 2 cores).

use std::collections::BTreeSet;
use std::io::{BufRead as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use smarthems::runtime::retry::RetryPolicy;
use smarthems::{Action, ScreenListener, ScreenView, SmartHems, Tuning};
use smarthems_harness::browser::{Browser, Visit};
use smarthems_harness::file_store::FileSecureStore;
use smarthems_harness::world::{app_config, Phone};
use smarthems_simcloud::SimCloud;

const CHILD: &str = "SMARTHEMS_KILL_CHILD";
const TEST: &str = "sigkill_at_random_moments_resumes_the_screen_saved";
const EMAIL: &str = "taro@example.jp";

/// One line to the parent, flushed at once. It ends with `@@`: a process killed while writing
/// a long line leaves part of it, which the parent must not take for the whole.
fn say(tag: &str, text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("@@{tag} {text}@@\n").as_bytes());
    let _ = out.flush();
}

/// A screen as one line (its debug form: strings escaped, nothing left out).
fn key(view: &ScreenView) -> String {
    format!("{view:?}")
}

struct Reporter;
impl ScreenListener for Reporter {
    fn on_screen(&self, view: ScreenView) {
        say("SCREEN", &key(&view));
    }
}

/// Makes one call of the app and answers with the screen it led to.
async fn call(app: &SmartHems, what: &str, made: impl std::future::Future<Output = ()>) -> ScreenView {
    say("CALL", what);
    made.await;
    say("DONE", what);
    app.screen()
}

/// The user in the system browser: logs in on the provider's page (or is let through by its
/// session) and is sent back to the app.
async fn browse(browser: &Browser, url: &str) -> Option<String> {
    let visit = match browser.open(url).await.ok()? {
        page @ Visit::LoginPage { .. } => browser.log_in(&page, EMAIL, "Passw0rd!").await.ok()?,
        other => other,
    };
    match visit {
        Visit::Redirect(back) => Some(back),
        _ => None,
    }
}

/// The app's process: open the files, report the screen restored, then walk at random until killed.
fn child() {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let config = app_config(
            &env("KILL_ISSUER"),
            SimCloud::CLIENT_ID,
            SimCloud::REDIRECT_URI,
            &env("KILL_API"),
            Path::new(&env("KILL_DB")),
        );
        let phone = Arc::new(Phone::default());
        let secure = Arc::new(FileSecureStore::new(Path::new(&env("KILL_KEYCHAIN"))).unwrap());
        let tuning = Tuning { retry: RetryPolicy { pauses: vec![Duration::from_millis(20)] }, ..Tuning::default() };
        let app = SmartHems::with_tuning(config, phone.clone(), secure, tuning).expect("the app opens its files");
        say("RESTORED", &key(&app.screen()));
        let _subscription = app.subscribe(Arc::new(Reporter));
        let mut next = smarthems_harness::seeded(env("KILL_WALK_SEED").parse().unwrap());
        let (browser, panel_link) = (Browser::new(SimCloud::REDIRECT_URI), env("KILL_PANEL_LINK"));
        let mut view = call(&app, "start", app.start()).await;
        let mut pages_seen = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(next() % 12)).await;
            let opened = phone.opened.lock().unwrap().clone();
            if opened.len() > pages_seen {
                pages_seen = opened.len();
                // Now and then the user never comes back from the browser.
                if !next().is_multiple_of(6) {
                    if let Some(back) = browse(&browser, opened.last().unwrap()).await {
                        view = call(&app, "open_url", app.open_url(back)).await;
                        continue;
                    }
                }
            }
            if next().is_multiple_of(50) {
                view = call(&app, "open_url", app.open_url(panel_link.clone())).await;
                continue;
            }
            if view.input.is_some() && next().is_multiple_of(2) {
                let text = ["たろう", "はなこ", "リビング", "ﾀﾛｳ", ""][next() as usize % 5].to_owned();
                view = call(&app, "tap", app.tap(Action::EditNickname { text })).await;
                continue;
            }
            let enabled: Vec<_> = view.buttons.iter().filter(|b| b.enabled).collect();
            let primary: Vec<_> = enabled.iter().filter(|b| b.primary).collect();
            let chosen = match (next() % 3, primary.is_empty(), enabled.is_empty()) {
                (_, _, true) => None,
                (0 | 1, false, _) => Some(primary[next() as usize % primary.len()].action.clone()),
                _ => Some(enabled[next() as usize % enabled.len()].action.clone()),
            };
            view = match chosen {
                Some(action) => call(&app, "tap", app.tap(action)).await,
                None => call(&app, "foreground", app.app_foregrounded()).await,
            };
        }
    });
}

/// What one killed process had reported.
struct Reported {
    /// The last screen it reported.
    last: String,
    /// Killed inside a call (a screen may have been saved and not yet reported).
    in_flight: bool,
}

/// A screen's line, hashed (the run keeps every step it saw).
fn hashed(text: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Every step from one screen to the next that any process of the run reported.
#[derive(Default)]
struct Steps(std::collections::HashMap<u64, BTreeSet<u64>>);

impl Steps {
    /// Whether `to` was reported coming after `from`, at most two steps on (a kill can fall after
    /// a call saved two screens it had not reported: the busy screen and its result).
    fn leads(&self, from: u64, to: u64) -> bool {
        let next = |at: u64| self.0.get(&at).into_iter().flatten().copied();
        next(from).any(|one| one == to || next(one).any(|two| two == to))
    }
}
/// A child process that is killed however the test ends.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn figure(line: String) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// A screen's kind from its line: the variant's name, and a busy screen's activity (help's
/// opening hours and the like are not part of it).
fn kind(line: &str) -> String {
    let name = |from: &str| from.chars().take_while(char::is_ascii_alphanumeric).collect::<String>();
    let variant = name(line.split_once("screen: ").map_or("", |(_, rest)| rest));
    match line.split_once("activity: ") {
        Some((_, activity)) if variant == "Busy" => format!("Busy({})", name(activity)),
        _ => variant,
    }
}

#[derive(Default)]
struct Tally {
    resumed_last: u32,
    resumed_next: u32,
    in_flight: u32,
    typed_kept: u32,
    chosen_kept: u32,
    kinds: BTreeSet<String>,
    /// Relaunches onto a screen other than the last reported, inside a call: (kill, last
    /// reported, restored), checked against the run's steps at the end.
    moved: Vec<(u32, String, String)>,
}

impl Tally {
    /// Checks the screen a relaunch restored against what the killed process reported.
    fn check(&mut self, kill: u32, restored: &str, before: &Reported) -> Result<(), String> {
        self.in_flight += u32::from(before.in_flight);
        self.kinds.insert(kind(&before.last));
        if restored == before.last {
            self.resumed_last += 1;
            let typed = before.last.contains("input: Some(TextInput {") && !before.last.contains("value: \"\"");
            self.typed_kept += u32::from(typed);
            self.chosen_kept += u32::from(before.last.contains("checked: Some(true)"));
            return Ok(());
        }
        if !before.in_flight {
            return Err(format!(
                "killed between calls, yet not on the last screen reported\n  last reported: {}\n  restored:      \
                 {restored}",
                before.last
            ));
        }
        self.resumed_next += 1;
        self.moved.push((kill, before.last.clone(), restored.to_owned()));
        Ok(())
    }
}

fn spawn(sim: &SimCloud, dir: &Path, walk_seed: u64) -> (Killed, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("KILL_ISSUER", sim.issuer())
        .env("KILL_API", sim.api_base())
        .env("KILL_DB", dir.join("app.db"))
        .env("KILL_KEYCHAIN", dir.join("keychain"))
        .env("KILL_WALK_SEED", walk_seed.to_string())
        .env("KILL_PANEL_LINK", sim.panel_registration_link(EMAIL))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("child.stderr")).map_or_else(|_| Stdio::null(), Stdio::from))
        .spawn()
        .expect("the test binary starts again");
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest writes "test … ... " before the test's own output, on the same line.
            if let Some(said) = line.find("@@").and_then(|at| line[at + 2..].strip_suffix("@@")) {
                let _ = lines.send(said.to_owned());
            }
        }
    });
    (Killed(child), received)
}

/// What the killed child said, read to the end of its output; each step it reported is kept.
fn reported(received: &mpsc::Receiver<String>, restored: String, steps: &mut Steps) -> Reported {
    let mut said = Reported { last: restored, in_flight: false };
    for line in received.iter() {
        let (tag, text) = line.split_once(' ').unwrap_or((&line, ""));
        match tag {
            "SCREEN" if text != said.last => {
                steps.0.entry(hashed(&said.last)).or_default().insert(hashed(text));
                said.last = text.to_owned();
            }
            "CALL" => said.in_flight = true,
            "DONE" => said.in_flight = false,
            _ => {}
        }
    }
    said
}

#[test]
fn sigkill_at_random_moments_resumes_the_screen_saved() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let kills: u32 = std::env::var("SMARTHEMS_KILLS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("SMARTHEMS_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    figure(format!("kills: seed {seed} (SMARTHEMS_KILL_SEED={seed} replays this run)"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let sim = runtime.block_on(SimCloud::start());
    let dir = tempfile::tempdir().unwrap();
    let mut next = smarthems_harness::seeded(seed);
    let started = Instant::now();
    let (mut tally, mut failures, mut steps, mut before) = (Tally::default(), Vec::new(), Steps::default(), None);
    for kill in 0..=kills {
        let (mut child, received) = spawn(&sim, dir.path(), next());
        let Ok(line) = received.recv_timeout(Duration::from_secs(30)) else {
            panic!("relaunch {kill} reported no screen (seed {seed})");
        };
        let restored = line
            .strip_prefix("RESTORED ")
            .unwrap_or_else(|| panic!("the restored screen comes first: {line}"))
            .to_owned();
        if let Some(before) = &before {
            if let Err(failure) = tally.check(kill, &restored, before) {
                failures.push(format!("kill {kill}: {failure}"));
            }
        }
        if kill == kills {
            break;
        }
        std::thread::sleep(Duration::from_millis(next() % 400));
        if let Ok(Some(status)) = child.0.try_wait() {
            let said = std::fs::read_to_string(dir.path().join("child.stderr")).unwrap_or_default();
            panic!("kill {kill}: the app's process ended by itself ({status}), seed {seed}:\n{said}");
        }
        let _ = child.0.kill();
        let _ = child.0.wait();
        before = Some(reported(&received, restored, &mut steps));
    }
    // A screen the killed call had saved and not reported is one the run saw following it.
    for (kill, last, restored) in &tally.moved {
        if !steps.leads(hashed(last), hashed(restored)) {
            failures.push(format!(
                "kill {kill}: killed inside a call onto a screen never seen to follow the last reported\n  last \
                 reported: {last}\n  restored:      {restored}"
            ));
        }
    }
    figure(format!(
        "kills: {kills} SIGKILLs in {:.0?}: {} resumed on the last screen reported, {} on the screen a call was \
         saving ({} killed inside a call); {} distinct screens killed on; a typed nickname kept {} times, \
         chosen devices {} times; {} wrong\n  killed on: {}",
        started.elapsed(),
        tally.resumed_last,
        tally.resumed_next,
        tally.in_flight,
        tally.kinds.len(),
        tally.typed_kept,
        tally.chosen_kept,
        failures.len(),
        tally.kinds.iter().cloned().collect::<Vec<_>>().join(" "),
    ));
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
    assert!(tally.kinds.len() >= 5, "the walk should reach several screens, reached {:?}", tally.kinds);
}
