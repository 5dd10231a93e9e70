//! The headless QA harness: Gherkin features (Japanese) drive the smarthems façade the way the
//! phone shells do, against the embedded simulated cloud or a configured real environment.
//!
//! `run` is shared by the `harness` binary (QA's main job) and the `features` test.

pub mod browser;
pub mod oidc_peer;
pub mod report;
mod steps;
mod steps_c_and_signup;
mod steps_speaker;
mod steps_start;
pub mod tags;
pub mod world;

use std::path::{Path, PathBuf};

use cucumber::{event::ScenarioFinished, writer, World as _, WriterExt as _};
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

/// The token strings held in a secure store (tests check they appear nowhere else).
pub fn secrets_in(store: &MemorySecureStore) -> Vec<String> {
    store
        .values()
        .iter()
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .flat_map(|v| {
            ["access_token", "refresh_token", "verifier"]
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
                    filter.tags = parse_tags(&args.next().ok_or("--tags needs an expression, e.g. 'not @sim'")?)?
                }
                "--name" | "-n" => filter.name = Some(args.next().ok_or("--name needs a part of a scenario's name")?),
                other if other.starts_with('-') => {
                    return Err(format!(
                        "unknown option {other}; usage: harness [--tags EXPR] [--name TEXT] [FEATURE FILE OR FOLDER]"
                    ))
                }
                _ if path.is_some() => return Err("only one feature file or folder".into()),
                _ => path = Some(PathBuf::from(arg)),
            }
        }
        if filter.tags.is_none() {
            if let Some(expr) = std::env::var("SMARTHEMS_TAGS").ok().filter(|e| !e.trim().is_empty()) {
                filter.tags = parse_tags(&expr)?;
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

/// Runs the feature files under `features` one scenario at a time, printing every screen;
/// writes `junit.xml` and `index.html` to `report_dir()`. Returns (passed, failed) scenarios.
pub async fn run(features: &Path) -> (usize, usize) {
    run_filtered(features, Filter::default()).await
}

/// `run`, for the scenarios the filter selects only.
pub async fn run_filtered(features: &Path, filter: Filter) -> (usize, usize) {
    let dir = report_dir();
    std::fs::create_dir_all(&dir).expect("the report folder can be created");
    let junit = std::fs::File::create(dir.join("junit.xml")).expect("junit.xml can be created");
    let summary = QaWorld::cucumber()
        .max_concurrent_scenarios(1)
        .fail_on_skipped()
        .before(|feature, rule, scenario, world| {
            report::begin_scenario(&scenario.name);
            // Only a scenario tagged @sim may steer the simulated cloud: an untagged one fails
            // here the way it would against a real environment.
            let tags = feature.tags.iter().chain(rule.iter().flat_map(|r| &r.tags)).chain(&scenario.tags);
            world.sim_allowed = tags.into_iter().any(|t| t == tags::SIM);
            async {}.boxed_local()
        })
        .after(|_, _, _, finished, _| {
            report::end_scenario(matches!(finished, ScenarioFinished::StepPassed));
            async {}.boxed_local()
        })
        .with_writer(
            writer::Basic::raw(std::io::stdout(), writer::Coloring::Never, 0)
                .summarized()
                .tee::<QaWorld, _>(writer::JUnit::for_tee(junit, 0))
                .normalized(),
        )
        // Our own binary owns the command line (the feature path), not cucumber's parser.
        .with_default_cli()
        .filter_run(features, move |feature, rule, scenario| filter.selects(feature, rule, scenario))
        .await;
    let (passed, failed) = report::write_html(&dir.join("index.html")).expect("the HTML report can be written");
    // A feature file that does not parse, or a failing hook, never reaches the scenario hooks
    // that count results: without this a typo in a feature would silently drop its scenarios.
    use cucumber::writer::Stats as _;
    let broken = summary.parsing_errors() + summary.hook_errors();
    if broken > 0 {
        eprintln!("{broken} feature file(s) or hooks failed before their scenarios could run");
    }
    let failed = failed + broken;
    let dir = dir.canonicalize().unwrap_or(dir);
    println!("\nQA report: {}", dir.join("index.html").display());
    (passed, failed)
}
