//! The headless QA harness: Gherkin features (Japanese) drive the smarthems façade the way the
//! phone shells do, against the embedded simulated cloud or a configured real environment.
//!
//! `run` is shared by the `harness` binary (QA's main job) and the `features` test.

pub mod browser;
pub mod console;
pub mod coverage;
pub mod file_store;
pub mod load;
pub mod oidc_peer;
pub mod report;
mod steps;
mod steps_aiseg;
mod steps_c_and_signup;
mod steps_links;
mod steps_speaker;
mod steps_start;
pub mod tags;
pub mod walk;
pub mod world;

use std::path::{Path, PathBuf};

use cucumber::{writer, World as _, WriterExt as _};
use futures::FutureExt as _;
use smarthems::MemorySecureStore;

pub use world::QaWorld;

/// Everything log lines said, from every thread (a `tracing_subscriber` writer for tests that
/// check what the logs carry).
#[derive(Clone, Default)]
pub struct LogBuffer(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// A fast seeded generator (xorshift64) for tests that must replay the same run from its seed.
/// Not for anything secret.
pub fn seeded(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed.max(1);
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// The token strings held in a secure store (tests check they appear nowhere else).
pub fn secrets_in(store: &MemorySecureStore) -> Vec<String> {
    store
        .values()
        .iter()
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .flat_map(|v| {
            ["access_token", "refresh_token", "verifier", "id_token"]
                .into_iter()
                .filter_map(move |k| v.get(k).and_then(|s| s.as_str()).map(str::to_owned))
        })
        .collect()
}

/// A device's state on the AiSEG2 in the words QA writes: 「オン」「オフ」「冷房」「25℃」「開」「閉」
/// 「施錠」「解錠」.
pub fn describe_state(state: &smarthems_simcloud::DeviceState) -> String {
    let mut words = vec![if state.on { "オン".to_owned() } else { "オフ".to_owned() }];
    if let Some(mode) = &state.mode {
        words.push(smarthems_simcloud::mode_in_japanese(mode).unwrap_or(mode).to_owned());
    }
    if let Some(t) = state.setpoint {
        words.push(format!("{t}℃"));
    }
    if let Some(open) = state.open {
        words.push(if open { "開" } else { "閉" }.to_owned());
    }
    if let Some(locked) = state.locked {
        words.push(if locked { "施錠" } else { "解錠" }.to_owned());
    }
    words.join(" ")
}

/// Where the reports go: `SMARTHEMS_REPORT_DIR`, or `target/qa-report/` of the workspace.
pub fn report_dir() -> PathBuf {
    match std::env::var_os("SMARTHEMS_REPORT_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/qa-report"),
    }
}

/// Which scenarios to run: a tag expression (`not @sim`, `@sim and not @slow`) and a text the
/// scenario's name contains.
#[derive(Debug, Default)]
pub struct Filter {
    pub tags: Option<cucumber::gherkin::tagexpr::TagOperation>,
    pub name: Option<String>,
    /// The tag expression as given (for the report).
    pub tags_text: Option<String>,
    /// Print every screen of every step (by default only those of a failing scenario).
    pub verbose: bool,
}

impl Filter {
    /// Reads `[--tags EXPR] [--name TEXT] [FEATURE FILE OR FOLDER]`; without `--tags`, the
    /// `SMARTHEMS_TAGS` environment variable. Returns the filter and the feature path, if given.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<(Filter, Option<PathBuf>), String> {
        let parse_tags =
            |expr: &str| expr.parse().map(Some).map_err(|e| format!("--tags: not a tag expression ({e}): {expr}"));
        let mut filter = Filter::default();
        let mut path = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--tags" | "-t" => {
                    let expr = args.next().ok_or("--tags needs an expression, e.g. 'not @sim'")?;
                    filter.tags = parse_tags(&expr)?;
                    filter.tags_text = Some(expr);
                }
                "--name" | "-n" => filter.name = Some(args.next().ok_or("--name needs a part of a scenario's name")?),
                "--verbose" | "-v" => filter.verbose = true,
                other if other.starts_with('-') => {
                    return Err(format!(
                        "unknown option {other}; usage: harness [--verbose] [--tags EXPR] [--name TEXT] [FEATURE FILE OR FOLDER]"
                    ))
                }
                _ if path.is_some() => return Err("only one feature file or folder".into()),
                _ => path = Some(PathBuf::from(arg)),
            }
        }
        if filter.tags.is_none() {
            if let Some(expr) = std::env::var("SMARTHEMS_TAGS").ok().filter(|e| !e.trim().is_empty()) {
                filter.tags = parse_tags(&expr)?;
                filter.tags_text = Some(expr);
            }
        }
        Ok((filter, path))
    }

    /// Whether a scenario (with its feature's and rule's tags) is to run.
    pub fn selects(
        &self,
        feature: &cucumber::gherkin::Feature,
        rule: Option<&cucumber::gherkin::Rule>,
        scenario: &cucumber::gherkin::Scenario,
    ) -> bool {
        use cucumber::tag::Ext as _;
        let tags = feature.tags.iter().chain(rule.iter().flat_map(|r| &r.tags)).chain(&scenario.tags);
        self.tags.as_ref().is_none_or(|t| t.eval(tags))
            && self.name.as_ref().is_none_or(|n| scenario.name.contains(n.as_str()))
    }
}

/// Runs the feature files under `features` one scenario at a time, one line per step; writes the
/// run's folder under `report_dir()` (`index.html`, `junit.xml`, `coverage.txt`, `flow.md`).
/// Returns (passed, failed) scenarios.
pub async fn run(features: &Path) -> (usize, usize) {
    run_filtered(features, Filter::default()).await
}

/// `run`, for the scenarios the filter selects only.
pub async fn run_filtered(features: &Path, filter: Filter) -> (usize, usize) {
    let started = std::time::Instant::now();
    let (dir, when) = report::run_folder(&report_dir()).expect("the report folder can be created");
    let junit = std::fs::File::create(dir.join("junit.xml")).expect("junit.xml can be created");
    let total = count_selected(features, &filter);
    let selection = describe_selection(features, &filter);
    println!(
        "running {total} scenario(s) of {selection}; one line per step{}",
        if filter.verbose { ", every screen" } else { " (screens in full when a scenario fails; --verbose for all)" }
    );
    // The flow's graph is explored meanwhile (a few seconds of one core) for the coverage figures.
    let cache = dir.parent().map(|base| base.join("flow-universe.json")).unwrap_or_default();
    let universe = tokio::task::spawn_blocking(move || coverage::Universe::cached(&cache));
    coverage::start();
    let console = console::Console::new(filter.verbose, total);
    QaWorld::cucumber()
        .max_concurrent_scenarios(1)
        .fail_on_skipped()
        .before(|feature, rule, scenario, world| {
            coverage::new_phone();
            // Only a scenario tagged @sim may steer the simulated cloud: an untagged one fails
            // here the way it would against a real environment.
            let tags = feature.tags.iter().chain(rule.iter().flat_map(|r| &r.tags)).chain(&scenario.tags);
            world.sim_allowed = tags.into_iter().any(|t| t == tags::SIM);
            async {}.boxed_local()
        })
        .after(|_, _, _, _, world| {
            if let Some(world::Parties::Simulated(sim)) = world.map(|w| &w.parties) {
                report::set_requests(sim.requests().into_iter().map(|r| format!("{} {}", r.method, r.path)).collect());
            }
            async {}.boxed_local()
        })
        .with_writer(console.tee::<QaWorld, _>(writer::JUnit::for_tee(junit, 0)).normalized())
        // Our own binary owns the command line (the feature path), not cucumber's parser.
        .with_default_cli()
        .filter_run(features, move |feature, rule, scenario| filter.selects(feature, rule, scenario))
        .await;
    let seen = coverage::finish();
    let figures = match universe.await {
        Ok(universe) => {
            let figures = coverage::figures(&seen, &universe);
            let _ = std::fs::write(dir.join("flow.md"), coverage::picture(&seen, &universe));
            // Mermaid draws the picture in the page; it comes from the report check's npm
            // packages (`npm ci --prefix tests/harness/report-check`), beside the run folders.
            let mermaid =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("report-check/node_modules/mermaid/dist/mermaid.min.js");
            if let Some(reports) = dir.parent().filter(|_| mermaid.exists()) {
                let _ = std::fs::copy(&mermaid, reports.join("mermaid.min.js"));
            }
            let _ = std::fs::write(dir.join("coverage.txt"), figures.text());
            Some(figures)
        }
        Err(error) => {
            eprintln!("the flow graph could not be explored: {error}");
            None
        }
    };
    let info = report::RunInfo {
        started: when,
        commit: report::commit(),
        environment: match environment() {
            sim if sim.starts_with("simulated") => format!("{sim}; a fresh one per scenario"),
            real => real,
        },
        millis: started.elapsed().as_millis(),
        selection,
    };
    let coverage_html = figures.as_ref().map(coverage::Figures::html).unwrap_or_default();
    let (passed, failed) =
        report::write_html(&dir.join("index.html"), &info, &coverage_html).expect("the HTML report can be written");
    // A feature file that does not parse never reaches the scenario events that count results:
    // without this a typo in a feature would silently drop its scenarios.
    let broken = console::broken();
    if broken > 0 {
        eprintln!("{broken} feature file(s) failed before their scenarios could run");
    }
    if let Some(figures) = &figures {
        println!("\n{}", figures.summary());
    }
    let dir = dir.canonicalize().unwrap_or(dir);
    println!("QA report: {}", dir.join("index.html").display());
    (passed, failed + broken)
}

/// How many scenarios the filter selects under `features` (for the `[n/N]` progress).
fn count_selected(features: &Path, filter: &Filter) -> usize {
    fn files(path: &Path, out: &mut Vec<PathBuf>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                files(&entry.path(), out);
            }
        } else if path.extension().is_some_and(|x| x == "feature") {
            out.push(path.to_owned());
        }
    }
    let mut all = Vec::new();
    files(features, &mut all);
    all.iter()
        .filter_map(|f| cucumber::gherkin::Feature::parse_path(f, cucumber::gherkin::GherkinEnv::default()).ok())
        .map(|feature| {
            let rules = feature.rules.iter().flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
            feature
                .scenarios
                .iter()
                .map(|s| (None, s))
                .chain(rules)
                .filter(|(rule, s)| filter.selects(&feature, *rule, s))
                .map(|(_, s)| {
                    s.examples
                        .iter()
                        .map(|e| e.table.as_ref().map_or(1, |t| t.rows.len().saturating_sub(1)))
                        .sum::<usize>()
                        .max(1)
                })
                .sum::<usize>()
        })
        .sum()
}

fn describe_selection(features: &Path, filter: &Filter) -> String {
    let mut out = features.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(features).display().to_string();
    if let Some(tags) = &filter.tags_text {
        out.push_str(&format!(" --tags '{tags}'"));
    }
    if let Some(name) = &filter.name {
        out.push_str(&format!(" --name '{name}'"));
    }
    out
}

/// The environment the run drove, in words: never a secret (no password, client secret or query).
pub fn environment() -> String {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let bare = |u: String| match url::Url::parse(&u) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "(not a URL)".into(),
    };
    match (env("SMARTHEMS_ISSUER"), env("SMARTHEMS_CLOUD_BASE_URL")) {
        (Some(issuer), Some(cloud)) => format!(
            "real environment: issuer {}, API {}{}",
            bare(issuer),
            bare(cloud),
            if env("SMARTHEMS_BROWSER").as_deref() == Some("manual") { ", browser by a person" } else { "" }
        ),
        _ => "simulated cloud (embedded, on loopback)".into(),
    }
}
