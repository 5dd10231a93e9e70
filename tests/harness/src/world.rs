//! One scenario's world: the app under test, the parties around it and the phone it runs on.
//!
//! By default the parties are the embedded simulated cloud on a random loopback port. With
//! `SMARTHEMS_ISSUER` and `SMARTHEMS_CLOUD_BASE_URL` set (and optionally `SMARTHEMS_CLIENT_ID`,
//! `SMARTHEMS_REDIRECT_URI`) the same features run against a real environment; with
//! `SMARTHEMS_BROWSER=manual` a person does the browser part (see `docs/qa.md`).

use std::fmt;
use std::sync::{Arc, Mutex};

use smarthems::{
    Action, Config, Language, MemorySecureStore, Platform, ScreenListener, ScreenView, SmartHems, Subscription,
};
use smarthems_simcloud::SimCloud;

use crate::browser::{self, Browser, Visit};
use crate::report;

/// The app's configuration as the harness and its tests use it: the app's id and Google's client
/// of the simulated cloud, version 3.1.0, Japanese, the spec's login defaults.
pub fn app_config(
    issuer: &str,
    client_id: &str,
    redirect_uri: &str,
    cloud_base_url: &str,
    database_path: &std::path::Path,
) -> Config {
    Config {
        issuer: issuer.into(),
        client_id: client_id.into(),
        redirect_uri: redirect_uri.into(),
        cloud_base_url: cloud_base_url.into(),
        database_path: database_path.to_string_lossy().into_owned(),
        language: Language::Japanese,
        app_version: "3.1.0".into(),
        app_id: "jp.co.panasonic.smarthems".into(),
        google_client_id: "google-home".into(),
        old_id_paths: vec![],
        offline_access_with_consent: true,
        post_logout_redirect_uri: None,
    }
}

/// The parties the app talks to.
pub enum Parties {
    Simulated(SimCloud),
    Real { issuer: String, cloud_base_url: String, client_id: String, redirect_uri: String },
}

/// The phone around the app: it records what the app asked it to open (the login page in the
/// system browser, the Google Home app, the app's store page).
#[derive(Default)]
pub struct Phone {
    pub opened: Mutex<Vec<String>>,
    pub google_home_opened: std::sync::atomic::AtomicU32,
    /// The links the app opened Google Home with.
    pub google_home_links: Mutex<Vec<String>>,
    /// The answers the app gave Google Home's App Flip requests.
    pub app_flip_answers: Mutex<Vec<smarthems::flow::AppFlipAnswer>>,
    /// How many times the app opened its own store page.
    pub store_opened: std::sync::atomic::AtomicU32,
}

impl Platform for Phone {
    fn open_login_page(&self, url: String) -> Result<(), smarthems::PlatformError> {
        self.opened.lock().unwrap().push(url);
        Ok(())
    }
    fn answer_google(&self, answer: smarthems::flow::AppFlipAnswer) -> Result<(), smarthems::PlatformError> {
        self.app_flip_answers.lock().unwrap().push(answer);
        Ok(())
    }
    fn open_google_home(&self, link: String) -> Result<(), smarthems::PlatformError> {
        self.google_home_links.lock().unwrap().push(link);
        self.google_home_opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
    fn open_store(&self) -> Result<(), smarthems::PlatformError> {
        self.store_opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// Prints every screen the app shows, as QA reads it.
struct ScreenPrinter;

impl ScreenListener for ScreenPrinter {
    fn on_screen(&self, view: ScreenView) {
        report::print_screen(&view);
    }
}

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct QaWorld {
    pub parties: Parties,
    pub browser: Browser,
    pub phone: Arc<Phone>,
    pub secure: Arc<MemorySecureStore>,
    pub dir: tempfile::TempDir,
    pub app: Option<Arc<SmartHems>>,
    subscription: Option<Arc<Subscription>>,
    pub email: String,
    pub password: String,
    /// Restart the app after every step and check it comes back to the same screen.
    pub restart_every_step: bool,
    /// The scenario is tagged `@sim`: its steps may steer the simulated cloud.
    pub sim_allowed: bool,
    pub manual_browser: bool,
    /// Every refresh token the app has held (to check logout revoked it).
    pub seen_refresh_tokens: Vec<String>,
    /// The installed app's version.
    pub app_version: String,
    /// Japan time fixed for the scenario (help's open-now), seconds since the epoch.
    pub fixed_time: Option<i64>,
    /// The app's clock while it runs, when the time is fixed (moved by 「日本時間が…になる」).
    pub app_clock: Option<smarthems::runtime::clock::Clock>,
    /// How many times the phone had opened Google Home when last checked.
    pub google_home_seen: u32,
    /// What the smart speaker answered last.
    pub last_answer: Option<Result<String, String>>,
    /// The page the browser shows now (multi-page flows such as 新規登録).
    pub page: Option<crate::browser::Visit>,
    /// The link of the last 2D code the phone read.
    pub last_code_link: Option<String>,
    /// Google Home's last App Flip request.
    pub app_flip: Option<smarthems_simcloud::AppFlipRequest>,
    /// How Google Home took the app's last App Flip answer.
    pub google_outcome: Option<smarthems_simcloud::LinkOutcome>,
    /// Whose AiSEG2 the panel steps use (the household's first member, once someone else's
    /// phone is in use).
    pub household_email: Option<String>,
    /// The Google account of the person holding the phone, when it is not named after their CLUB
    /// Panasonic ID (a household member sharing someone else's ID).
    pub google_account: Option<String>,
    /// How much the app had sent out (`outbound`) when a link from outside arrived.
    pub outbound_before_link: usize,
    /// Every URL handed to the app from outside, oldest first (to hand one again).
    pub handed_links: Vec<String>,
    /// A real login redirect the browser produced but the app has not been given yet (held back
    /// while an altered one went in, or never delivered: an abandoned login).
    pub held_redirect: Option<String>,
}

impl fmt::Debug for QaWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QaWorld").field("screen", &self.app.as_ref().map(|a| a.screen().title)).finish()
    }
}

impl QaWorld {
    /// Everything the app has sent out so far: requests to the cloud and its parties, and what it
    /// asked the phone to open or answer.
    pub fn outbound(&self) -> Result<usize, String> {
        let phone = &self.phone;
        Ok(self.sim()?.requests().len()
            + phone.opened.lock().unwrap().len()
            + phone.google_home_opened.load(std::sync::atomic::Ordering::SeqCst) as usize
            + phone.app_flip_answers.lock().unwrap().len())
    }

    /// A fresh phone and parties (the simulated cloud unless `SMARTHEMS_*` name a real environment).
    pub async fn new() -> Result<QaWorld, std::io::Error> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let parties = match (env("SMARTHEMS_ISSUER"), env("SMARTHEMS_CLOUD_BASE_URL")) {
            (Some(issuer), Some(cloud_base_url)) => Parties::Real {
                issuer,
                cloud_base_url,
                client_id: env("SMARTHEMS_CLIENT_ID").unwrap_or_else(|| SimCloud::CLIENT_ID.into()),
                redirect_uri: env("SMARTHEMS_REDIRECT_URI").unwrap_or_else(|| SimCloud::REDIRECT_URI.into()),
            },
            _ => Parties::Simulated(SimCloud::start().await),
        };
        let redirect = match &parties {
            Parties::Simulated(_) => SimCloud::REDIRECT_URI.to_owned(),
            Parties::Real { redirect_uri, .. } => redirect_uri.clone(),
        };
        Ok(QaWorld {
            parties,
            browser: Browser::new(&redirect),
            phone: Arc::default(),
            secure: Arc::default(),
            dir: tempfile::tempdir()?,
            app: None,
            subscription: None,
            email: env("SMARTHEMS_EMAIL").unwrap_or_else(|| "taro@example.jp".into()),
            password: env("SMARTHEMS_PASSWORD").unwrap_or_else(|| "Passw0rd!".into()),
            restart_every_step: false,
            sim_allowed: true,
            manual_browser: env("SMARTHEMS_BROWSER").as_deref() == Some("manual"),
            seen_refresh_tokens: Vec::new(),
            app_version: "3.1.0".into(),
            fixed_time: None,
            app_clock: None,
            google_home_seen: 0,
            last_answer: None,
            page: None,
            last_code_link: None,
            household_email: None,
            google_account: None,
            outbound_before_link: 0,
            app_flip: None,
            google_outcome: None,
            handed_links: Vec::new(),
            held_redirect: None,
        })
    }

    /// The simulated cloud, for steps that steer it.
    pub fn sim(&self) -> Result<&SimCloud, String> {
        match &self.parties {
            Parties::Simulated(_) if !self.sim_allowed => Err(
                "this step needs the simulated cloud: tag the scenario @sim (it cannot run against a real environment)"
                    .into(),
            ),
            Parties::Simulated(sim) => Ok(sim),
            Parties::Real { .. } => {
                Err("this step steers the simulated cloud; it cannot run against a real environment".into())
            }
        }
    }

    pub fn config(&self) -> Config {
        let (issuer, cloud_base_url, client_id, redirect_uri) = match &self.parties {
            Parties::Simulated(sim) => {
                (sim.issuer(), sim.api_base(), SimCloud::CLIENT_ID.to_owned(), SimCloud::REDIRECT_URI.to_owned())
            }
            Parties::Real { issuer, cloud_base_url, client_id, redirect_uri } => {
                (issuer.clone(), cloud_base_url.clone(), client_id.clone(), redirect_uri.clone())
            }
        };
        Config {
            app_version: self.app_version.clone(),
            old_id_paths: vec![self.old_id_path().to_string_lossy().into_owned()],
            ..app_config(
                &issuer,
                &client_id,
                &redirect_uri,
                &cloud_base_url,
                std::path::Path::new(&self.database_path()),
            )
        }
    }

    /// Another person's phone: a fresh app, keychain and browser, with their own CLUB Panasonic ID;
    /// the simulated cloud (and the household's AiSEG2) stays the same.
    /// The Google account of the person holding the phone (Google Home, the smart speaker).
    pub fn google_account(&self) -> &str {
        self.google_account.as_deref().unwrap_or(&self.email)
    }

    /// The person in Google Home's browser, picking `nickname` if the consent page asks whose
    /// speaker the link is for.
    pub fn web_linker<'a>(&'a self, nickname: Option<&'a str>) -> smarthems_simcloud::WebLinker<'a> {
        smarthems_simcloud::WebLinker {
            google_account: self.google_account(),
            email: &self.email,
            password: &self.password,
            nickname,
        }
    }

    /// Another person's phone: a fresh app (its own database, keychain and browser) logged in to
    /// nothing yet; `google_account` names their Google account when it is not named after `email`.
    pub async fn switch_phone(
        &mut self,
        email: &str,
        password: &str,
        google_account: Option<String>,
    ) -> Result<(), String> {
        self.household_email.get_or_insert_with(|| self.email.clone());
        self.subscription = None;
        self.app = None;
        self.dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        self.secure = Arc::default();
        self.phone = Arc::default();
        let redirect = self.config().redirect_uri;
        self.browser = Browser::new(&redirect);
        self.email = email.into();
        self.password = password.into();
        self.google_home_seen = 0;
        self.google_account = google_account;
        crate::coverage::new_phone();
        self.launch().await.map(drop)
    }

    /// The account whose AiSEG2 the panel steps touch.
    pub fn panel_email(&self) -> String {
        self.household_email.clone().unwrap_or_else(|| self.email.clone())
    }

    /// Where the old app's スマートHEMSクラブ data would be on this phone.
    pub fn old_id_path(&self) -> std::path::PathBuf {
        self.dir.path().join("smarthems_club")
    }

    pub fn database_path(&self) -> String {
        self.dir.path().join("smarthems.db").to_string_lossy().into_owned()
    }

    /// The clock the app is built with: the scenario's fixed Japan time (kept to move it later),
    /// or the system's.
    fn clock(&mut self) -> smarthems::runtime::clock::Clock {
        let clock = self.fixed_time.map(smarthems::runtime::clock::Clock::at).unwrap_or_default();
        self.app_clock = self.fixed_time.map(|_| clock.clone());
        clock
    }

    /// Moves Japan time, for the app that runs now too.
    pub fn set_time(&mut self, secs: i64) {
        self.fixed_time = Some(secs);
        if let Some(clock) = &self.app_clock {
            clock.set(secs);
        }
    }

    /// Starts the app the way a phone does: build it from its database, subscribe, start.
    pub async fn launch(&mut self) -> Result<ScreenView, String> {
        let tuning = smarthems::Tuning {
            retry: smarthems::runtime::retry::RetryPolicy { pauses: vec![std::time::Duration::from_millis(50)] },
            clock: self.clock(),
            // Each step waits for the checks it started, so a step's screens are the same on a
            // slow machine as on a fast one; the app's own wait is a short 2 s.
            quiet_wait: std::time::Duration::from_secs(30),
        };
        let app = SmartHems::with_tuning(self.config(), self.phone.clone(), self.secure.clone(), tuning)
            .map_err(|e| e.to_string())?;
        self.subscription = Some(app.subscribe(Arc::new(ScreenPrinter)));
        app.start().await;
        let view = app.screen();
        crate::coverage::launched(&view);
        self.app = Some(app);
        Ok(view)
    }

    /// Kills the app (drops every reference to it) and starts it again from the same files.
    pub async fn restart(&mut self) -> Result<ScreenView, String> {
        report::note("アプリを終了して再起動");
        self.subscription = None;
        self.app = None;
        self.launch().await
    }

    pub fn app(&self) -> Result<&Arc<SmartHems>, String> {
        self.app.as_ref().ok_or_else(|| "the app has not been started".into())
    }

    pub fn screen(&self) -> Result<ScreenView, String> {
        Ok(self.app()?.screen())
    }

    /// Taps the button with this label on the current screen.
    pub async fn tap(&mut self, label: &str) -> Result<ScreenView, String> {
        let view = self.screen()?;
        let action: Action =
            view.buttons.iter().find(|b| b.label == label).map(|b| b.action.clone()).ok_or_else(|| {
                let shown: Vec<_> = view.buttons.iter().map(|b| format!("「{}」", b.label)).collect();
                format!("「{}」 has no button 「{label}」; it shows {}", view.title, shown.join(" "))
            })?;
        report::note(&format!("「{label}」をタップ"));
        crate::coverage::tapping(&action);
        self.remember_refresh_token();
        let opened = self.phone.opened.lock().unwrap().len();
        self.app()?.tap(action).await;
        let mut view = self.screen()?;
        let newly_opened = self.phone.opened.lock().unwrap().get(opened..).and_then(|new| new.last().cloned());
        if let Some(page) = newly_opened.filter(|page| page.contains("post_logout_redirect_uri=")) {
            view = self.log_out_in_browser(&page).await?;
        }
        self.after_step().await?;
        Ok(view)
    }

    /// The system browser on CLUB Panasonic's logout page, which the app opened: it ends the
    /// provider's session (the SSO cookie) and comes straight back to the app, as a browser does.
    async fn log_out_in_browser(&mut self, page: &str) -> Result<ScreenView, String> {
        report::note("ブラウザ: CLUB Panasonicのログアウト");
        if self.manual_browser {
            let back = browser::ask_person(page)?;
            return self.open_url(back).await;
        }
        match self.browser.open(page).await? {
            Visit::Redirect(back) => self.open_url(back).await,
            Visit::LoginPage { html, .. } => {
                Err(format!("the logout page did not send the browser back: {}", browser::text_of(&html)))
            }
        }
    }

    /// In restart mode: kill and restart the app, and check it is on the same screen.
    pub async fn after_step(&mut self) -> Result<(), String> {
        if !self.restart_every_step || self.app.is_none() {
            return Ok(());
        }
        let before = self.screen()?;
        let after = self.restart().await?;
        let diff = view_diff(&before, &after);
        if diff.is_empty() {
            return Ok(());
        }
        Err(format!("after a restart 「{}」 is not what the user saw before:\n{}", before.title, diff.join("\n")))
    }

    fn remember_refresh_token(&mut self) {
        for json in self.secure.values() {
            let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            if let Some(token) = value.get("refresh_token").and_then(|t| t.as_str()) {
                if self.seen_refresh_tokens.last().map(String::as_str) != Some(token) {
                    self.seen_refresh_tokens.push(token.to_owned());
                }
            }
        }
    }

    /// The last URL the app asked the system browser to open.
    pub fn last_opened_url(&self) -> Result<String, String> {
        self.phone.opened.lock().unwrap().last().cloned().ok_or_else(|| "the app has not opened the browser".into())
    }

    /// Hands a URL back to the app as the phone would (the browser's redirect).
    pub async fn hand_back(&mut self, url: String) -> Result<ScreenView, String> {
        report::note("ブラウザからアプリに戻る");
        self.handed_links.push(url.clone());
        let view = self.open_url(url).await?;
        self.after_step().await?;
        Ok(view)
    }

    /// Hands the app a URL from outside and answers with the screen it led to.
    pub async fn open_url(&self, url: String) -> Result<ScreenView, String> {
        let app = self.app()?;
        app.open_url(url).await;
        Ok(app.screen())
    }
}

/// What differs between two views of the same screen, one line per difference, in the words of
/// the view's fields (empty when the user would see exactly the same thing).
pub fn view_diff(before: &ScreenView, after: &ScreenView) -> Vec<String> {
    fn line<T: fmt::Debug + PartialEq>(out: &mut Vec<String>, what: &str, before: &T, after: &T) {
        if before != after {
            out.push(format!("  {what}: before {before:?}, after {after:?}"));
        }
    }
    let mut out = Vec::new();
    line(&mut out, "screen", &before.screen, &after.screen);
    line(&mut out, "title", &before.title, &after.title);
    for i in 0..before.body.len().max(after.body.len()) {
        line(&mut out, &format!("body paragraph {}", i + 1), &before.body.get(i), &after.body.get(i));
    }
    for i in 0..before.buttons.len().max(after.buttons.len()) {
        let (b, a) = (before.buttons.get(i), after.buttons.get(i));
        if b != a {
            let label = b.or(a).map(|x| x.label.as_str()).unwrap_or_default();
            line(&mut out, &format!("button {} 「{label}」", i + 1), &b, &a);
        }
    }
    line(&mut out, "input", &before.input, &after.input);
    line(&mut out, "notice", &before.notice, &after.notice);
    line(&mut out, "busy", &before.busy, &after.busy);
    line(&mut out, "back", &before.back, &after.back);
    out
}

#[cfg(test)]
mod tests {
    use smarthems::flow::TextInput;
    use smarthems::{Action, Button, Screen, ScreenView};

    fn view() -> ScreenView {
        ScreenView {
            screen: Screen::Welcome,
            title: "スマートHEMSサービス".into(),
            body: vec!["一".into(), "二".into()],
            buttons: vec![Button {
                label: "次へ".into(),
                action: Action::OpenLogin,
                primary: true,
                enabled: true,
                checked: None,
                section: None,
                hint: None,
                detail: None,
                value: None,
            }],
            input: None,
            notice: None,
            busy: false,
            back: None,
        }
    }

    #[test]
    fn the_same_view_has_no_difference() {
        assert!(super::view_diff(&view(), &view()).is_empty());
    }

    /// Each part the user reads is compared, not only which screen it is.
    #[test]
    fn every_part_of_the_view_is_compared() {
        let changes: [fn(&mut ScreenView); 8] = [
            |v| v.title.push('！'),
            |v| v.body.pop().map(drop).unwrap_or_default(),
            |v| v.buttons[0].enabled = false,
            |v| v.buttons[0].hint = Some("注意".into()),
            |v| v.notice = Some("お知らせ".into()),
            |v| {
                v.input =
                    Some(TextInput {
                        label: "ニックネーム".into(), value: "たろう".into(), max_chars: 20, error: None
                    })
            },
            |v| v.busy = true,
            |v| v.back = Some(Action::GoHome),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut after = view();
            change(&mut after);
            let diff = super::view_diff(&view(), &after);
            assert_eq!(diff.len(), 1, "change {i}: {diff:?}");
        }
        let mut after = view();
        after.body[1] = "三".into();
        assert_eq!(
            super::view_diff(&view(), &after),
            vec!["  body paragraph 2: before Some(\"二\"), after Some(\"三\")".to_owned()]
        );
    }
}
