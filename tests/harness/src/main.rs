//! QA's main job: runs the Gherkin features against the embedded simulated cloud (or a real
//! environment, see docs/qa.md), one line per step.
//!
//! Usage: harness [--verbose] [--tags EXPR] [--name TEXT] [FEATURE FILE OR FOLDER]   (default: tests/harness/features)
//!        harness walk                                   the app in the terminal, by hand
//!        harness load [--users N] [--concurrency N] [--seconds N] [--out FILE]
//! `--tags 'not @sim'` (or `SMARTHEMS_TAGS='not @sim'`) leaves out the scenarios that need the
//! simulated cloud; `--name` runs the scenarios whose name contains the text.

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("walk") => exit(smarthems_harness::walk::walk().await.map(|()| true)),
        Some("load") => match smarthems_harness::load::LoadOptions::from_args(&args[1..]) {
            Ok(options) => exit(smarthems_harness::load::load(options).await),
            Err(message) => exit(Err(message)),
        },
        _ => features(args).await,
    }
}

fn exit(result: Result<bool, String>) -> ! {
    match result {
        Ok(ok) => std::process::exit(if ok { 0 } else { 1 }),
        Err(message) => {
            eprintln!("harness: {message}");
            std::process::exit(2);
        }
    }
}

async fn features(args: Vec<String>) {
    let (filter, features) = match smarthems_harness::Filter::from_args(args) {
        Ok(parsed) => parsed,
        Err(message) => exit(Err(message)),
    };
    let features = features.unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features"));
    let (passed, failed) = smarthems_harness::run_filtered(&features, filter).await;
    println!("features: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 && passed > 0 { 0 } else { 1 });
}
