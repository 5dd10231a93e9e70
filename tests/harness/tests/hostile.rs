//! The promises of issue 11 as tests with figures: thousands of hostile links let nothing foreign
//! act; no secret reaches SQLite or the logs across a whole flow; faults on every API call end in
//! exactly one registration. Each prints what it did ("N links: …"), sized to run in seconds.

use std::sync::OnceLock;

use smarthems::{Action, ScreenView};
use smarthems_harness::browser::Visit;
use smarthems_harness::{LogBuffer, QaWorld};

/// Every log line of every level, from the first test that asks.
fn logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let to_buffer = buffer.clone();
        let everything = tracing_subscriber::fmt().with_ansi(false).with_max_level(tracing::Level::TRACE);
        let subscriber = everything.with_writer(move || to_buffer.clone()).finish();
        tracing::subscriber::set_global_default(subscriber).expect("the first subscriber of this test binary");
        buffer
    })
}

/// A figure line, written straight to the process's stdout: cargo test keeps what `println!`
/// says in a passing test to itself, and these figures are meant to be seen in every run.
fn figure(line: String) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{line}");
}

async fn world() -> QaWorld {
    <QaWorld as cucumber::World>::new().await.expect("the simulated cloud starts")
}

/// Taps, and while a problem screen offers 「再試行」, retries (at most `retries` times).
async fn tap_through(w: &mut QaWorld, label: &str, retries: u32) -> Result<ScreenView, String> {
    let mut view = w.tap(label).await?;
    for _ in 0..retries {
        if !view.buttons.iter().any(|b| b.label == "再試行") {
            break;
        }
        view = w.tap("再試行").await?;
    }
    Ok(view)
}

/// Fresh install → CLUB Panasonic login in the browser → the app's terms → the speaker question.
async fn logged_in(w: &mut QaWorld) -> Result<ScreenView, String> {
    w.launch().await?;
    w.tap("CLUB Panasonic ログイン画面へ").await?;
    let page = w.browser.open(&w.last_opened_url()?).await?;
    let (email, password) = (w.email.clone(), w.password.clone());
    let Visit::Redirect(back) = w.browser.log_in(&page, &email, &password).await? else {
        return Err("the login did not redirect".into());
    };
    w.hand_back(back).await?;
    tap_through(w, "同意する", 5).await
}

/// From the speaker question to 「Google Home と連携」 (B 12–18), retrying what fails.
async fn registered(w: &mut QaWorld, before_each: impl Fn(&QaWorld, &str)) -> Result<ScreenView, String> {
    before_each(w, "はい");
    tap_through(w, "はい", 5).await?;
    w.app()?.tap(Action::EditNickname { text: "たろう".into() }).await;
    for label in ["登録する", "同意する", "リビングのエアコン", "次へ", "Google Home", "同意する", "登録"]
    {
        before_each(w, label);
        tap_through(w, label, 5).await?;
    }
    w.screen()
}

/// Links a hostile party could hand the app (another app, a web page, a QR code), none of them
/// this service's: other schemes, look-alike origins, the redirect scheme while no login is under
/// way, and random damage to the real links. Deterministic (a fixed-seed generator).
fn hostile_links(own: &str, n: usize) -> Vec<String> {
    let own_url = url::Url::parse(own).unwrap();
    let port = own_url.port().unwrap_or(80);
    let fixed = [
        "javascript:alert(document.cookie)".to_owned(),
        "file:///data/data/jp.co.panasonic.smarthems/databases/smarthems.db".into(),
        "intent://scan/#Intent;scheme=zxing;package=evil;end".into(),
        "data:text/html,<script>alert(1)</script>".into(),
        "content://evil.provider/secrets".into(),
        format!("ftp://127.0.0.1:{port}/aiseg/speaker-registration?code=x"),
        format!("https://127.0.0.1:{port}/aiseg/speaker-registration?code=x"),
        format!("http://localhost:{port}/aiseg/speaker-registration?code=x"),
        format!("http://127.0.0.1:{}/aiseg/speaker-registration?code=x", port.wrapping_add(1)),
        "https://evil.example/aiseg/speaker-registration?code=x".into(),
        format!("http://127.0.0.1.evil.example:{port}/aiseg/speaker-registration?code=x"),
        format!("{own}/evil?next=/aiseg/speaker-registration"),
        format!("{own}/app-flip-evil?client_id=google-home"),
        "jp.co.panasonic.smarthems:/oauth2redirect?code=stolen&state=forged".into(),
        "jp.co.panasonic.smarthems://evil.example/oauth2redirect?code=x&state=y".into(),
        format!("jp.co.panasonic.smarthems:/oauth2redirect?code={}&state=y", "A".repeat(100_000)),
        String::new(),
        " ".into(),
        "\u{202e}lmth.evil//:sptth".into(),
    ];
    let seeds = [
        format!("{own}/aiseg/speaker-registration?code=ABCDEFGH"),
        format!("{own}/app-flip?client_id=google-home&redirect_uri=x&state=s&scope=openid"),
        "jp.co.panasonic.smarthems:/oauth2redirect?code=c&state=s&iss=x".into(),
    ];
    let alphabet: Vec<char> = "/?#&=%.:@\\ \0\n<>\"'`{}|^~[]aZ9-_+;,！ａ／．".chars().collect();
    let mut next = smarthems_harness::seeded(0x9E37_79B9_7F4A_7C15);
    let mut links = fixed.to_vec();
    while links.len() < n {
        let mut chars: Vec<char> = seeds[next() as usize % seeds.len()].chars().collect();
        for _ in 0..1 + next() % 4 {
            let at = next() as usize % chars.len();
            let c = alphabet[next() as usize % alphabet.len()];
            match next() % 3 {
                0 => chars[at] = c,
                1 => chars.insert(at, c),
                _ => {
                    chars.remove(at);
                }
            }
        }
        let link: String = chars.into_iter().collect();
        // Damage that leaves this service's own link (same origin and path) is not hostile: the
        // app rightly acts on it (a 2D code with another token), so it is not counted here.
        if let Ok(url) = url::Url::parse(&link) {
            let own_origin = url.origin() == own_url.origin();
            if own_origin && matches!(url.path(), "/aiseg/speaker-registration" | "/app-flip") {
                continue;
            }
        }
        links.push(link);
    }
    links
}

/// (b) Thousands of hostile links, on the welcome screen and in the middle of a registration:
/// each leaves the screen as it was (a notice at most) and sends nothing anywhere.
#[tokio::test]
async fn thousands_of_hostile_links_let_nothing_foreign_act() {
    logs();
    let mut w = world().await;
    let own = w.sim().unwrap().base_url();
    let links = hostile_links(&own, 5_000);
    let (mut refused, mut ignored, mut total) = (0, 0, 0);
    for stage in 0..2 {
        if stage == 0 {
            w.launch().await.unwrap();
        } else {
            logged_in(&mut w).await.unwrap();
            tap_through(&mut w, "はい", 3).await.unwrap();
            w.app().unwrap().tap(Action::EditNickname { text: "たろう".into() }).await;
        }
        for link in &links {
            let before = w.screen().unwrap();
            let sent = w.outbound().unwrap();
            let after = w.open_url(link.clone()).await.unwrap();
            total += 1;
            assert_eq!(w.outbound().unwrap(), sent, "{link:?} made the app send something");
            assert_eq!(
                (&after.screen, &after.title, &after.buttons, &after.input),
                (&before.screen, &before.title, &before.buttons, &before.input),
                "{link:?} changed the screen"
            );
            if after.notice.is_some() {
                refused += 1;
            } else {
                ignored += 1;
            }
        }
    }
    figure(format!(
        "hostile links: {total} handed to the app, {refused} refused with a notice, {ignored} ignored, 0 acted"
    ));
}

/// (c) Every token the app held at any point of a whole flow (login, terms, registration, Google
/// Home's link, a refresh on the way), looked for in the SQLite file, its WAL and every log line.
#[tokio::test]
async fn secrets_never_reach_the_database_or_the_logs_across_a_whole_flow() {
    let logs = logs();
    let mut w = world().await;
    let mut secrets = std::collections::BTreeSet::new();
    let keep = |w: &QaWorld, secrets: &mut std::collections::BTreeSet<String>| {
        secrets.extend(smarthems_harness::secrets_in(&w.secure));
    };
    logged_in(&mut w).await.unwrap();
    keep(&w, &mut secrets);
    w.sim().unwrap().expire_access_tokens(); // a refresh on the way
    let view = registered(&mut w, |_, _| {}).await.unwrap();
    assert_eq!(view.title, "Google Home と連携", "{view:?}");
    keep(&w, &mut secrets);
    w.tap("Google Home 起動").await.unwrap();
    w.sim().unwrap().google_link(&w.web_linker(None)).await.unwrap();
    w.app().unwrap().app_foregrounded().await;
    let view = w.screen().unwrap();
    assert_eq!(view.title, "連携が完了しました", "{view:?}");
    keep(&w, &mut secrets);
    let logged = logs.text();
    let db = w.database_path();
    let database = [std::fs::read(&db).unwrap(), std::fs::read(format!("{db}-wal")).unwrap_or_default()].concat();
    let password = w.password.clone();
    for secret in secrets.iter().chain([&password]) {
        assert!(!logged.contains(secret.as_str()), "a secret reached the log");
        assert!(!database.windows(secret.len()).any(|s| s == secret.as_bytes()), "a secret reached SQLite");
    }
    figure(format!(
        "secrets: {} tokens scanned for in {} bytes of SQLite and {} bytes of logs, 0 found",
        secrets.len(),
        database.len(),
        logged.len()
    ));
}

/// (d) Faults on every API call of the registration (each call's first try answered 500, 502,
/// 503 or 429, or the registration done and its answer lost) end in exactly one registration.
#[tokio::test]
async fn faults_on_every_call_end_in_exactly_one_registration() {
    logs();
    let kinds: [(&str, Option<u16>); 5] =
        [("500", Some(500)), ("502", Some(502)), ("503", Some(503)), ("429", Some(429)), ("lost answer", None)];
    let runs = 30;
    let (mut faults, mut requests) = (0, 0);
    for run in 0..runs {
        let mut w = world().await;
        logged_in(&mut w).await.unwrap();
        let (name, status) = kinds[run % kinds.len()];
        let before = w.sim().unwrap().requests().len();
        let view = registered(&mut w, |w, label| {
            let sim = w.sim().unwrap();
            match status {
                Some(status) => sim.fail_next("/api/v1/", status, 1 + (run as u32 % 2)),
                None if label == "登録" => sim.lose_next_response("/api/v1/me/speaker-registrations/"),
                None => {}
            }
        })
        .await
        .unwrap();
        let sim = w.sim().unwrap();
        assert_eq!(view.title, "Google Home と連携", "run {run} ({name}): {view:?}");
        assert_eq!(sim.speaker_registrations(&w.email).len(), 1, "run {run} ({name})");
        let made = sim.registration_puts(&w.email).iter().flatten().collect::<std::collections::BTreeSet<_>>().len();
        assert_eq!(made, 1, "run {run} ({name}): one registration id");
        faults += if status.is_some() { 8 * (1 + run % 2) } else { 1 };
        requests += sim.requests().len() - before;
    }
    figure(format!(
        "API faults: {runs} runs, {faults} faults scheduled, {requests} requests, {runs} ended with exactly one registration"
    ));
}
