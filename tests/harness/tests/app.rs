//! The façade as a phone shell meets it, against the simulated cloud: setup rules, the screen
//! stream, no secret in the logs or the database, and no login from an ID token that fails a check.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use smarthems::{Action, Config, MemorySecureStore, Platform, ScreenListener, ScreenView, SmartHems};
use smarthems_harness::browser::{Browser, Visit};
use smarthems_simcloud::{IdTokenFault, SimCloud};

#[derive(Default)]
struct Opened(Mutex<Vec<String>>);
impl Platform for Opened {
    fn open_login_page(&self, url: String) -> Result<(), smarthems::PlatformError> {
        self.0.lock().unwrap().push(url);
        Ok(())
    }
    fn open_google_home(&self, _link: String) -> Result<(), smarthems::PlatformError> {
        Ok(())
    }
    fn open_store(&self) -> Result<(), smarthems::PlatformError> {
        Ok(())
    }
    fn answer_google(&self, _answer: smarthems::flow::AppFlipAnswer) -> Result<(), smarthems::PlatformError> {
        Ok(())
    }
}

#[derive(Default, Debug)]
struct Seen(Mutex<Vec<String>>);
impl ScreenListener for Seen {
    fn on_screen(&self, view: ScreenView) {
        self.0.lock().unwrap().push(view.title);
    }
}

use smarthems_harness::LogBuffer;

fn config(sim: &SimCloud, db: &std::path::Path) -> Config {
    smarthems_harness::world::app_config(
        &sim.issuer(),
        SimCloud::CLIENT_ID,
        SimCloud::REDIRECT_URI,
        &sim.api_base(),
        db,
    )
}

/// A fresh phone with the app started: its browser (no SSO cookie yet), keychain and app.
struct Phone {
    app: Arc<SmartHems>,
    opened: Arc<Opened>,
    secure: Arc<MemorySecureStore>,
    browser: Browser,
}

impl Phone {
    async fn started(sim: &SimCloud, dir: &std::path::Path) -> Phone {
        let (opened, secure) = (Arc::new(Opened::default()), Arc::new(MemorySecureStore::default()));
        let app = SmartHems::new(config(sim, &dir.join("a.db")), opened.clone(), secure.clone()).unwrap();
        app.start().await;
        Phone { app, opened, secure, browser: Browser::new(SimCloud::REDIRECT_URI) }
    }
}

/// An app with test knobs (`Tuning`), its database in `dir`, not started.
fn tuned(sim: &SimCloud, dir: &std::path::Path, opened: &Arc<Opened>, tuning: smarthems::Tuning) -> Arc<SmartHems> {
    let secure = Arc::new(MemorySecureStore::default());
    SmartHems::with_tuning(config(sim, &dir.join("a.db")), opened.clone(), secure, tuning).unwrap()
}

async fn log_in(app: &SmartHems, opened: &Opened, browser: &Browser) {
    app.tap(Action::OpenLogin).await;
    let url = opened.0.lock().unwrap().last().cloned().unwrap();
    let page = browser.open(&url).await.unwrap();
    let Visit::Redirect(back) = browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() else {
        panic!("login did not redirect")
    };
    app.open_url(back).await;
}

#[tokio::test]
async fn a_whole_login_leaves_no_secret_in_logs_or_database() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let (opened, secure, browser) =
        (Arc::new(Opened::default()), Arc::new(MemorySecureStore::default()), Browser::new(SimCloud::REDIRECT_URI));
    let app = SmartHems::new(config(&sim, &db), opened.clone(), secure.clone()).unwrap();
    app.start().await;
    log_in(&app, &opened, &browser).await;
    sim.expire_access_tokens();
    app.tap(Action::AcceptTerms).await; // refreshes the token on the way
    assert_eq!(app.screen().title, "スマートスピーカー連携サービス登録");

    let secrets = smarthems_harness::secrets_in(&secure);
    assert!(secrets.len() >= 2, "expected an access and a refresh token, got {}", secrets.len());
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("access token refreshed"), "the log shows what happened");
    let database =
        [std::fs::read(&db).unwrap(), std::fs::read(dir.path().join("app.db-wal")).unwrap_or_default()].concat();
    for secret in secrets.iter().chain([&"Passw0rd!".to_owned(), &"taro@example.jp".to_owned()]) {
        assert!(!logged.contains(secret.as_str()), "a secret reached the log");
        assert!(!database.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret reached SQLite");
    }
    // The authorization code in the redirect is not logged either.
    assert!(!logged.contains("code="), "a redirect URL reached the log");
}

#[tokio::test]
async fn listeners_get_the_current_screen_first_and_stop_when_dropped() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let opened = Arc::new(Opened::default());
    let app =
        SmartHems::new(config(&sim, &dir.path().join("a.db")), opened.clone(), Arc::new(MemorySecureStore::default()))
            .unwrap();
    let seen = Arc::new(Seen::default());
    let subscription = app.subscribe(seen.clone());
    assert_eq!(*seen.0.lock().unwrap(), ["スマートHEMSサービス"]);
    app.tap(Action::OpenLogin).await;
    assert_eq!(
        *seen.0.lock().unwrap(),
        ["スマートHEMSサービス", "ログイン画面を開いています…", "CLUB Panasonic ログイン"]
    );
    drop(subscription);
    app.tap(Action::CancelLogin).await;
    assert_eq!(seen.0.lock().unwrap().len(), 3, "a dropped subscription hears nothing");
}

#[tokio::test]
async fn only_https_or_loopback_is_accepted_in_the_config() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let good = config(&sim, &dir.path().join("a.db"));
    for (field, bad) in [
        ("issuer", Config { issuer: "http://club.panasonic.example/oidc".into(), ..good.clone() }),
        ("cloud_base_url", Config { cloud_base_url: "http://hems.example/api/v1".into(), ..good.clone() }),
        ("cloud_base_url", Config { cloud_base_url: "file:///etc/passwd".into(), ..good.clone() }),
    ] {
        let error = SmartHems::new(bad, Arc::new(Opened::default()), Arc::new(MemorySecureStore::default())).err();
        assert!(
            matches!(&error, Some(smarthems::SetupError::InsecureUrl { field: f }) if f == field),
            "{field}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_replayed_redirect_is_refused_and_not_exchanged_again() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (opened, browser) = (Arc::new(Opened::default()), Browser::new(SimCloud::REDIRECT_URI));
    let app =
        SmartHems::new(config(&sim, &dir.path().join("a.db")), opened.clone(), Arc::new(MemorySecureStore::default()))
            .unwrap();
    app.tap(Action::OpenLogin).await;
    let url = opened.0.lock().unwrap().last().cloned().unwrap();
    let page = browser.open(&url).await.unwrap();
    let Visit::Redirect(back) = browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() else { panic!() };
    app.open_url(back.clone()).await;
    assert_eq!(app.screen().title, "スマートHEMSサービス利用規約");
    // Log out and start a new login; the old redirect must not log anyone in, nor end the
    // login now waiting.
    app.tap(Action::DeclineTerms).await;
    app.tap(Action::Logout).await;
    app.tap(Action::OpenLogin).await;
    app.open_url(back).await;
    let refused = app.screen();
    assert_eq!((refused.title.as_str(), refused.notice.is_some()), ("CLUB Panasonic ログイン", true));
    assert_eq!(sim.token_exchanges(), 1);
}

/// A shell that calls straight back into the core, blocking, from inside its callbacks: a
/// listener that taps as soon as it sees a screen, and a browser that is cancelled as soon as it
/// opens. Neither may deadlock (the core calls out with no lock held), and the screens still
/// arrive in order.
#[tokio::test]
async fn callbacks_may_call_back_into_the_core() {
    struct Impatient {
        app: OnceLock<Arc<SmartHems>>,
        seen: Mutex<Vec<String>>,
    }
    impl ScreenListener for Impatient {
        fn on_screen(&self, view: ScreenView) {
            self.seen.lock().unwrap().push(view.title.clone());
            if view.title == "CLUB Panasonic ログイン" {
                let app = self.app.get().unwrap().clone();
                futures::executor::block_on(app.tap(Action::OpenHelp));
            }
        }
    }
    struct CancellingBrowser(OnceLock<Arc<SmartHems>>);
    impl Platform for CancellingBrowser {
        fn open_login_page(&self, _url: String) -> Result<(), smarthems::PlatformError> {
            let app = self.0.get().unwrap().clone();
            futures::executor::block_on(app.tap(Action::CancelLogin));
            Ok(())
        }
        fn open_google_home(&self, _link: String) -> Result<(), smarthems::PlatformError> {
            Ok(())
        }
        fn open_store(&self) -> Result<(), smarthems::PlatformError> {
            Ok(())
        }
        fn answer_google(&self, _answer: smarthems::flow::AppFlipAnswer) -> Result<(), smarthems::PlatformError> {
            Ok(())
        }
    }

    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let secure = Arc::new(MemorySecureStore::default());

    // The browser cancels from inside open_login_page: back on the welcome screen, the login
    // page having been shown first.
    let browser = Arc::new(CancellingBrowser(OnceLock::new()));
    let app = SmartHems::new(config(&sim, &dir.path().join("a.db")), browser.clone(), secure.clone()).unwrap();
    browser.0.set(app.clone()).ok();
    let seen = Arc::new(Seen::default());
    let subscription = app.subscribe(seen.clone());
    tokio::time::timeout(Duration::from_secs(20), app.tap(Action::OpenLogin)).await.expect("no deadlock");
    assert_eq!(app.screen().title, "スマートHEMSサービス");
    assert!(seen.0.lock().unwrap().iter().any(|title| title == "CLUB Panasonic ログイン"), "{seen:?}");
    drop((app, subscription));

    // The listener opens help from inside on_screen.
    let app = SmartHems::new(config(&sim, &dir.path().join("b.db")), Arc::new(Opened::default()), secure).unwrap();
    let listener = Arc::new(Impatient { app: OnceLock::new(), seen: Mutex::default() });
    listener.app.set(app.clone()).ok();
    let _subscription = app.subscribe(listener.clone());
    tokio::time::timeout(Duration::from_secs(20), app.tap(Action::OpenLogin)).await.expect("no deadlock");
    assert_eq!(app.screen().title, "ヘルプ・お問い合わせ");
    // The listener hears the screens its own tap caused once it has returned (polled; up to 30 s
    // on a loaded machine).
    for _ in 0..3000 {
        if listener.seen.lock().unwrap().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        *listener.seen.lock().unwrap(),
        [
            "スマートHEMSサービス",
            "ログイン画面を開いています…",
            "CLUB Panasonic ログイン",
            "読み込んでいます…",
            "ヘルプ・お問い合わせ"
        ]
    );
}

/// Every check of the ID token holds on its own: a token broken in just one way (the provider
/// breaks exactly that, see simcloud's `id_token_faults_each_break_exactly_one_check`) ends the
/// login on the refusal screen with nothing kept. The first row, an intact token, shows the same
/// steps do log in, so a refusal below is the token's doing.
#[tokio::test]
async fn a_login_whose_id_token_fails_any_check_is_refused_and_keeps_nothing() {
    let sim = SimCloud::start().await;
    let faults = [
        None,
        Some(IdTokenFault::WrongAudience),
        Some(IdTokenFault::WrongIssuer),
        Some(IdTokenFault::Expired),
        Some(IdTokenFault::WrongNonce),
        Some(IdTokenFault::ForeignKey),
        Some(IdTokenFault::Unsigned),
    ];
    for (n, fault) in faults.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        // A fresh phone each time: no SSO cookie, so every row goes through the login form.
        let Phone { app, opened, secure, browser } = Phone::started(&sim, dir.path()).await;
        if let Some(fault) = fault {
            sim.break_next_id_tokens(fault, 1);
        }
        log_in(&app, &opened, &browser).await;
        assert_eq!(
            sim.token_exchanges() as usize,
            n + 1,
            "{fault:?}: the code was exchanged, the ID token was looked at"
        );
        let (title, kept) = (app.screen().title, smarthems_harness::secrets_in(&secure));
        match fault {
            None => {
                assert_eq!(title, "スマートHEMSサービス利用規約");
                assert!(kept.len() >= 2, "an intact login keeps its tokens");
            }
            Some(fault) => {
                assert_eq!(title, "ログインを完了できませんでした", "{fault:?} was accepted");
                assert!(kept.is_empty(), "{fault:?}: the secure store still holds {} secret(s)", kept.len());
                assert!(secure.values().is_empty(), "{fault:?}: something was kept");
            }
        }
    }
}

/// A refresh may bring a new ID token (OIDC Core §12.2): the core checks it as at login, nonce
/// aside, and it must name the user who logged in. The first row is an intact refresh, which
/// carries on; on every other the provider answers the refresh with tokens whose ID token is
/// broken in one way or is for another person: nothing of them is kept, the session ends with
/// 「もう一度ログインしてください」, and logging in again resumes where the user was.
#[tokio::test]
async fn a_refreshed_id_token_must_verify_and_name_the_same_user() {
    let sim = SimCloud::start().await;
    let faults = [
        None,
        Some(IdTokenFault::WrongSubject),
        Some(IdTokenFault::WrongNonce),
        Some(IdTokenFault::WrongAudience),
        Some(IdTokenFault::WrongIssuer),
        Some(IdTokenFault::Expired),
        Some(IdTokenFault::ForeignKey),
        Some(IdTokenFault::Unsigned),
    ];
    let consent = || sim.app_consent("taro@example.jp");
    for (row, fault) in faults.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let Phone { app, opened, secure, browser } = Phone::started(&sim, dir.path()).await;
        // New terms for every row, so that each has a consent of its own to save.
        let version = format!("2030-01-{:02}", row + 1);
        sim.publish_app_terms(&version, "第1条");
        log_in(&app, &opened, &browser).await;
        assert_eq!(app.screen().title, "スマートHEMSサービス利用規約");
        let before = smarthems_harness::secrets_in(&secure);
        let refreshes = || sim.requests().iter().filter(|r| r.path == "/oidc/token").count();
        let exchanged = refreshes();
        if let Some(fault) = fault {
            sim.break_next_id_tokens(fault, 1);
        }
        // The cloud refuses the access token, so saving the consent refreshes first.
        sim.expire_access_tokens();
        app.tap(Action::AcceptTerms).await;
        let view = app.screen();
        assert_eq!(refreshes(), exchanged + 1, "{fault:?}: one refresh");
        match fault {
            None => {
                assert_eq!(view.title, "スマートスピーカー連携サービス登録");
                assert_eq!(consent().as_deref(), Some(version.as_str()));
                let after = smarthems_harness::secrets_in(&secure);
                // A new access and refresh token (the ID token may be the same JWT within a second).
                assert!(after.iter().filter(|s| !before.contains(s)).count() >= 2, "the refreshed tokens are kept");
            }
            Some(fault) => {
                assert_eq!(view.title, "もう一度ログインしてください", "{fault:?} was accepted");
                assert!(smarthems_harness::secrets_in(&secure).is_empty(), "{fault:?}: tokens were kept");
                assert_ne!(consent().as_deref(), Some(version.as_str()), "{fault:?}: the consent was sent");
                // Logging in again (a fresh browser, so through the form) finishes what was
                // interrupted: the consent is saved and the user goes on.
                log_in(&app, &opened, &Browser::new(SimCloud::REDIRECT_URI)).await;
                assert_eq!(app.screen().title, "スマートスピーカー連携サービス登録", "{fault:?}");
                assert_eq!(consent().as_deref(), Some(version.as_str()));
            }
        }
    }
}

/// The provider rotates its signing key while the app is running: the next refresh (and the next
/// login) carry ID tokens under a key the app has not seen. The app fetches the provider's keys
/// again instead of ending the session.
#[tokio::test]
async fn a_rotated_signing_key_is_fetched_again_not_taken_for_a_forgery() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let Phone { app, opened, secure, browser } = Phone::started(&sim, dir.path()).await;
    log_in(&app, &opened, &browser).await;
    assert_eq!(app.screen().title, "スマートHEMSサービス利用規約");
    let jwks_fetched = || sim.requests().iter().filter(|r| r.path.ends_with("/jwks")).count();
    let fetched = jwks_fetched();

    sim.rotate_signing_key();
    sim.expire_access_tokens();
    app.tap(Action::AcceptTerms).await;
    assert_eq!(
        app.screen().title,
        "スマートスピーカー連携サービス登録",
        "the refresh under the new key ended the session"
    );
    assert!(jwks_fetched() > fetched, "the keys were not fetched again");
    assert!(!smarthems_harness::secrets_in(&secure).is_empty());
}

/// A phone whose browser, Google Home and store all fail to open, and whose Google answer
/// cannot be delivered: each callback throws, as a shell's would.
struct Broken;
impl Platform for Broken {
    fn open_login_page(&self, _url: String) -> Result<(), smarthems::PlatformError> {
        Err(smarthems::PlatformError::Failed { reason: "no browser".into() })
    }
    fn open_google_home(&self, _link: String) -> Result<(), smarthems::PlatformError> {
        Err(smarthems::PlatformError::Failed { reason: "no Google Home, no store".into() })
    }
    fn open_store(&self) -> Result<(), smarthems::PlatformError> {
        Err(smarthems::PlatformError::Unexpected { reason: "ActivityNotFoundException".into() })
    }
    fn answer_google(&self, _answer: smarthems::flow::AppFlipAnswer) -> Result<(), smarthems::PlatformError> {
        Err(smarthems::PlatformError::Failed { reason: "the activity is gone".into() })
    }
}

/// A callback the phone cannot carry out is a notice on the screen the user is on — never a crash
/// or an exception thrown at the shell — and the screen still offers the way to try again.
#[tokio::test]
async fn a_platform_callback_that_fails_is_told_to_the_user_not_a_crash() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = SmartHems::new(
        config(&sim, &dir.path().join("a.db")),
        Arc::new(Broken),
        Arc::new(MemorySecureStore::default()),
    )
    .unwrap();
    app.start().await;
    app.tap(Action::OpenLogin).await;
    // The failure arrives as an event of its own, after the login screen was shown.
    let mut view = app.screen();
    for _ in 0..300 {
        if view.notice.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        view = app.screen();
    }
    assert_eq!(view.title, "CLUB Panasonic ログイン");
    assert!(view.notice.as_deref().is_some_and(|n| n.contains("ブラウザを開けませんでした")), "{:?}", view.notice);
    assert!(view.buttons.iter().any(|b| b.action == Action::OpenLogin), "「ブラウザをもう一度開く」 is still there");
}

/// A damaged database file no longer stops the app on every launch: the app starts over at the
/// welcome screen and says why; the damaged file is kept aside for support.
#[tokio::test]
async fn a_damaged_database_starts_the_app_over_with_a_notice() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    std::fs::write(&db, b"this is not a database, it was cut off by a crash").unwrap();
    let app = SmartHems::new(config(&sim, &db), Arc::new(Opened::default()), Arc::new(MemorySecureStore::default()))
        .expect("the app starts");
    app.start().await;
    let view = app.screen();
    assert_eq!(view.title, "スマートHEMSサービス");
    assert!(view.notice.as_deref().is_some_and(|n| n.contains("最初の画面から始めます")), "{:?}", view.notice);
    assert!(dir.path().join("a.db.unreadable").exists());
}

/// A double tap on 「CLUB Panasonic ログイン画面へ」 opens one login page: a second browser would
/// make the first page's login fail.
#[tokio::test]
async fn a_double_tap_does_one_thing() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::started(&sim, dir.path()).await;
    tokio::join!(phone.app.tap(Action::OpenLogin), phone.app.tap(Action::OpenLogin));
    assert_eq!(phone.app.screen().title, "CLUB Panasonic ログイン");
    assert_eq!(phone.opened.0.lock().unwrap().len(), 1, "one login page");
    // The login page that opened still logs in.
    let url = phone.opened.0.lock().unwrap()[0].clone();
    let page = phone.browser.open(&url).await.unwrap();
    let Visit::Redirect(back) = phone.browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() else {
        panic!("login did not redirect")
    };
    phone.app.open_url(back).await;
    let view = phone.app.screen();
    assert_eq!(view.title, "スマートHEMSサービス利用規約", "{view:?}");
}

/// The login provider's passing trouble is retried as the API's is: one 503 on discovery does not
/// put the user on an error screen.
#[tokio::test]
async fn a_single_503_from_the_login_provider_is_retried() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let opened = Arc::new(Opened::default());
    let tuning = smarthems::Tuning {
        retry: smarthems::runtime::retry::RetryPolicy { pauses: vec![Duration::from_millis(10); 2] },
        ..Default::default()
    };
    let app = tuned(&sim, dir.path(), &opened, tuning);
    app.start().await;
    let discovery = url::Url::parse(&sim.issuer()).unwrap().path().trim_end_matches('/').to_owned() + "/.well-known";
    sim.fail_next(&discovery, 503, 1);
    app.tap(Action::OpenLogin).await;
    let view = app.screen();
    assert_eq!(view.title, "CLUB Panasonic ログイン", "{view:?}");
    assert_eq!(opened.0.lock().unwrap().len(), 1);
}

/// The launch's version check runs beside the user: with the cloud's app-config not answering,
/// the screen shown takes taps at once (a tap took 19.8 s when the check held the app's turn),
/// and the check still counts when the service answers — an update needed then comes first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_service_at_launch_never_holds_up_a_tap() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let opened = Arc::new(Opened::default());
    let tuning = smarthems::Tuning { quiet_wait: Duration::from_millis(100), ..Default::default() };
    let app = tuned(&sim, dir.path(), &opened, tuning);
    let held = sim.hold("/api/v1/app-config");
    tokio::time::timeout(Duration::from_secs(20), app.start()).await.expect("the launch answers");
    assert_eq!(app.screen().screen, smarthems::flow::Screen::Welcome);
    // Not held up by the check still waiting for the cloud.
    tokio::time::timeout(Duration::from_secs(20), app.tap(Action::OpenLogin))
        .await
        .expect("a tap while the launch's check waits for the cloud");
    let view = app.screen();
    assert_eq!(view.title, "CLUB Panasonic ログイン", "{view:?}");
    assert_eq!(opened.0.lock().unwrap().len(), 1);
    // The service comes back, saying this app is too old: the update screen comes first.
    sim.patch_app_config(&serde_json::json!({ "min_app_version": "99.0.0" }));
    drop(held);
    let mut shown = app.screen();
    for _ in 0..200 {
        if matches!(shown.screen, smarthems::flow::Screen::UpdateRequired { .. }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        shown = app.screen();
    }
    assert!(matches!(shown.screen, smarthems::flow::Screen::UpdateRequired { .. }), "{shown:?}");
}

/// A phone logged in, and the core's login on the same keychain, to drive token calls directly.
async fn logged_in_with_a_login_beside(
    sim: &SimCloud,
    dir: &std::path::Path,
) -> (Phone, smarthems::runtime::login::Login) {
    use smarthems::runtime::login::{Login, LoginConfig};
    let phone = Phone::started(sim, dir).await;
    log_in(&phone.app, &phone.opened, &phone.browser).await;
    let config = LoginConfig::new(&sim.issuer(), SimCloud::CLIENT_ID, SimCloud::REDIRECT_URI);
    (phone, Login::new(config, smarthems::runtime::net::Http::lazy()).unwrap())
}

/// Calls that need a new token together (checks run beside the user do) refresh once: the
/// simulated CLUB Panasonic rotates refresh tokens, so a second refresh with the spent one would
/// be refused and end the session the first had just renewed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_needing_a_new_token_together_refresh_once() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (phone, login) = logged_in_with_a_login_beside(&sim, dir.path()).await;
    let tokens_before = sim.requests().iter().filter(|r| r.path.ends_with("/token")).count();
    let store = phone.secure.as_ref();
    let (first, second, third) =
        tokio::join!(login.access_token(store, true), login.access_token(store, true), login.access_token(store, true));
    let (first, second, third) = (first.expect("refreshed"), second.expect("refreshed"), third.expect("refreshed"));
    assert_eq!((&first, &second), (&third, &third), "one new token for all three");
    let refreshes = sim.requests().iter().filter(|r| r.path.ends_with("/token")).count() - tokens_before;
    assert_eq!(refreshes, 1);
}

/// The notices shown over the screens, in order.
#[derive(Default)]
struct Notices(Mutex<Vec<String>>);
impl ScreenListener for Notices {
    fn on_screen(&self, view: ScreenView) {
        self.0.lock().unwrap().extend(view.notice);
    }
}

/// The phone closed the app while the login page was in the browser (Android does this to
/// background apps); the app is opened again by the redirect, and must find the provider anew.
async fn relaunched_into_the_redirect(
    sim: &SimCloud,
    dir: &std::path::Path,
    notices: Arc<Notices>,
    hiccup: impl Fn(),
) -> ScreenView {
    let Phone { app, opened, secure, browser } = Phone::started(sim, dir).await;
    app.tap(Action::OpenLogin).await;
    let url = opened.0.lock().unwrap().last().cloned().unwrap();
    drop(app);
    let page = browser.open(&url).await.unwrap();
    let Visit::Redirect(back) = browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() else {
        panic!("login did not redirect")
    };
    let app = SmartHems::new(config(sim, &dir.join("a.db")), opened.clone(), secure).unwrap();
    let _subscription = app.subscribe(notices);
    app.start().await;
    hiccup();
    app.open_url(back).await;
    app.screen()
}

/// The login provider's passing trouble is retried like the API's (issue 11): a single 503 on
/// discovery or on its keys, or a 429 asking to wait 2 s, while the app finishes a login, still
/// logs the user in — after the wait the provider asked for — instead of an error screen.
#[tokio::test]
async fn a_busy_login_provider_is_waited_out_and_the_login_succeeds() {
    for (path, status, wait) in [
        ("/oidc/.well-known/openid-configuration", 503, None),
        ("/oidc/jwks", 502, None),
        ("/oidc/.well-known/openid-configuration", 429, Some(2)),
    ] {
        let sim = SimCloud::start().await;
        // Each app object finds the provider anew (nothing kept for the process).
        sim.set_oidc_cache_control(Some("no-store"));
        let dir = tempfile::tempdir().unwrap();
        let (started, notices) = (std::time::Instant::now(), Arc::new(Notices::default()));
        let view = relaunched_into_the_redirect(&sim, dir.path(), notices.clone(), || match wait {
            Some(seconds) => sim.fail_next_asking_wait(path, status, 1, seconds),
            None => sim.fail_next(path, status, 1),
        })
        .await;
        assert_eq!(view.title, "スマートHEMSサービス利用規約", "{status} on {path}: {view:?}");
        if let Some(seconds) = wait {
            assert!(started.elapsed() >= Duration::from_secs(seconds), "Retry-After: {seconds} was not waited out");
            let told = notices.0.lock().unwrap().iter().any(|n| n.starts_with("サービスが混み合っています"));
            assert!(told, "the user was not told the app is waiting: {:?}", notices.0.lock().unwrap());
        }
    }
}

/// A refresh that meets a 503 at the token endpoint is tried again: the user's tap goes through
/// instead of showing 「サービスに問題」.
#[tokio::test]
async fn a_refresh_meeting_a_busy_provider_is_tried_again() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let Phone { app, opened, browser, .. } = Phone::started(&sim, dir.path()).await;
    log_in(&app, &opened, &browser).await;
    sim.expire_access_tokens();
    sim.fail_next("/oidc/token", 503, 1);
    app.tap(Action::AcceptTerms).await;
    let view = app.screen();
    assert_eq!(view.title, "スマートスピーカー連携サービス登録", "{view:?}");
}

/// A logout that meets a busy provider still ends the grant there: the revocation is tried
/// again (RFC 7009 makes a second revocation harmless), so the refresh token left behind on the
/// phone's old copy is worth nothing.
#[tokio::test]
async fn a_logout_meeting_a_busy_provider_still_revokes_the_grant() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let Phone { app, opened, secure, browser } = Phone::started(&sim, dir.path()).await;
    log_in(&app, &opened, &browser).await;
    let refresh_token = secure
        .values()
        .iter()
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .find_map(|v| v.get("refresh_token").and_then(|t| t.as_str()).map(str::to_owned))
        .expect("a refresh token");
    app.tap(Action::AcceptTerms).await;
    app.tap(Action::SkipSpeaker).await;
    sim.fail_next("/oidc/revoke", 503, 1);
    app.tap(Action::Logout).await;
    let revocations = sim.requests().iter().filter(|r| r.path == "/oidc/revoke").count();
    assert_eq!(revocations, 2, "the revocation was not tried again");
    let form = [("grant_type", "refresh_token"), ("refresh_token", &refresh_token), ("client_id", SimCloud::CLIENT_ID)];
    let refreshed = reqwest::Client::new().post(format!("{}/token", sim.issuer())).form(&form).send().await.unwrap();
    assert_eq!(refreshed.status(), 400, "the grant outlived the logout");
}

/// The one-time code is not exchanged twice (RFC 6749 §4.1.2): a 503 from the token endpoint may
/// come after the provider spent the code, so the app sends it once and shows the error screen,
/// from which a new login brings a new code.
#[tokio::test]
async fn a_code_exchange_that_may_have_arrived_is_not_sent_again() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let Phone { app, opened, browser, .. } = Phone::started(&sim, dir.path()).await;
    sim.fail_next("/oidc/token", 503, 1);
    log_in(&app, &opened, &browser).await;
    let exchanges = sim.requests().iter().filter(|r| r.path == "/oidc/token").count();
    assert_eq!(exchanges, 1, "the code was sent again");
    assert_eq!(app.screen().title, "サービスに接続できません");
}

/// The requests for discovery and for the JWKS the provider has had.
fn provider_documents_fetched(sim: &SimCloud) -> (usize, usize) {
    let requests = sim.requests();
    let count = |end: &str| requests.iter().filter(|r| r.path.ends_with(end)).count();
    (count("/openid-configuration"), count("/jwks"))
}

async fn log_in_on_a_new_app_object(sim: &SimCloud) {
    let dir = tempfile::tempdir().unwrap();
    let Phone { app, opened, browser, .. } = Phone::started(sim, dir.path()).await;
    log_in(&app, &opened, &browser).await;
    assert_eq!(app.screen().title, "スマートHEMSサービス利用規約");
}

/// Discovery and the JWKS are kept for the process for their HTTP cache lifetime (issue 13):
/// a second app object logs in without fetching them again; a key rotated meanwhile still
/// verifies (the JWKS alone is fetched anew); after `max-age` both are fetched again; with
/// `no-store` nothing is kept.
#[tokio::test]
async fn discovery_and_keys_are_kept_across_app_objects_for_their_cache_lifetime() {
    let sim = SimCloud::start().await;
    sim.set_oidc_cache_control(Some("public, max-age=8"));
    let first = std::time::Instant::now();
    log_in_on_a_new_app_object(&sim).await;
    log_in_on_a_new_app_object(&sim).await;
    assert_eq!(provider_documents_fetched(&sim), (1, 1), "the second app object fetched them again");
    sim.rotate_signing_key();
    log_in_on_a_new_app_object(&sim).await;
    assert_eq!(provider_documents_fetched(&sim), (1, 2), "the rotated key: the JWKS alone fetched anew");
    assert!(first.elapsed() < Duration::from_secs(8), "too slow to see the lifetime");

    // Past the lifetime of both (the new JWKS is kept from that login on).
    tokio::time::sleep(Duration::from_millis(8100)).await;
    log_in_on_a_new_app_object(&sim).await;
    assert_eq!(provider_documents_fetched(&sim), (2, 3), "fetched again after max-age");

    let sim = SimCloud::start().await;
    sim.set_oidc_cache_control(Some("no-store"));
    log_in_on_a_new_app_object(&sim).await;
    log_in_on_a_new_app_object(&sim).await;
    assert_eq!(provider_documents_fetched(&sim), (2, 2), "no-store: nothing kept");
}

/// The shells poll the core's calls on executors of their own (Kotlin coroutines, Swift tasks),
/// with no Tokio runtime around them: a launch that waits for its quiet checks works there too.
#[test]
fn calls_work_from_an_executor_that_is_not_tokio() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime.block_on(SimCloud::start());
    let dir = tempfile::tempdir().unwrap();
    let opened = Arc::new(Opened::default());
    let app = tuned(&sim, dir.path(), &opened, smarthems::Tuning::default());
    futures::executor::block_on(app.start());
    assert_eq!(app.screen().screen, smarthems::flow::Screen::Welcome);
    futures::executor::block_on(app.tap(Action::OpenLogin));
    let view = app.screen();
    assert_eq!(view.title, "CLUB Panasonic ログイン", "{view:?}");
}

/// A refresh still on its way (a check run beside the user) when the user logs out does not put
/// the session back: its tokens are saved before the wipe, and revoked with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_on_its_way_at_logout_leaves_nobody_logged_in() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (phone, login) = logged_in_with_a_login_beside(&sim, dir.path()).await;
    let login = Arc::new(login);
    let held = sim.hold("/oidc/token");
    let refreshing = tokio::spawn({
        let (login, secure) = (login.clone(), phone.secure.clone());
        async move { login.access_token(secure.as_ref(), true).await }
    });
    while !sim.requests().iter().any(|r| r.path.ends_with("/token")) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let signing_out = tokio::spawn({
        let (login, secure) = (login.clone(), phone.secure.clone());
        async move { login.sign_out(secure.as_ref()).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(held);
    let _ = refreshing.await.unwrap();
    signing_out.await.unwrap();
    assert!(!login.has_session(phone.secure.as_ref()), "logged out, and nobody is logged in");
}
