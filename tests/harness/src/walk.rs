//! `harness walk`: the app in a terminal, against the simulated cloud (or the real environment
//! the `SMARTHEMS_*` variables name). QA explores by hand: the screen, its buttons numbered; type
//! a number to tap, or a command (`?` lists them).

use std::io::{BufRead as _, Write as _};

use smarthems::flow::Action;

use crate::browser::Visit;
use crate::report::{self, Happening};
use crate::world::QaWorld;

const HELP: &str = "\
commands:
  N            tap button N
  t TEXT       type TEXT into the screen's text field
  b            the browser: log in on the page the app opened (as the test account) and come back
  bx           the browser: tap キャンセル on the login page and come back
  l URL        hand the app a link (a redirect, a 2D code's link, anything)
  f            bring the app back to the foreground (back from the browser or Google Home)
  r            kill the app and start it again from its files
  s            show the screen again
  q            quit";

/// Runs the walk on stdin/stdout until `q` or the end of input.
pub async fn walk() -> Result<(), String> {
    let mut w = QaWorld::new().await.map_err(|e| e.to_string())?;
    w.sim_allowed = true;
    println!("harness walk — {}", crate::environment());
    println!("account: {} (SMARTHEMS_EMAIL/SMARTHEMS_PASSWORD for another)", w.email);
    println!("{HELP}\n");
    report::take_happenings(std::time::SystemTime::now());
    w.launch().await?;
    show(&w)?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        print!("> ");
        let _ = std::io::stdout().flush();
        let Some(Ok(line)) = lines.next() else { break };
        let line = line.trim().to_owned();
        if line == "q" {
            break;
        }
        match command(&mut w, &line).await {
            Ok(true) => show(&w)?,
            Ok(false) => {}
            Err(e) => println!("✘ {e}"),
        }
    }
    println!("bye");
    Ok(())
}

/// Does one command; true when the screen is to be shown again.
async fn command(w: &mut QaWorld, line: &str) -> Result<bool, String> {
    let (word, rest) = line.split_once(' ').map(|(a, b)| (a, b.trim())).unwrap_or((line, ""));
    match word {
        "" => Ok(false),
        "?" | "h" | "help" => {
            println!("{HELP}");
            Ok(false)
        }
        "s" => Ok(true),
        "r" => w.restart().await.map(|_| true),
        "f" => {
            w.app()?.app_foregrounded().await;
            Ok(true)
        }
        "t" => {
            w.app()?.tap(Action::EditNickname { text: rest.to_owned() }).await;
            Ok(true)
        }
        "l" if !rest.is_empty() => w.hand_back(rest.to_owned()).await.map(|_| true),
        "b" | "bx" => browser(w, word == "bx").await.map(|_| true),
        n => {
            let n: usize = n.parse().map_err(|_| format!("not a command: {line} (? lists them)"))?;
            let label =
                w.screen()?.buttons.get(n.wrapping_sub(1)).map(|b| b.label.clone()).ok_or(format!("no button {n}"))?;
            w.tap(&label).await.map(|_| true)
        }
    }
}

/// Plays the system browser on the page the app opened last.
async fn browser(w: &mut QaWorld, cancel: bool) -> Result<(), String> {
    let page = w.browser.open(&w.last_opened_url()?).await?;
    let answer = match (&page, cancel) {
        (Visit::Redirect(_), _) => page,
        (_, true) => w.browser.cancel(&page).await?,
        (_, false) => w.browser.log_in(&page, &w.email, &w.password).await?,
    };
    match answer {
        Visit::Redirect(url) => w.hand_back(url).await.map(drop),
        Visit::LoginPage { html, .. } => Err(format!(
            "the login page says: {}",
            crate::browser::text_of(&html).chars().take(120).collect::<String>()
        )),
    }
}

/// Prints the screens passed through since the last command, then the current one, its
/// buttons numbered.
fn show(w: &QaWorld) -> Result<(), String> {
    let passed: Vec<String> = report::take_happenings(std::time::SystemTime::now())
        .into_iter()
        .filter_map(|h| match h {
            Happening::Screen { node, .. } => Some(node),
            Happening::Note(_) => None,
        })
        .collect();
    if passed.len() > 1 {
        println!("  (via {})", passed[..passed.len() - 1].join(" → "));
    }
    let view = w.screen()?;
    let text = report::screen_text(&view);
    // The last line lists the buttons; here they are numbered, one a line.
    for line in text.lines().filter(|l| !l.starts_with("└─")) {
        println!("{line}");
    }
    println!("└─ [{}]{}", smarthems::flow::graph::node_name(&view.screen), if view.busy { " （処理中…）" } else { "" });
    for (i, b) in view.buttons.iter().enumerate() {
        let state = match (b.enabled, b.checked) {
            (false, _) => " (使えません)",
            (_, Some(true)) => " ☑",
            (_, Some(false)) => " ☐",
            _ => "",
        };
        println!("  {}. {}{state}", i + 1, b.label);
    }
    Ok(())
}
