//! What QA reads: each screen printed as the app shows it, and the path each scenario took,
//! written as an HTML page (`target/qa-report/index.html`) next to the JUnit XML.

use std::fmt::Write as _;
use std::sync::Mutex;

use smarthems::ScreenView;

struct Scenario {
    name: String,
    steps: Vec<String>,
    passed: Option<bool>,
}

static SCENARIOS: Mutex<Vec<Scenario>> = Mutex::new(Vec::new());

/// Prints a screen the way it looks: title, text, buttons.
pub fn print_screen(view: &ScreenView) {
    let mut out = String::new();
    let _ = writeln!(out, "    ┌─ 画面: {}", view.title);
    for paragraph in &view.body {
        let short: String = paragraph.chars().take(70).collect();
        let more = if paragraph.chars().count() > 70 { "…" } else { "" };
        let _ = writeln!(out, "    │ {}{more}", short.replace('\n', " "));
    }
    if let Some(notice) = &view.notice {
        let _ = writeln!(out, "    │ ⚠ {notice}");
    }
    let buttons: Vec<_> = view.buttons.iter().map(|b| format!("[{}]", b.label)).collect();
    let _ = writeln!(out, "    └─ {}", if view.busy { "（処理中…）".to_owned() } else { buttons.join(" ") });
    print!("{out}");
}

pub fn begin_scenario(name: &str) {
    println!("\n=== シナリオ: {name}");
    SCENARIOS.lock().unwrap().push(Scenario { name: name.to_owned(), steps: Vec::new(), passed: None });
}

pub fn end_scenario(passed: bool) {
    if let Some(s) = SCENARIOS.lock().unwrap().last_mut() {
        s.passed = Some(passed);
    }
}

fn push(step: String) {
    if let Some(s) = SCENARIOS.lock().unwrap().last_mut() {
        s.steps.push(step);
    }
}

pub fn record_screen(view: &ScreenView) {
    push(format!("画面: {}", view.title));
}

/// Something the user did, in the path.
pub fn note(what: &str) {
    println!("    ▶ {what}");
    push(format!("▶ {what}"));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Writes the HTML page of every scenario's path; returns (passed, failed).
pub fn write_html(path: &std::path::Path) -> std::io::Result<(usize, usize)> {
    let scenarios = SCENARIOS.lock().unwrap();
    let passed = scenarios.iter().filter(|s| s.passed == Some(true)).count();
    let failed = scenarios.len() - passed;
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><title>smarthems QA</title>\
         <style>body{font-family:sans-serif;max-width:60em;margin:auto}li.ok{color:#060}li.ng{color:#a00}\
         ol{font-size:.9em}.screen{font-weight:bold}</style><h1>smarthems — QA report</h1>",
    );
    let _ = write!(html, "<p>{passed} passed, {failed} failed</p>");
    // Written beside this page by `bash scripts/android-check.sh` (part of the test command).
    html.push_str(
        "<p><a href=\"screens/index.html\">画面の描画 — every screen kind as the Android shell draws it</a> \
         (rendered from the real core by <code>bash scripts/android-check.sh</code>)</p><ul>",
    );
    for s in scenarios.iter() {
        let class = if s.passed == Some(true) { "ok" } else { "ng" };
        let _ = write!(html, "<li class={class}><details><summary>{}</summary><ol>", escape(&s.name));
        for step in &s.steps {
            let class = if step.starts_with("画面") { " class=screen" } else { "" };
            let _ = write!(html, "<li{class}>{}</li>", escape(step));
        }
        html.push_str("</ol></details></li>");
    }
    html.push_str("</ul>");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, html)?;
    Ok((passed, failed))
}
