//! QA's main job: runs the Gherkin features against the embedded simulated cloud (or a real
//! environment, see docs/qa.md), printing each screen the app shows.
//!
//! Usage: harness [--tags EXPR] [--name TEXT] [FEATURE FILE OR FOLDER]   (default: tests/harness/features)
//! `--tags 'not @sim'` (or `SMARTHEMS_TAGS='not @sim'`) leaves out the scenarios that need the
//! simulated cloud; `--name` runs the scenarios whose name contains the text.

#[tokio::main]
async fn main() {
    let (filter, features) = match smarthems_harness::Filter::from_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("harness: {message}");
            std::process::exit(2);
        }
    };
    let features = features.unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features"));
    let (passed, failed) = smarthems_harness::run_filtered(&features, filter).await;
    println!("features: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 && passed > 0 { 0 } else { 1 });
}
