//! QA's main job: runs the Gherkin features against the embedded simulated cloud (or a real
//! environment, see docs/qa.md), printing each screen the app shows.
//!
//! Usage: harness [FEATURE FILE OR FOLDER]   (default: tests/harness/features)

#[tokio::main]
async fn main() {
    let features = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features"));
    let (passed, failed) = smarthems_harness::run(&features).await;
    println!("features: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 && passed > 0 { 0 } else { 1 });
}
