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

#[derive(Default)]
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
    let view = app.tap(Action::AcceptTerms).await; // refreshes the token on the way
    assert_eq!(view.title, "スマートスピーカー連携サービス登録");

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
    assert_eq!(app.open_url(back.clone()).await.title, "スマートHEMSサービス利用規約");
    // Log out and start a new login; the old redirect must not log anyone in, nor end the
    // login now waiting.
    app.tap(Action::DeclineTerms).await;
    app.tap(Action::Logout).await;
    app.tap(Action::OpenLogin).await;
    let refused = app.open_url(back).await;
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

    // The browser cancels from inside open_login_page: back on the welcome screen.
    let browser = Arc::new(CancellingBrowser(OnceLock::new()));
    let app = SmartHems::new(config(&sim, &dir.path().join("a.db")), browser.clone(), secure.clone()).unwrap();
    browser.0.set(app.clone()).ok();
    let shown = tokio::time::timeout(Duration::from_secs(20), app.tap(Action::OpenLogin)).await.expect("no deadlock");
    assert_eq!(
        (shown.title.as_str(), app.screen().title.as_str()),
        ("CLUB Panasonic ログイン", "スマートHEMSサービス")
    );
    drop(app);

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
        let view = app.tap(Action::AcceptTerms).await;
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
    let view = app.tap(Action::AcceptTerms).await;
    assert_eq!(view.title, "スマートスピーカー連携サービス登録", "the refresh under the new key ended the session");
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
    let view = app.start().await;
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
    let (first, second) = tokio::join!(phone.app.tap(Action::OpenLogin), phone.app.tap(Action::OpenLogin));
    assert_eq!(first.title, second.title);
    assert_eq!(phone.opened.0.lock().unwrap().len(), 1, "one login page");
    // The login page that opened still logs in.
    let url = phone.opened.0.lock().unwrap()[0].clone();
    let page = phone.browser.open(&url).await.unwrap();
    let Visit::Redirect(back) = phone.browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() else {
        panic!("login did not redirect")
    };
    let view = phone.app.open_url(back).await;
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
    let app = SmartHems::with_tuning(
        config(&sim, &dir.path().join("a.db")),
        opened.clone(),
        Arc::new(MemorySecureStore::default()),
        tuning,
    )
    .unwrap();
    app.start().await;
    let discovery = url::Url::parse(&sim.issuer()).unwrap().path().trim_end_matches('/').to_owned() + "/.well-known";
    sim.fail_next(&discovery, 503, 1);
    let view = app.tap(Action::OpenLogin).await;
    assert_eq!(view.title, "CLUB Panasonic ログイン", "{view:?}");
    assert_eq!(opened.0.lock().unwrap().len(), 1);
}
