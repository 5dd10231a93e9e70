//! Runs the simulated cloud as a process, for tests that are not written in Rust (the phone
//! shells' UI tests). Prints one JSON line with the URLs, then serves until stdin closes, so a
//! test runner that dies cannot leave it behind; SIGTERM and ctrl-c end it through their default
//! action.
//!
//! Usage: `simcloud [--port N]` (logs go to stderr; stdout carries only the JSON line).

use std::io::Write as _;

use smarthems_simcloud::SimCloud;
use tokio::io::AsyncReadExt as _;

fn port_from_args() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                port = value.parse().map_err(|_| format!("--port: not a port number: {value}"))?;
            }
            other => return Err(format!("unknown argument {other}; usage: simcloud [--port N]")),
        }
    }
    Ok(port)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let port = match port_from_args() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("simcloud: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let cloud = match SimCloud::start_on_port(port).await {
        Ok(cloud) => cloud,
        Err(error) => {
            eprintln!("simcloud: cannot bind 127.0.0.1:{port}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let line = serde_json::json!({
        "base_url": cloud.base_url(),
        "issuer": cloud.issuer(),
        "api_base": cloud.api_base(),
        "control_url": cloud.control_url(),
    });
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}").and_then(|()| stdout.flush()).is_err() {
        return std::process::ExitCode::FAILURE;
    }
    drop(stdout);

    // Serve until the parent closes our stdin (or the process is signalled).
    let mut stdin = tokio::io::stdin();
    let mut buffer = [0u8; 256];
    while matches!(stdin.read(&mut buffer).await, Ok(n) if n > 0) {}
    tracing::info!("stdin closed, stopping");
    drop(cloud);
    std::process::ExitCode::SUCCESS
}
