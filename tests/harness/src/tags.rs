//! Which scenarios can run against a real environment.
//!
//! A step that steers or reads the simulated cloud calls `w.sim()?` (directly, or through a helper
//! that does), and fails against a real environment. Every scenario using such a step is tagged
//! `@sim`; `harness --tags 'not @sim'` runs the others. This module finds those steps by reading
//! the step sources (the function each step phrase is matched to, as cucumber matches it) and
//! lists the scenarios of a feature folder with their tags and the sim-only steps they use; its
//! tests fail when a scenario's `@sim` tag is missing or needless.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cucumber::gherkin;
use cucumber::World as _;

use crate::world::QaWorld;

/// The tag of scenarios that need the simulated cloud.
pub const SIM: &str = "sim";

/// One scenario of a feature file, as the runner sees it.
#[derive(Debug, Clone)]
pub struct ScenarioInfo {
    pub file: PathBuf,
    pub name: String,
    /// Its tags with those of its feature and rule (without `@`).
    pub tags: Vec<String>,
    /// The steps (background included) that need the simulated cloud.
    pub sim_steps: Vec<String>,
    /// Steps no step definition matches (or that match several).
    pub unmatched: Vec<String>,
}

impl ScenarioInfo {
    pub fn tagged_sim(&self) -> bool {
        self.tags.iter().any(|t| t == SIM)
    }
}

/// The functions of Rust source text: name → body (the text after the signature's `{`).
fn functions(source: &str) -> BTreeMap<String, String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(after_fn) = ["fn ", "async fn ", "pub fn ", "pub async fn ", "pub(crate) fn ", "pub(crate) async fn "]
            .iter()
            .find_map(|prefix| trimmed.strip_prefix(prefix))
        else {
            continue;
        };
        let name: String = after_fn.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let indent = &line[..line.len() - trimmed.len()];
        let close = format!("{indent}}}");
        let end = lines[i..].iter().position(|l| *l == close).map_or(lines.len(), |p| i + p);
        let text = lines[i..end].join("\n");
        let body = text.split_once('{').map(|(_, b)| b.to_owned()).unwrap_or_default();
        out.insert(name, body);
    }
    out
}

/// Whether `body` calls `name(…)` and passes its error on: `name(…)?`, `name(…).await?`, or the
/// call is the body's last expression (`name(…).await.map(drop)`). A call whose error is dealt
/// with (`.unwrap_or(…)`, `.ok()`, `.is_ok()`) does not count.
fn propagates_call(body: &str, name: &str) -> bool {
    let call = format!("{name}(");
    body.match_indices(&call).any(|(at, _)| {
        let before = body[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return false;
        }
        let mut depth = 0;
        for (i, c) in body[at + name.len()..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let rest = body[at + name.len() + i + 1..].trim_start();
                        let rest = rest.strip_prefix(".await").unwrap_or(rest).trim_start();
                        if rest.starts_with('?') {
                            return true;
                        }
                        let handled =
                            [".unwrap_or", ".ok()", ".is_ok()", ".is_err()"].iter().any(|h| rest.starts_with(h));
                        return !handled && !rest.contains(';');
                    }
                }
                _ => {}
            }
        }
        false
    })
}

/// The names of the functions that fail without the simulated cloud: those that propagate the
/// error of `sim()`, or of another such function.
pub fn sim_only_functions(sources: &[&str]) -> BTreeSet<String> {
    let all: BTreeMap<String, String> = sources.iter().flat_map(|s| functions(s)).collect();
    let mut sim_only = BTreeSet::from(["sim".to_owned()]);
    loop {
        let more: Vec<String> = all
            .iter()
            .filter(|(name, body)| !sim_only.contains(*name) && sim_only.iter().any(|s| propagates_call(body, s)))
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            return sim_only;
        }
        sim_only.extend(more);
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The step sources, read from disk (the paths cucumber records for each step are relative to
/// the workspace).
struct Steps {
    collection: cucumber::step::Collection<QaWorld>,
    files: BTreeMap<&'static str, Vec<String>>,
    sim_only: BTreeSet<String>,
}

/// The sources of every step definition (`src/steps*.rs`, each file that holds steps, so a new one
/// cannot be missed).
pub fn step_sources() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("the harness sources are readable")
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("steps") && n.ends_with(".rs"))
        })
        .collect();
    names.sort();
    names.iter().map(|path| std::fs::read_to_string(path).expect("the step sources are readable")).collect()
}

impl Steps {
    fn load() -> Steps {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut sources = step_sources();
        // The world's helpers call `sim()` for the steps that use them.
        sources.push(std::fs::read_to_string(src.join("world.rs")).expect("the world's source is readable"));
        let sim_only = sim_only_functions(&sources.iter().map(String::as_str).collect::<Vec<_>>());
        Steps { collection: QaWorld::collection(), files: BTreeMap::new(), sim_only }
    }

    /// The name of the function a step is matched to; `Err` when none or several match.
    fn function_of(&mut self, step: &gherkin::Step) -> Result<String, String> {
        let (_, _, location, _) = self
            .collection
            .find(step)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "no step definition matches".to_owned())?;
        let location = location.ok_or("the step definition has no location")?;
        let lines = self.files.entry(location.path).or_insert_with(|| {
            std::fs::read_to_string(workspace_root().join(location.path))
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect()
        });
        lines
            .iter()
            .skip(location.line.saturating_sub(1) as usize)
            .find_map(|l| l.trim_start().strip_prefix("async fn ").or_else(|| l.trim_start().strip_prefix("fn ")))
            .map(|rest| rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
            .ok_or_else(|| format!("no function after {}:{}", location.path, location.line))
    }

    fn describe(&mut self, file: &Path, feature: &gherkin::Feature) -> Vec<ScenarioInfo> {
        let mut out = Vec::new();
        let mut add = |steps: &mut Steps, rule: Option<&gherkin::Rule>, scenario: &gherkin::Scenario| {
            let background = feature.background.iter().chain(rule.and_then(|r| r.background.as_ref()));
            let mut info = ScenarioInfo {
                file: file.to_owned(),
                name: scenario.name.clone(),
                tags: feature
                    .tags
                    .iter()
                    .chain(rule.iter().flat_map(|r| &r.tags))
                    .chain(&scenario.tags)
                    .cloned()
                    .collect(),
                sim_steps: Vec::new(),
                unmatched: Vec::new(),
            };
            // An outline's steps as its first example row fills them in (each row matches the
            // same definitions).
            let row: Vec<(String, String)> = scenario
                .examples
                .first()
                .and_then(|e| e.table.as_ref())
                .and_then(|t| Some(t.rows.first()?.iter().cloned().zip(t.rows.get(1)?.iter().cloned()).collect()))
                .unwrap_or_default();
            for step in background.flat_map(|b| &b.steps).chain(&scenario.steps) {
                let mut step = step.clone();
                for (name, value) in &row {
                    step.value = step.value.replace(&format!("<{name}>"), value);
                }
                let step = &step;
                match steps.function_of(step) {
                    Ok(function) if steps.sim_only.contains(&function) => info.sim_steps.push(step.value.clone()),
                    Ok(_) => {}
                    Err(why) => info.unmatched.push(format!("{} ({why})", step.value)),
                }
            }
            out.push(info);
        };
        for scenario in &feature.scenarios {
            add(self, None, scenario);
        }
        for rule in &feature.rules {
            for scenario in &rule.scenarios {
                add(self, Some(rule), scenario);
            }
        }
        out
    }
}

/// Every scenario of the feature files in `dir` (or of that one file).
pub fn scenarios(path: &Path) -> Result<Vec<ScenarioInfo>, String> {
    let mut files: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "feature"))
            .collect()
    } else {
        vec![path.to_owned()]
    };
    files.sort();
    let mut steps = Steps::load();
    let mut out = Vec::new();
    for file in files {
        let feature = gherkin::Feature::parse_path(&file, gherkin::GherkinEnv::default())
            .map_err(|e| format!("{}: {e}", file.display()))?;
        out.extend(steps.describe(&file, &feature));
    }
    Ok(out)
}

/// What is wrong with the `@sim` tags of these scenarios: a scenario using a sim-only step
/// without the tag (it would fail against a real environment), one tagged although it uses none
/// (it would be left out of real runs for nothing), and steps that match no definition.
pub fn tag_problems(scenarios: &[ScenarioInfo]) -> Vec<String> {
    let mut problems = Vec::new();
    for s in scenarios {
        let at = format!("{}: 「{}」", s.file.file_name().unwrap_or_default().to_string_lossy(), s.name);
        if !s.unmatched.is_empty() {
            problems.push(format!("{at} has steps no definition matches: {:?}", s.unmatched));
        }
        match (s.tagged_sim(), s.sim_steps.is_empty()) {
            (false, false) => problems.push(format!("{at} needs @sim: it uses {:?}", s.sim_steps)),
            (true, true) => {
                problems.push(format!("{at} is tagged @sim but uses no step that needs the simulated cloud"))
            }
            _ => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features_dir(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }

    #[test]
    fn finds_the_functions_that_need_the_simulated_cloud() {
        let source = r#"
async fn steers(w: &mut QaWorld) -> Step {
    w.sim()?.go_offline().await;
    Ok(())
}

async fn tolerant(w: &mut QaWorld) -> Step {
    w.before = w.outbound().unwrap_or(0);
    Ok(())
}

async fn through_a_helper(w: &mut QaWorld) -> Step {
    let n = w.outbound()?;
    Ok(())
}

async fn awaited(w: &mut QaWorld) -> Step {
    helper(w, 1).await?;
    Ok(())
}

async fn helper(w: &mut QaWorld, n: u32) -> Step {
    steers(w).await
}

async fn simple(w: &mut QaWorld) -> Step {
    w.is_sim();
    w.tap("x").await.map(drop)
}

async fn checks_first(w: &mut QaWorld) -> Step {
    if w.sim().is_ok() {
        return Ok(());
    }
    Ok(())
}
impl QaWorld {
    pub fn outbound(&self) -> Result<usize, String> {
        Ok(self.sim()?.requests().len())
    }
}
"#;
        let found = sim_only_functions(&[source]);
        // `helper` returns `steers(w).await`: its error is steers' error.
        let expected: BTreeSet<String> = ["sim", "steers", "through_a_helper", "outbound", "helper", "awaited"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(found.difference(&expected).cloned().collect::<Vec<_>>(), Vec::<String>::new());
        assert_eq!(expected.difference(&found).cloned().collect::<Vec<_>>(), Vec::<String>::new());
    }

    /// The real step files: the steps QA knows steer the simulated cloud are found.
    #[test]
    fn the_simulated_clouds_steps_are_recognised() {
        let sim_only = Steps::load().sim_only;
        for name in [
            "offline",
            "has_id",
            "consent_recorded",
            "nothing_sent_for_link",
            "link_in_google_home",
            "panel_tap",
            "old_id_gone",
        ] {
            assert!(sim_only.contains(name), "{name} is not recognised as needing the simulated cloud");
        }
        for name in ["tap", "log_in", "screen_is", "stray_link", "restart_mode", "first_launch"] {
            assert!(!sim_only.contains(name), "{name} is taken for a simulated-cloud step");
        }
    }

    /// An untagged scenario with a simulated-cloud step is caught, and so is a needless tag.
    #[test]
    fn a_missing_or_needless_tag_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.feature");
        std::fs::write(
            &file,
            "# language: ja\n機能: 例\n\n  シナリオ: 通信できない\n    前提 アプリを初めて起動する\n    もし インターネットに接続できない\n\n  \
             @sim\n  シナリオ: 画面だけ\n    前提 アプリを初めて起動する\n    ならば 「スマートHEMSサービス」画面が表示される\n\n  \
             @sim\n  シナリオ: 正しい\n    前提 アプリを初めて起動する\n    もし インターネットに接続できない\n",
        )
        .unwrap();
        let found = scenarios(&file).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].sim_steps, vec!["インターネットに接続できない".to_owned()]);
        let problems = tag_problems(&found);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("通信できない") && problems[0].contains("needs @sim"));
        assert!(problems[1].contains("画面だけ") && problems[1].contains("uses no step"));
    }

    /// Every scenario that needs the simulated cloud is tagged `@sim`, and no other is.
    #[test]
    fn every_scenario_needing_the_simulated_cloud_is_tagged_sim() {
        for dir in ["features", "core_bugs"] {
            // core_bugs is empty (and absent) while no core bug is known.
            if dir == "core_bugs" && !features_dir(dir).exists() {
                continue;
            }
            let found = scenarios(&features_dir(dir)).unwrap();
            assert!(!found.is_empty(), "{dir} has no scenario");
            let problems = tag_problems(&found);
            assert!(problems.is_empty(), "{dir}:\n{}", problems.join("\n"));
        }
    }

    /// Enough scenarios are left for a real environment to be worth running.
    #[test]
    fn some_scenarios_run_without_the_simulated_cloud() {
        let found = scenarios(&features_dir("features")).unwrap();
        let real = found.iter().filter(|s| !s.tagged_sim()).count();
        assert!(real >= 8, "only {real} scenario(s) can run against a real environment");
    }
}
