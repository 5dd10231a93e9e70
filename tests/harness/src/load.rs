//! `harness load --users N`: N virtual users at once, each with two phones onboarding at the same
//! time — flow A (log in, accept the terms, no smart speaker: Home) and flow B (log in, accept,
//! register the smart speaker service: nickname, privacy policy, devices, Google Home terms,
//! register, up to the hand-off to Google Home) — against one simulated cloud (or the real
//! environment of the `SMARTHEMS_*` variables). Bounded in how many run at once and in time;
//! prints a progress bar, then latency percentiles per call kind, errors by kind and the core's
//! CPU time per onboarding, and writes them to a file.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smarthems::flow::Action;
use smarthems::{MemorySecureStore, SmartHems};
use smarthems_simcloud::SimCloud;

use crate::browser::{Browser, Visit};
use crate::world::Phone;

pub struct LoadOptions {
    pub users: usize,
    /// How many phones onboard at the same time at most.
    pub concurrency: usize,
    /// The whole run is stopped after this long.
    pub limit: Duration,
    pub out: Option<std::path::PathBuf>,
}

impl LoadOptions {
    pub fn from_args(args: &[String]) -> Result<LoadOptions, String> {
        let mut o = LoadOptions { users: 10, concurrency: 64, limit: Duration::from_secs(600), out: None };
        let mut args = args.iter();
        while let Some(a) = args.next() {
            let mut value = || args.next().ok_or(format!("{a} needs a value"));
            match a.as_str() {
                "--users" | "-u" => o.users = value()?.parse().map_err(|_| "--users: a number")?,
                "--concurrency" | "-c" => o.concurrency = value()?.parse().map_err(|_| "--concurrency: a number")?,
                "--seconds" => o.limit = Duration::from_secs(value()?.parse().map_err(|_| "--seconds: a number")?),
                "--out" => o.out = Some(value()?.into()),
                other => {
                    return Err(format!(
                        "unknown option {other}; usage: harness load [--users N] [--concurrency N] [--seconds N] [--out FILE]"
                    ))
                }
            }
        }
        if o.users == 0 || o.concurrency == 0 {
            return Err("--users and --concurrency must be at least 1".into());
        }
        Ok(o)
    }
}

/// Latencies per call kind and errors per kind, shared by every phone.
#[derive(Default)]
struct Stats {
    latencies: Mutex<BTreeMap<String, Vec<Duration>>>,
    errors: Mutex<BTreeMap<String, usize>>,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl Stats {
    fn time(&self, kind: &str, took: Duration) {
        self.latencies.lock().unwrap().entry(kind.to_owned()).or_default().push(took);
    }
    fn error(&self, kind: String) {
        *self.errors.lock().unwrap().entry(kind).or_default() += 1;
    }
}

/// Where the phones log in and call.
#[derive(Clone)]
struct Target {
    issuer: String,
    api: String,
    client_id: String,
    redirect_uri: String,
}

/// One phone onboarding with a fresh app.
struct Onboarding {
    app: Arc<SmartHems>,
    phone: Arc<Phone>,
    browser: Browser,
    stats: Arc<Stats>,
    _dir: tempfile::TempDir,
}

impl Onboarding {
    fn new(target: &Target, stats: Arc<Stats>) -> Result<Onboarding, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let config = crate::world::app_config(
            &target.issuer,
            &target.client_id,
            &target.redirect_uri,
            &target.api,
            &dir.path().join("smarthems.db"),
        );
        let phone = Arc::new(Phone::default());
        let tuning = smarthems::Tuning {
            retry: smarthems::runtime::retry::RetryPolicy { pauses: vec![Duration::from_millis(50)] },
            ..Default::default()
        };
        let app = SmartHems::with_tuning(config, phone.clone(), Arc::new(MemorySecureStore::default()), tuning)
            .map_err(|e| e.to_string())?;
        Ok(Onboarding { app, phone, browser: Browser::new(&target.redirect_uri), stats, _dir: dir })
    }

    async fn timed<T>(&self, kind: &str, call: impl std::future::Future<Output = T>) -> T {
        let started = Instant::now();
        let out = call.await;
        self.stats.time(kind, started.elapsed());
        out
    }

    /// Taps the button with this label; the error names the step and where the app was.
    async fn tap(&self, label: &str) -> Result<(), String> {
        let view = self.app.screen();
        let action = view
            .buttons
            .iter()
            .find(|b| b.label == label)
            .map(|b| b.action.clone())
            .ok_or_else(|| format!("no 「{label}」 on {}", smarthems::flow::graph::node_name(&view.screen)))?;
        let kind = format!("tap {}", smarthems::flow::graph::label(&smarthems::flow::Event::Tap(action.clone())));
        self.timed(&kind, self.app.tap(action)).await;
        Ok(())
    }

    fn expect(&self, node: &str) -> Result<(), String> {
        let view = self.app.screen();
        let on = smarthems::flow::graph::node_name(&view.screen);
        if on == node {
            return Ok(());
        }
        let notice = view.notice.map(|n| format!(" ({n})")).unwrap_or_default();
        Err(format!("expected {node}, on {on}{notice}"))
    }

    async fn log_in(&self, email: &str, password: &str) -> Result<(), String> {
        self.timed("start", self.app.start()).await;
        self.tap("CLUB Panasonic ログイン画面へ").await?;
        let url = self.phone.opened.lock().unwrap().last().cloned().ok_or("the app opened no login page")?;
        let page = self.timed("browser: login page", self.browser.open(&url)).await?;
        let redirect = match self.timed("browser: log in", self.browser.log_in(&page, email, password)).await? {
            Visit::Redirect(url) => url,
            Visit::LoginPage { .. } => return Err("the login page refused the account".into()),
        };
        self.timed("open_url (login redirect)", self.app.open_url(redirect)).await;
        self.expect("AppTerms")?;
        self.tap("同意する").await?;
        self.expect("SpeakerPrompt")
    }

    async fn flow_a(&self, email: &str, password: &str) -> Result<(), String> {
        self.log_in(email, password).await?;
        self.tap("いいえ").await?;
        self.expect("Home")
    }

    async fn flow_b(&self, email: &str, password: &str) -> Result<(), String> {
        self.log_in(email, password).await?;
        self.tap("はい").await?;
        self.expect("Nickname")?;
        self.timed("tap EditNickname", self.app.tap(Action::EditNickname { text: "たろう".into() })).await;
        self.tap("登録する").await?;
        self.expect("PrivacyPolicy")?;
        self.tap("同意する").await?;
        self.expect("DeviceSelection")?;
        // Every device of the first category (「エアコン 全て」).
        let all = self.app.screen().buttons.into_iter().find(|b| matches!(b.action, Action::ToggleCategory { .. }));
        self.tap(&all.ok_or("no category to check on DeviceSelection")?.label).await?;
        self.tap("次へ").await?;
        self.expect("AccountLink")?;
        self.tap("Google Home").await?;
        self.expect("SpeakerTerms")?;
        self.tap("同意する").await?;
        self.expect("Utterances")?;
        self.tap("登録").await?;
        self.expect("HandOff")
    }
}

/// The CPU time the core's own threads (named `smarthems`) have used, from /proc.
fn core_cpu() -> Option<Duration> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        if !stat[open + 1..close].starts_with("smarthems") {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
        total += fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        total += fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    Some(Duration::from_secs_f64(total as f64 / ticks))
}

/// The whole process's CPU time.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
    let t = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(t as f64 / 100.0))
}

fn progress(stats: &Stats, total: usize, started: Instant, tty: bool, last_tenth: &mut usize) {
    let done = stats.done.load(Ordering::SeqCst);
    let failed = stats.failed.load(Ordering::SeqCst);
    let width = 30;
    let filled = done * width / total.max(1);
    let line = format!(
        "[{}{}] {done}/{total} onboardings, {failed} failed, {:.1} s",
        "#".repeat(filled),
        "-".repeat(width - filled),
        started.elapsed().as_secs_f64()
    );
    if tty {
        eprint!("\r{line}");
    } else if done * 10 / total.max(1) > *last_tenth {
        *last_tenth = done * 10 / total.max(1);
        eprintln!("{line}");
    }
}

/// The simulated cloud (started here), or the real environment of the `SMARTHEMS_*` variables.
async fn parties() -> (Option<SimCloud>, Target) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (env("SMARTHEMS_ISSUER"), env("SMARTHEMS_CLOUD_BASE_URL")) {
        (Some(issuer), Some(api)) => (
            None,
            Target {
                issuer,
                api,
                client_id: env("SMARTHEMS_CLIENT_ID").unwrap_or_else(|| SimCloud::CLIENT_ID.into()),
                redirect_uri: env("SMARTHEMS_REDIRECT_URI").unwrap_or_else(|| SimCloud::REDIRECT_URI.into()),
            },
        ),
        _ => {
            let sim = SimCloud::start().await;
            let target = Target {
                issuer: sim.issuer(),
                api: sim.api_base(),
                client_id: SimCloud::CLIENT_ID.into(),
                redirect_uri: SimCloud::REDIRECT_URI.into(),
            };
            (Some(sim), target)
        }
    }
}

/// Runs the load; returns whether every onboarding reached its end screen in time.
pub async fn load(options: LoadOptions) -> Result<bool, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (sim, target) = parties().await;
    // Accounts: `load-N-a@example.jp` / `load-N-b@…` in the simulated cloud; against a real
    // environment, SMARTHEMS_LOAD_EMAILS with `{n}` and `{flow}` (e.g. `qa+{n}{flow}@…`).
    let pattern = env("SMARTHEMS_LOAD_EMAILS").unwrap_or_else(|| "load-{n}-{flow}@example.jp".into());
    let password = env("SMARTHEMS_PASSWORD").unwrap_or_else(|| "Passw0rd!".into());
    let email = |n: usize, flow: &str| pattern.replace("{n}", &n.to_string()).replace("{flow}", flow);
    if let Some(sim) = &sim {
        // Flow B's AiSEG2: the devices of the features' household.
        let devices = sim.aiseg_devices("taro@example.jp");
        for n in 0..options.users {
            for flow in ["a", "b"] {
                sim.add_user(&email(n, flow), &password, "負荷 試験");
            }
            sim.set_aiseg_devices(&email(n, "b"), devices.clone());
        }
    }
    let total = options.users * 2;
    println!(
        "harness load — {} users × flows A and B = {total} onboardings, at most {} at once, stopped after {} s; {}",
        options.users,
        options.concurrency,
        options.limit.as_secs(),
        crate::environment()
    );
    let stats = Arc::new(Stats::default());
    let gate = Arc::new(tokio::sync::Semaphore::new(options.concurrency));
    let (cpu_before, process_before) = (core_cpu().unwrap_or_default(), process_cpu().unwrap_or_default());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..options.users {
        for flow in ["a", "b"] {
            let (stats, gate, target, email, password) =
                (stats.clone(), gate.clone(), target.clone(), email(n, flow), password.clone());
            tasks.spawn(async move {
                let _turn = gate.acquire_owned().await;
                let result = match Onboarding::new(&target, stats.clone()) {
                    Ok(o) if flow == "a" => o.flow_a(&email, &password).await,
                    Ok(o) => o.flow_b(&email, &password).await,
                    Err(e) => Err(format!("the app did not start: {e}")),
                };
                if let Err(e) = result {
                    stats.failed.fetch_add(1, Ordering::SeqCst);
                    stats.error(format!("flow {}: {e}", flow.to_uppercase()));
                }
                stats.done.fetch_add(1, Ordering::SeqCst);
            });
        }
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let deadline = tokio::time::sleep(options.limit);
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut last_tenth = 0;
    let timed_out = loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { break false },
            _ = tick.tick() => progress(&stats, total, started, tty, &mut last_tenth),
            _ = &mut deadline => break true,
        }
    };
    progress(&stats, total, started, tty, &mut last_tenth);
    if tty {
        eprintln!();
    }
    let wall = started.elapsed();
    if timed_out {
        tasks.abort_all();
        let unfinished = total - stats.done.load(Ordering::SeqCst);
        stats.error(format!("not finished within {} s", options.limit.as_secs()));
        *stats.errors.lock().unwrap().get_mut(&format!("not finished within {} s", options.limit.as_secs())).unwrap() =
            unfinished;
        stats.failed.fetch_add(unfinished, Ordering::SeqCst);
    }
    let core = core_cpu().unwrap_or_default().saturating_sub(cpu_before);
    let process = process_cpu().unwrap_or_default().saturating_sub(process_before);
    let text = summary(&stats, total, wall, core, process, &options);
    print!("{text}");
    let out = match options.out {
        Some(out) => out,
        None => {
            let (dir, _) = crate::report::run_folder(&crate::report_dir().join("load")).map_err(|e| e.to_string())?;
            dir.join("load.txt")
        }
    };
    std::fs::File::create(&out)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!("written to {}", out.display());
    Ok(stats.failed.load(Ordering::SeqCst) == 0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn summary(stats: &Stats, total: usize, wall: Duration, core: Duration, process: Duration, o: &LoadOptions) -> String {
    let failed = stats.failed.load(Ordering::SeqCst);
    let mut t = format!(
        "\n{} users, {total} onboardings (flows A and B), at most {} at once: {} completed, {failed} failed, in {:.1} s \
         ({:.1} onboardings/s)\n",
        o.users,
        o.concurrency,
        total - failed,
        wall.as_secs_f64(),
        (total - failed) as f64 / wall.as_secs_f64().max(0.001)
    );
    t.push_str(&format!(
        "CPU: the core's threads {:.2} s in all, {:.1} ms per onboarding; the whole process (core, simulated cloud, \
         browser, harness) {:.2} s, {:.1} ms per onboarding\n\n",
        core.as_secs_f64(),
        core.as_secs_f64() * 1000.0 / total.max(1) as f64,
        process.as_secs_f64(),
        process.as_secs_f64() * 1000.0 / total.max(1) as f64
    ));
    t.push_str(&format!(
        "{:<34} {:>6} {:>9} {:>9} {:>9} {:>9}\n",
        "latency (ms) per call", "calls", "p50", "p90", "p99", "max"
    ));
    for (kind, times) in stats.latencies.lock().unwrap().iter_mut() {
        times.sort();
        t.push_str(&format!(
            "{kind:<34} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
            times.len(),
            percentile(times, 0.5),
            percentile(times, 0.9),
            percentile(times, 0.99),
            percentile(times, 1.0)
        ));
    }
    let errors = stats.errors.lock().unwrap();
    t.push_str(&format!("\nerrors by kind ({}):\n", errors.values().sum::<usize>()));
    for (kind, n) in errors.iter() {
        t.push_str(&format!("{n:>6}  {kind}\n"));
    }
    t
}
