//! The real-environment mode, proven against the simulated cloud started as a separate process
//! (the `simcloud` binary): the harness binary is configured only through the `SMARTHEMS_*`
//! variables, as QA would point it at a real CLUB Panasonic ID and Smart HEMS API, and runs the
//! scenarios not tagged `@sim`. The manual browser mode (`SMARTHEMS_BROWSER=manual`) is driven
//! by a scripted browser that reads the printed URL, logs in over HTTP and types the redirect
//! back on the harness's standard input.
//!
//! Each scenario gets its own cloud process: the features start from an account that has agreed
//! to nothing yet, as a real environment's test account must be before each scenario.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use smarthems_harness::browser::{Browser, Visit};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the `simcloud` binary (another package's, so cargo does not build it for this test)
/// and returns its path. The whole workspace with every target, as the scripts build it: `-p
/// smarthems-simcloud` alone would resolve its dependencies' features without the other members'
/// (serde_json, memchr, syn, …) and compile them again, and then the next workspace build would
/// too; so this is fresh after `cargo test --workspace` or scripts/test.sh's build.
fn simcloud_binary() -> PathBuf {
    let mut cargo = Command::new(env!("CARGO"));
    // Cargo gives this test the variables it gives build scripts (CARGO_MANIFEST_DIR, OUT_DIR, …);
    // build scripts that watch them would then rebuild for this build and again for the next
    // ordinary one.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let per_package = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_BIN_",
            "CARGO_CRATE_",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_CURRENT_DIR",
        ];
        if key == "OUT_DIR" || per_package.iter().any(|p| key.starts_with(p)) {
            cargo.env_remove(key);
        }
    }
    let output = cargo
        .args(["build", "--quiet", "--message-format=json", "--workspace", "--all-targets"])
        .current_dir(workspace())
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "the simcloud binary does not build");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact" && m["target"]["name"] == "simcloud" && m["profile"]["test"] == false
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the simcloud executable")
}

/// The simulated cloud as a process; it stops when its standard input closes (on drop).
struct CloudProcess {
    child: Child,
    urls: serde_json::Value,
}

impl CloudProcess {
    fn start(binary: &Path) -> CloudProcess {
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("simcloud starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("simcloud prints its URLs");
        let urls = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not one JSON line ({e}): {line}"));
        CloudProcess { child, urls }
    }

    fn url(&self, key: &str) -> String {
        self.urls[key].as_str().unwrap_or_else(|| panic!("simcloud printed no {key}")).to_owned()
    }

    /// The paths the cloud process was asked for (its own record, through its control port).
    fn requested_paths(&self) -> Vec<String> {
        let url = format!("{}/requests", self.url("control_url").trim_end_matches('/'));
        let body = tokio::runtime::Runtime::new().unwrap().block_on(async {
            reqwest::get(&url).await.expect("the control port answers").json::<serde_json::Value>().await.unwrap()
        });
        body.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap_or_default().to_owned()).collect()
    }
}

impl Drop for CloudProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The harness binary, configured only through `SMARTHEMS_*` (none inherited from this process).
fn harness(cloud: &CloudProcess, report: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SMARTHEMS_")) {
        command.env_remove(key);
    }
    command
        .env("SMARTHEMS_ISSUER", cloud.url("issuer"))
        .env("SMARTHEMS_CLOUD_BASE_URL", cloud.url("api_base"))
        .env("SMARTHEMS_REPORT_DIR", report)
        .args(args)
        .current_dir(workspace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits for the harness, killing it after two minutes; returns (succeeded, stdout and stderr).
fn finish(mut child: Child, stdout: mpsc::Receiver<String>) -> (bool, String) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The reading threads end with the process; give them a moment to pass on the last lines.
    std::thread::sleep(Duration::from_millis(100));
    let out: Vec<String> = stdout.try_iter().collect();
    let text = format!("{}{}", out.join("\n"), if status.is_none() { "\n(killed after 2 minutes)" } else { "" });
    (status.is_some_and(|s| s.success()), text)
}

/// Every line the child prints (standard output and error), through a channel, so a test can
/// answer it while it runs and no pipe fills up.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    fn pass_on(from: impl std::io::Read + Send + 'static, to: mpsc::Sender<String>) {
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines().map_while(Result::ok) {
                if to.send(line).is_err() {
                    break;
                }
            }
        });
    }
    pass_on(child.stdout.take().unwrap(), send.clone());
    pass_on(child.stderr.take().unwrap(), send);
    receive
}

fn features() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
}

#[test]
fn the_scenarios_not_tagged_sim_pass_against_a_separate_cloud_configured_only_by_environment() {
    let binary = simcloud_binary();
    let scenarios = smarthems_harness::tags::scenarios(&features()).unwrap();
    let real: Vec<_> = scenarios.iter().filter(|s| !s.tagged_sim()).collect();
    assert!(real.len() >= 8, "only {} scenarios can run against a real environment", real.len());
    let report = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for scenario in &real {
        let cloud = CloudProcess::start(&binary);
        let file = scenario.file.to_string_lossy().into_owned();
        let mut child = harness(&cloud, report.path(), &["--tags", "not @sim", "--name", &scenario.name, &file])
            .spawn()
            .expect("the harness starts");
        let out = lines_of(&mut child);
        let (ok, output) = finish(child, out);
        // Exactly this scenario ran, against the process (the app's requests reached it).
        if !ok || !output.contains("features: 1 passed, 0 failed") {
            failures.push(format!("「{}」:\n{output}", scenario.name));
            continue;
        }
        let paths = cloud.requested_paths();
        if !paths.iter().any(|p| p.starts_with("/api/v1/")) {
            failures.push(format!("「{}」: the cloud process saw no API request: {paths:?}", scenario.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} scenario(s) failed:\n{}", failures.len(), real.len(), failures.join("\n\n"));
}

/// A scenario tagged @sim fails there with a clear message rather than passing by accident.
#[test]
fn a_scenario_tagged_sim_fails_there_and_says_why() {
    let binary = simcloud_binary();
    let cloud = CloudProcess::start(&binary);
    let report = tempfile::tempdir().unwrap();
    let file = features().join("login_and_network_trouble.feature");
    let file = file.to_string_lossy();
    let mut child = harness(&cloud, report.path(), &["--name", "通信できないときは", &file]).spawn().unwrap();
    let out = lines_of(&mut child);
    let (ok, output) = finish(child, out);
    assert!(!ok, "a simulated-cloud step passed against a real environment:\n{output}");
    assert!(output.contains("cannot run against a real environment"), "{output}");
    // And `--tags 'not @sim'` leaves it out: nothing runs, which the harness counts as a failure.
    let mut child =
        harness(&cloud, report.path(), &["--tags", "not @sim", "--name", "通信できないときは", &file]).spawn().unwrap();
    let out = lines_of(&mut child);
    let (ok, output) = finish(child, out);
    assert!(!ok && output.contains("features: 0 passed, 0 failed"), "{output}");
}

/// `SMARTHEMS_BROWSER=manual`: the harness prints the authorize URL and waits for the redirect
/// URL on its standard input; a scripted browser plays the person.
#[test]
fn the_manual_browser_mode_reads_the_redirect_a_person_pastes() {
    let binary = simcloud_binary();
    let cloud = CloudProcess::start(&binary);
    let report = tempfile::tempdir().unwrap();
    let file = features().join("a_app_only.feature");
    let mut child =
        harness(&cloud, report.path(), &["--name", "どの画面でアプリを終了しても", &file.to_string_lossy()])
            .env("SMARTHEMS_BROWSER", "manual")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
    let lines = lines_of(&mut child);
    let mut stdin = child.stdin.take().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let browser = Browser::new("jp.co.panasonic.smarthems:/oauth2redirect");
    let (mut seen, mut asked, mut next_is_url) = (Vec::new(), 0, false);
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) else {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            continue;
        };
        if next_is_url {
            asked += 1;
            let url = line.trim().to_owned();
            assert!(url.starts_with(&format!("{}/", cloud.url("issuer"))), "the harness asked for {url}");
            assert!(url.contains("code_challenge_method=S256"), "{url}");
            let redirect = runtime.block_on(async {
                let page = browser.open(&url).await.unwrap();
                match browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() {
                    Visit::Redirect(r) => r,
                    Visit::LoginPage { html, .. } => panic!("the login did not redirect: {html}"),
                }
            });
            writeln!(stdin, "{redirect}").unwrap();
            stdin.flush().unwrap();
        }
        next_is_url = line.starts_with("Open this URL in a browser");
        seen.push(line);
    }
    drop(stdin);
    let (ok, rest) = finish(child, lines);
    let output = format!("{}\n{rest}", seen.join("\n"));
    assert_eq!(asked, 1, "the harness asked for the browser {asked} time(s):\n{output}");
    assert!(ok && output.contains("features: 1 passed, 0 failed"), "{output}");
}
