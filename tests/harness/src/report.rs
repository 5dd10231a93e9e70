//! What QA reads: each step of each scenario with what the app showed meanwhile, kept while the
//! features run (by `console`, which prints it) and written at the end as an HTML page in the
//! run's own folder (`target/qa-report/<time>/index.html`, with `latest` pointing at it).
//!
//! Screens and notes are kept with the time they happened; the console writer hands each step
//! the ones that happened before the step finished, so a step's line always comes before the
//! screens it caused.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use smarthems::ScreenView;

/// Something that happened while a step ran: a screen the app showed, or a note of what the
/// user or a party did.
#[derive(Clone, Debug)]
pub enum Happening {
    /// The screen's node name (as in docs/flow.md) and the screen as the user reads it.
    Screen {
        node: String,
        text: String,
    },
    Note(String),
}

/// One Gherkin step as it ran.
#[derive(Clone, Debug, Default)]
pub struct StepRecord {
    /// Keyword and text, e.g. `もし 「次へ」をタップする`.
    pub text: String,
    /// `Some(true)` passed, `Some(false)` failed, `None` skipped (not run).
    pub ok: Option<bool>,
    pub millis: u128,
    pub error: Option<String>,
    pub happened: Vec<Happening>,
}

/// One scenario as it ran.
#[derive(Clone, Debug, Default)]
pub struct ScenarioRecord {
    pub feature: String,
    pub name: String,
    pub steps: Vec<StepRecord>,
    pub passed: bool,
    /// The step that failed and why (a hook's failure has no step).
    pub failure: Option<(String, String)>,
    /// The requests the simulated cloud received (method and path), in order.
    pub requests: Vec<String>,
    pub millis: u128,
}

static HAPPENINGS: Mutex<Vec<(SystemTime, Happening)>> = Mutex::new(Vec::new());
static SCENARIOS: Mutex<Vec<ScenarioRecord>> = Mutex::new(Vec::new());
/// The requests of the scenario that just ended (filled by the `after` hook, which has the world).
static REQUESTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A screen the way it looks: title, text, buttons.
pub fn screen_text(view: &ScreenView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "┌─ 画面: {}", view.title);
    for paragraph in &view.body {
        let short: String = paragraph.chars().take(70).collect();
        let more = if paragraph.chars().count() > 70 { "…" } else { "" };
        let _ = writeln!(out, "│ {}{more}", short.replace('\n', " "));
    }
    if let Some(input) = &view.input {
        // The value in brackets, so an empty field or trailing spaces show; its error under it.
        let _ = writeln!(out, "│ ✎ {}: 「{}」", input.label, input.value);
        if let Some(error) = &input.error {
            let _ = writeln!(out, "│   ✖ {error}");
        }
    }
    if let Some(notice) = &view.notice {
        let _ = writeln!(out, "│ ⚠ {notice}");
    }
    let buttons: Vec<_> = view.buttons.iter().map(|b| format!("[{}]", b.label)).collect();
    let _ = write!(out, "└─ {}", if view.busy { "（処理中…）".to_owned() } else { buttons.join(" ") });
    out
}

/// Indents every line of `text` by `by` spaces.
pub fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// Keeps a screen the app showed (printed with its step by the console writer).
pub fn print_screen(view: &ScreenView) {
    let node = smarthems::flow::graph::node_name(&view.screen);
    HAPPENINGS.lock().unwrap().push((SystemTime::now(), Happening::Screen { node, text: screen_text(view) }));
}

/// Kept for the step files: the screen is already kept by `print_screen`.
pub fn record_screen(_view: &ScreenView) {}

/// Something the user did, in the path.
pub fn note(what: &str) {
    HAPPENINGS.lock().unwrap().push((SystemTime::now(), Happening::Note(what.to_owned())));
}

/// What happened up to `until` (and was not yet taken).
pub fn take_happenings(until: SystemTime) -> Vec<Happening> {
    let mut all = HAPPENINGS.lock().unwrap();
    let split = all.iter().position(|(at, _)| *at > until).unwrap_or(all.len());
    all.drain(..split).map(|(_, h)| h).collect()
}

/// Forgets what happened before a scenario started (another run's leftovers).
pub fn clear_happenings() {
    HAPPENINGS.lock().unwrap().clear();
}

pub fn set_requests(requests: Vec<String>) {
    *REQUESTS.lock().unwrap() = requests;
}

pub fn take_requests() -> Vec<String> {
    std::mem::take(&mut *REQUESTS.lock().unwrap())
}

pub fn push_scenario(scenario: ScenarioRecord) {
    SCENARIOS.lock().unwrap().push(scenario);
}

/// Every scenario run so far.
pub fn scenarios() -> Vec<ScenarioRecord> {
    SCENARIOS.lock().unwrap().clone()
}

/// What the top of the report says about the run.
#[derive(Clone, Debug, Default)]
pub struct RunInfo {
    /// When the run started, UTC, e.g. `2026-11-29 10:15:03 UTC`.
    pub started: String,
    pub commit: String,
    /// `simulated cloud (embedded)` or the real environment's URLs (no secrets).
    pub environment: String,
    pub millis: u128,
    /// The filter and path the run was given.
    pub selection: String,
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:sans-serif;max-width:72em;margin:auto;padding:0 1em}\
    .ok{color:#060}.ng{color:#b00}.skip{color:#888}\
    #totals{font-size:1.3em;font-weight:bold}\
    section.scenario{border-top:1px solid #ccc;padding:.3em 0}\
    section.ng h3{color:#b00}section.ok h3{color:#060;font-weight:normal;font-size:1em}\
    .reason{background:#fee;border-left:4px solid #b00;padding:.5em;white-space:pre-wrap}\
    table.steps{border-collapse:collapse;width:100%}table.steps td{vertical-align:top;padding:2px 6px}\
    td.ms{text-align:right;color:#666;white-space:nowrap}\
    pre.screen{background:#f6f6f6;margin:.2em 0;padding:.3em;font-size:.85em}\
    .note{color:#444;font-size:.9em}.requests{font-size:.85em;color:#333}\
    .uncovered{font-size:.85em;columns:2}";

/// Writes the run's HTML page; returns (passed, failed) scenarios.
pub fn write_html(path: &Path, info: &RunInfo, coverage_html: &str) -> std::io::Result<(usize, usize)> {
    let scenarios = scenarios();
    let passed = scenarios.iter().filter(|s| s.passed).count();
    let failed = scenarios.len() - passed;
    let mut html = format!("<!doctype html><meta charset=utf-8><title>smarthems QA</title><style>{STYLE}</style>");
    html.push_str("<h1>smarthems — QA report</h1><table class=info>");
    for (k, v) in [
        ("run", info.started.as_str()),
        ("commit", info.commit.as_str()),
        ("environment", info.environment.as_str()),
        ("selection", info.selection.as_str()),
    ] {
        let _ = write!(html, "<tr><th align=left>{k}</th><td>{}</td></tr>", escape(v));
    }
    let _ = write!(
        html,
        "<tr><th align=left>time</th><td>{:.1} s</td></tr></table>\
         <p id=totals><span class=ok>{passed} passed</span>, <span class={}>{failed} failed</span> \
         of {} scenarios</p>",
        info.millis as f64 / 1000.0,
        if failed > 0 { "ng" } else { "ok" },
        scenarios.len()
    );
    // Written beside the run folders by `bash scripts/android-check.sh` (part of the test command).
    html.push_str(
        "<p><a href=\"../screens/index.html\">画面の描画 — every screen kind as the Android shell draws it</a> \
         (rendered from the real core by <code>bash scripts/android-check.sh</code>)</p>",
    );
    html.push_str(coverage_html);
    // Failures first: what QA opens the page for.
    let ordered = scenarios.iter().filter(|s| !s.passed).chain(scenarios.iter().filter(|s| s.passed));
    for s in ordered {
        scenario_html(&mut html, s, path.parent());
    }
    std::fs::write(path, html)?;
    Ok((passed, failed))
}

fn scenario_html(html: &mut String, s: &ScenarioRecord, dir: Option<&Path>) {
    let class = if s.passed { "ok" } else { "ng" };
    let mark = if s.passed { "✔" } else { "✘" };
    let _ = write!(
        html,
        "<section class=\"scenario {class}\"><h3>{mark} {} <small>— {} · {:.2} s</small></h3>",
        escape(&s.name),
        escape(&s.feature),
        s.millis as f64 / 1000.0
    );
    if let Some((step, reason)) = &s.failure {
        let _ = write!(html, "<div class=reason><b>failed at: {}</b>\n{}</div>", escape(step), escape(reason));
    }
    let open = if s.passed { "" } else { " open" };
    let _ = write!(
        html,
        "<details{open}><summary>{} steps, screens and requests</summary><table class=steps>",
        s.steps.len()
    );
    for step in &s.steps {
        let (class, mark) = match step.ok {
            Some(true) => ("ok", "✔"),
            Some(false) => ("ng", "✘"),
            None => ("skip", "–"),
        };
        let _ = write!(
            html,
            "<tr class={class}><td>{mark}</td><td>{}</td><td class=ms>{} ms</td></tr><tr><td></td><td colspan=2>",
            escape(&step.text),
            step.millis
        );
        for h in &step.happened {
            match h {
                Happening::Note(n) => {
                    let _ = write!(html, "<div class=note>▶ {}</div>", escape(n));
                }
                Happening::Screen { node, text } => {
                    let png = phone_screen(dir, node);
                    let link = png.map(|p| format!(" <a href=\"{p}\">phone screen</a>")).unwrap_or_default();
                    let _ = write!(html, "<pre class=screen>{}</pre>{link}", escape(text));
                }
            }
        }
        html.push_str("</td></tr>");
    }
    html.push_str("</table>");
    let _ = write!(html, "<div class=requests><b>requests the simulated cloud saw ({})</b><ol>", s.requests.len());
    for r in &s.requests {
        let _ = write!(html, "<li>{}</li>", escape(r));
    }
    html.push_str("</ol></div></details></section>");
}

/// The rendered phone screen of this node, if the Android suite made one: `../screens/NN-<kind>.png`
/// (its kinds are the screen's name, `Busy` and `Problem` without their detail).
fn phone_screen(dir: Option<&Path>, node: &str) -> Option<String> {
    static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let files = FILES.get_or_init(|| {
        let screens = dir.and_then(Path::parent).map(|d| d.join("screens"));
        let entries = screens.and_then(|d| std::fs::read_dir(d).ok()).into_iter().flatten().flatten();
        let mut names: Vec<String> = entries.map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    });
    let kind = node.split('_').next().unwrap_or(node);
    [node, kind].iter().find_map(|k| {
        let tail = format!("-{k}.png");
        files.iter().find(|f| f.ends_with(&tail)).map(|f| format!("../screens/{f}"))
    })
}

/// A run's own folder under `base`, named by the time in Japan (where QA works):
/// `2026-11-29T19-15-03+0900` (a suffix if that exists), with `base/latest` pointing at it.
/// Returns the folder and the run's start in words.
pub fn run_folder(base: &Path) -> std::io::Result<(PathBuf, String)> {
    std::fs::create_dir_all(base)?;
    let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let japan = smarthems::flow::support::japan_time(secs);
    let (h, m, s) = (japan.minute / 60, japan.minute % 60, secs % 60);
    let stamp = format!("{}T{h:02}-{m:02}-{s:02}+0900", japan.date);
    let mut dir = base.join(&stamp);
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = base.join(format!("{stamp}-{n}"));
    }
    std::fs::create_dir_all(&dir)?;
    prune(base, KEEP_RUNS);
    let latest = base.join("latest");
    let _ = std::fs::remove_file(&latest);
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.file_name().expect("a folder name"), &latest)?;
    Ok((dir, format!("{} {h:02}:{m:02}:{s:02} JST (UTC+9)", japan.date)))
}

/// How many run folders are kept (the oldest go first).
const KEEP_RUNS: usize = 30;

/// Removes all but the newest `keep` run folders under `base` (named by their time, they sort
/// oldest first); nothing else there (`screens/`, `latest`, the graph cache) is touched.
fn prune(base: &Path, keep: usize) {
    let is_run = |name: &str| name.len() >= 24 && name.as_bytes()[0].is_ascii_digit() && name.contains("+0900");
    let mut runs: Vec<PathBuf> = std::fs::read_dir(base)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && is_run(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    runs.sort();
    let old = runs.len().saturating_sub(keep);
    for run in &runs[..old] {
        let _ = std::fs::remove_dir_all(run);
    }
}

/// The commit the run was built from (`abc1234`, `+dirty` with uncommitted changes).
pub fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(hash) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            format!("{hash}{}", if dirty { " (+ uncommitted changes)" } else { "" })
        }
        None => "unknown (not a git checkout)".into(),
    }
}

#[cfg(test)]
mod tests {

    /// QA reads what the field holds and what is wrong with it in the printed screen.
    #[test]
    fn a_screen_prints_its_fields_value_and_error() {
        use smarthems::flow::{self, Language, NicknameError, Screen, SpeakerDraft, State};
        let draft = SpeakerDraft {
            nickname: "たろう ".into(),
            nickname_error: Some(NicknameError::Empty),
            ..Default::default()
        };
        let state = State { screen: Screen::Nickname, speaker: Some(draft), ..State::default() };
        let text = super::screen_text(&flow::view(&state, Language::Japanese));
        assert!(text.contains("「たろう 」"), "{text}");
        assert!(text.lines().any(|l| l.contains('✖') && l.contains("ニックネーム")), "{text}");
    }
    #[test]
    fn each_run_has_its_own_folder_and_old_ones_go() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("screens")).unwrap();
        for old in ["2026-01-01T09-00-00+0900", "2026-01-02T09-00-00+0900"] {
            std::fs::create_dir(base.path().join(old)).unwrap();
        }
        let (first, _) = super::run_folder(base.path()).unwrap();
        let (second, _) = super::run_folder(base.path()).unwrap();
        assert_ne!(first, second);
        let latest = std::fs::read_link(base.path().join("latest")).unwrap();
        assert_eq!(latest, second.file_name().unwrap());
        super::prune(base.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(base.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let names = |d: &std::path::Path| d.file_name().unwrap().to_string_lossy().into_owned();
        let mut expected = vec![names(&first), names(&second), "latest".into(), "screens".into()];
        expected.sort();
        assert_eq!(left, expected);
    }
}
