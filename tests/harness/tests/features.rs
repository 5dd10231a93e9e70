//! Runs every feature file through the harness (the same runner as QA's main job).

#[tokio::main]
async fn main() {
    let features = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let (passed, failed) = smarthems_harness::run(&features).await;
    println!("features: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 && passed > 0 { 0 } else { 1 });
}
