//! Step phrases of flow C (the AiSEG2 panel and its 2D code) and of registering a new CLUB
//! Panasonic ID in the browser (mail and SMS come from the simulated cloud's outboxes).

use cucumber::{given, then, when};

use crate::browser::{self, Visit};
use crate::world::QaWorld;

type Step = Result<(), String>;

fn show_panel(view: &smarthems_simcloud::PanelView) {
    let message = view.message.as_deref().map(|m| format!(" — {m}")).unwrap_or_default();
    crate::report::note(&format!("AiSEG2: 「{}」{message} [{}]", view.title, view.buttons.join("] [")));
}

// ── The AiSEG2 panel ─────────────────────────────────────────────────────────────────────

#[when(regex = r"^AiSEG2の画面で「(.+)」をタップする$")]
async fn panel_tap(w: &mut QaWorld, label: String) -> Step {
    let view = w.sim()?.panel_tap(&w.panel_email(), &label)?;
    show_panel(&view);
    Ok(())
}

#[when(regex = r"^AiSEG2の画面で本体に表示されている機器コードを入力して「決定」をタップする$")]
async fn panel_right_code(w: &mut QaWorld) -> Step {
    let code = w.sim()?.aiseg_device_code(&w.panel_email());
    let view = w.sim()?.panel_enter_device_code(&w.panel_email(), &code);
    show_panel(&view);
    Ok(())
}

#[when(regex = r"^AiSEG2の画面で機器コード「(.+)」を入力して「決定」をタップする$")]
async fn panel_code(w: &mut QaWorld, code: String) -> Step {
    let view = w.sim()?.panel_enter_device_code(&w.panel_email(), &code);
    show_panel(&view);
    Ok(())
}

#[then(regex = r"^AiSEG2の画面に「(.+)」と表示される$")]
async fn panel_says(w: &mut QaWorld, text: String) -> Step {
    let view = w.sim()?.panel_view(&w.panel_email());
    let all = format!("{} {} {}", view.title, view.message.unwrap_or_default(), view.link.unwrap_or_default());
    if all.contains(&text) {
        Ok(())
    } else {
        Err(format!("the panel shows {all}"))
    }
}

#[when(regex = r"^スマートフォンで2次元コードを読み取る$")]
async fn scan(w: &mut QaWorld) -> Step {
    let link = w.sim()?.panel_view(&w.panel_email()).link.ok_or("the panel shows no 2D code")?;
    w.last_code_link = Some(link.clone());
    crate::report::note("2次元コードを読み取る");
    w.hand_back(link).await.map(drop)
}

#[given(regex = r"^2次元コードでのAiSEG2の紐付けの応答が一度届かない$")]
#[when(regex = r"^2次元コードでのAiSEG2の紐付けの応答が一度届かない$")]
async fn lose_claim_answer(w: &mut QaWorld) -> Step {
    crate::report::note("紐付けの応答が失われる");
    w.sim()?.lose_next_response("/api/v1/me/aiseg/claim");
    Ok(())
}

#[when(regex = r"^同じ2次元コードをもう一度読み取る$")]
async fn scan_again(w: &mut QaWorld) -> Step {
    let link = w.last_code_link.clone().ok_or("no 2D code was read before")?;
    crate::report::note("同じ2次元コードをもう一度読み取る");
    w.hand_back(link).await.map(drop)
}

#[given(regex = r"^2次元コードの有効期限が切れる$")]
#[when(regex = r"^2次元コードの有効期限が切れる$")]
async fn code_expires(w: &mut QaWorld) -> Step {
    crate::report::note("2次元コードの有効期限が切れる");
    w.sim()?.expire_panel_codes();
    Ok(())
}

// ── The browser: 新規登録 ─────────────────────────────────────────────────────────────────

/// Shows the browser's new page, or hands its redirect back to the app.
async fn arrive(w: &mut QaWorld, visit: Visit) -> Step {
    match visit {
        Visit::Redirect(url) => {
            w.page = None;
            w.hand_back(url).await.map(drop)
        }
        page => {
            browser::report_page(&page);
            w.page = Some(page);
            Ok(())
        }
    }
}

fn page(w: &QaWorld) -> Result<&Visit, String> {
    w.page.as_ref().ok_or_else(|| "the browser shows no page".into())
}

#[when(regex = r"^ブラウザのログイン画面で「新規登録」をタップする$")]
async fn signup_tab(w: &mut QaWorld) -> Step {
    let login = w.browser.open(&w.last_opened_url()?).await?;
    if !login.shows_form("/oidc/login") {
        return Err("the browser shows no login page".into());
    }
    let next = w.browser.follow_link(&login, "新規登録").await?;
    if !next.shows_form("/oidc/register") {
        return Err("「新規登録」 did not open the registration form".into());
    }
    arrive(w, next).await
}

#[when(
    regex = r"^ブラウザの「新規登録」画面でメールアドレス「(.+)」とパスワード「(.+)」を入力し、利用規約に(同意して|同意せずに)「確定」をタップする$"
)]
async fn sign_up(w: &mut QaWorld, email: String, password: String, agree: String) -> Step {
    // The form the browser shows (reached by the login page's tab), or the page the app opened.
    let opened = match w.page.take() {
        Some(page) if page.shows_form("/oidc/register") => page,
        _ => w.browser.open(&w.last_opened_url()?).await?,
    };
    let mut fields = vec![("email", email.as_str()), ("password", password.as_str()), ("newsletter", "no")];
    if agree == "同意して" {
        fields.push(("terms", "agree"));
    }
    let next = w.browser.submit(&opened, &fields).await?;
    w.email = email.clone();
    w.password = password.clone();
    arrive(w, next).await
}

#[then(regex = r"^ブラウザに「(.+)」と表示される$")]
async fn browser_says(w: &mut QaWorld, text: String) -> Step {
    let Visit::LoginPage { html, .. } = page(w)? else { return Err("the browser shows no page".into()) };
    let shown = browser::text_of(html);
    if shown.contains(&text) {
        Ok(())
    } else {
        Err(format!("the browser shows: {shown}"))
    }
}

#[when(regex = r"^届いたメールのURLをブラウザで開く$")]
async fn open_mail(w: &mut QaWorld) -> Step {
    let mail = w.sim()?.mail_outbox().into_iter().rev().find(|m| m.to == w.email).ok_or("no mail arrived")?;
    crate::report::note("メールのURLを開く");
    let next = w.browser.open(&mail.payload).await;
    match next {
        Ok(visit) => arrive(w, visit).await,
        // An error page (an expired link) is still a page to read.
        Err(error) => {
            w.page =
                Some(Visit::LoginPage { url: url::Url::parse(&mail.payload).map_err(|e| e.to_string())?, html: error });
            Ok(())
        }
    }
}

#[given(regex = r"^メールのURLの有効期限（1時間）が過ぎる$")]
#[when(regex = r"^メールのURLの有効期限（1時間）が過ぎる$")]
async fn mail_expires(w: &mut QaWorld) -> Step {
    crate::report::note("1時間が過ぎる");
    w.sim()?.expire_mail_links();
    Ok(())
}

#[when(regex = r"^ブラウザで「続ける」をタップする$")]
async fn browser_continue(w: &mut QaWorld) -> Step {
    let next = w.browser.submit(page(w)?, &[]).await?;
    arrive(w, next).await
}

#[when(regex = r"^ブラウザで電話番号「(.+)」を入力し「続ける」をタップする$")]
async fn browser_phone(w: &mut QaWorld, phone: String) -> Step {
    let next = w.browser.submit(page(w)?, &[("phone", phone.as_str())]).await?;
    arrive(w, next).await
}

#[when(regex = r"^SMSで届いた認証コードを入力し「続ける」をタップする$")]
async fn browser_sms(w: &mut QaWorld) -> Step {
    let sms = w.sim()?.sms_outbox().pop().ok_or("no SMS arrived")?;
    crate::report::note(&format!("SMS: {}", sms.body));
    let next = w.browser.submit(page(w)?, &[("code", sms.payload.as_str())]).await?;
    arrive(w, next).await
}

#[when(regex = r"^ブラウザで認証コード「(.+)」を入力し「続ける」をタップする$")]
async fn browser_wrong_sms(w: &mut QaWorld, code: String) -> Step {
    let next = w.browser.submit(page(w)?, &[("code", code.as_str())]).await?;
    arrive(w, next).await
}

#[when(regex = r"^ブラウザで「スキップ」をタップする$")]
async fn browser_skip(w: &mut QaWorld) -> Step {
    let next = w.browser.follow_link(page(w)?, "スキップ").await?;
    arrive(w, next).await
}

// ── A household: another person's phone on the same AiSEG2 ───────────────────────────────

#[given(regex = r"^家族の「(.+)」が自分のスマートフォンでCLUB Panasonic ID「(.+)」（パスワード「(.+)」）を使う$")]
#[when(regex = r"^家族の「(.+)」が自分のスマートフォンでCLUB Panasonic ID「(.+)」（パスワード「(.+)」）を使う$")]
async fn household_member(w: &mut QaWorld, name: String, email: String, password: String) -> Step {
    crate::report::note(&format!("ここから{name}さんのスマートフォン"));
    w.sim()?.add_user(&email, &password, &name);
    w.switch_phone(&email, &password, None).await
}

#[when(regex = r"^新しいスマートフォンに替える$")]
async fn new_phone(w: &mut QaWorld) -> Step {
    crate::report::note("ここから新しいスマートフォン（同じ人、同じCLUB Panasonic IDとGoogleアカウント）");
    let (email, password, google_account) = (w.email.clone(), w.password.clone(), w.google_account.clone());
    w.switch_phone(&email, &password, google_account).await
}

#[given(regex = r"^家族の「(.+)」が自分のスマートフォンで同じCLUB Panasonic IDを使う$")]
#[when(regex = r"^家族の「(.+)」が自分のスマートフォンで同じCLUB Panasonic IDを使う$")]
async fn household_member_same_id(w: &mut QaWorld, name: String) -> Step {
    crate::report::note(&format!(
        "ここから{name}さんのスマートフォン（同じCLUB Panasonic ID、{name}さんのGoogleアカウント）"
    ));
    let (email, password) = (w.email.clone(), w.password.clone());
    w.switch_phone(&email, &password, Some(format!("{name}のGoogleアカウント"))).await
}
