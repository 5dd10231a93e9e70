//! The Google Home app and Google Assistant, played over real HTTP against this cloud: account
//! linking as Google does it (authorization code + PKCE with the `google-home` client, the
//! CLUB Panasonic login unless a session exists, the 「許可」 consent, the token exchange, then
//! SYNC), unlinking (DISCONNECT), and spoken commands resolved against the synced names and sent
//! as EXECUTE.
//!
//! Which way a link is made is Google's choice, as in Google's App Flip documentation: when this
//! service's app can be opened on the phone (a fact the tests set per Google account), Google
//! Home asks the app (App Flip); otherwise, and whenever the app answers with an error other than
//! the person's own no, it carries on with CLUB Panasonic's login in its browser.
//!
//! Google's side is keyed by the Google account (the person), not the CLUB Panasonic ID: people
//! of one household may share an ID, each with their own Google account and link.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::oidc::{GOOGLE_APP_FLIP_REDIRECT_URI, GOOGLE_CLIENT_ID, GOOGLE_REDIRECT_URI};
use crate::server::Cloud;
use crate::speaker::SyncedDevice;
use crate::state::random_token;

/// How the linking in Google Home ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    /// Google shows success (when linking is set to fail silently, nothing was stored).
    Finished,
    /// The person said no — 「キャンセル」 on the consent page, or in the app through App Flip
    /// (`access_denied`): Google Home reports that the link was not completed.
    Cancelled,
    /// The app answered App Flip with an error other than the person's no, or with none at all:
    /// Google Home carries on with CLUB Panasonic's login page in its browser.
    ContinuesInBrowser,
}

/// How Google Home starts a link (step 19).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkStart {
    /// The app can be opened: Google Home opened it with this request and waits for its answer.
    AppFlip(AppFlipRequest),
    /// It cannot: Google Home shows CLUB Panasonic's login page in its browser.
    Browser,
}

/// Google Home's browser part way through the web flow: its cookies, the PKCE verifier and
/// state of its authorization request, and the CLUB Panasonic page it shows.
pub(crate) struct WebLinking {
    http: reqwest::Client,
    verifier: String,
    state: String,
    page: String,
}

fn account(name: &str) -> String {
    name.trim().to_lowercase()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("static client configuration")
}

fn hidden_interaction(html: &str) -> Option<String> {
    let start = html.find("name=\"interaction\" value=\"")? + "name=\"interaction\" value=\"".len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

fn location(response: &reqwest::Response) -> Option<String> {
    response.headers().get("location")?.to_str().ok().map(str::to_owned)
}

/// Google Home opens CLUB Panasonic's authorization page in its own browser (step 19).
async fn open_web(cloud: &Cloud) -> Result<WebLinking, String> {
    let http = browser();
    let verifier = random_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random_token();
    let mut authorize = url::Url::parse(&format!("{}/authorize", cloud.issuer())).map_err(|e| e.to_string())?;
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", GOOGLE_CLIENT_ID)
        .append_pair("redirect_uri", GOOGLE_REDIRECT_URI)
        .append_pair("scope", "openid")
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let err = |e: reqwest::Error| e.to_string();
    let page = http.get(authorize).send().await.map_err(err)?.text().await.map_err(err)?;
    Ok(WebLinking { http, verifier, state, page })
}

/// Google Home goes on in its browser: the web flow is left waiting on CLUB Panasonic's page.
async fn continue_in_browser(cloud: &Cloud, google_account: &str) -> Result<(), String> {
    let web = open_web(cloud).await?;
    cloud.world().speaker.web_linking.insert(account(google_account), web);
    Ok(())
}

/// Whether Google Home shows CLUB Panasonic's login form to this Google account now.
pub(crate) fn shows_login(cloud: &Cloud, google_account: &str) -> bool {
    cloud
        .world()
        .speaker
        .web_linking
        .get(&account(google_account))
        .is_some_and(|web| web.page.contains("name=\"password\""))
}

/// Step 19: the person starts linking in Google Home, which decides how (App Flip or browser).
pub(crate) async fn start_link(cloud: &Arc<Cloud>, google_account: &str) -> Result<LinkStart, String> {
    let app_on_phone = cloud.world().speaker.app_on_phone(google_account);
    if app_on_phone {
        return Ok(LinkStart::AppFlip(app_flip_request()));
    }
    tracing::info!("google: the app cannot be opened on this phone, linking in the browser");
    continue_in_browser(cloud, google_account).await?;
    Ok(LinkStart::Browser)
}

/// The person in Google Home's browser: their Google account, the CLUB Panasonic ID they log in
/// with, and the nickname they pick when the ID has several speaker users.
pub struct WebLinker<'a> {
    pub google_account: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub nickname: Option<&'a str>,
}

impl<'a> WebLinker<'a> {
    /// One person with their own CLUB Panasonic ID, their Google account named after it.
    pub fn own_id(email: &'a str, password: &'a str) -> WebLinker<'a> {
        WebLinker { google_account: email, email, password, nickname: None }
    }
}

/// The speaker-user choice on the consent page whose label is `nickname`.
fn choice_for(page: &str, nickname: &str) -> Option<String> {
    let label = crate::pages::escape(nickname);
    page.split("name=\"speaker_user\" value=\"").skip(1).find_map(|rest| {
        let (value, after) = rest.split_once('"')?;
        let (shown, _) = after.strip_prefix("> ")?.split_once("</label>")?;
        (shown == label).then(|| value.to_owned())
    })
}

/// Steps 19–24 in Google Home's browser: log in (unless the page Google shows needs none), pick
/// the nickname if asked, allow or cancel. Goes on from the page Google Home already shows, if any.
pub(crate) async fn link(cloud: &Arc<Cloud>, who: &WebLinker<'_>, allow: bool) -> Result<LinkOutcome, String> {
    let WebLinker { google_account, email, password, nickname } = *who;
    let issuer = cloud.issuer();
    let pending = cloud.world().speaker.web_linking.remove(&account(google_account));
    let WebLinking { http, verifier, state, mut page } = match pending {
        Some(web) => web,
        None => open_web(cloud).await?,
    };
    let err = |e: reqwest::Error| e.to_string();
    if page.contains("name=\"password\"") {
        let interaction = hidden_interaction(&page).ok_or("no interaction on the login page")?;
        let form = [("interaction", interaction.as_str()), ("email", email), ("password", password)];
        page = http.post(format!("{issuer}/login")).form(&form).send().await.map_err(err)?.text().await.map_err(err)?;
    }
    if !page.contains("許可") {
        return Err("Google Home did not reach the consent page (wrong password?)".into());
    }
    if allow && page.contains("登録されていません") {
        return Err("nothing is registered under this CLUB Panasonic ID: register in the app first".into());
    }
    let interaction = hidden_interaction(&page).ok_or("no interaction on the consent page")?;
    let decision = if allow { "allow" } else { "deny" };
    let mut form = vec![("interaction", interaction), ("decision", decision.to_owned())];
    if allow && page.contains("name=\"speaker_user\"") {
        let nickname = nickname.ok_or("Google Home's page asks which nickname this link is for")?;
        form.push((
            "speaker_user",
            choice_for(&page, nickname).ok_or(format!("no nickname 「{nickname}」 on the consent page"))?,
        ));
    }
    let answer = http.post(format!("{issuer}/consent")).form(&form).send().await.map_err(err)?;
    let back = url::Url::parse(&location(&answer).ok_or("no redirect to Google")?).map_err(|e| e.to_string())?;
    let param = |name: &str| back.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    if param("state").as_deref() != Some(state.as_str()) {
        return Err("the provider answered Google with another state".into());
    }
    if param("error").as_deref() == Some("access_denied") {
        return Ok(LinkOutcome::Cancelled);
    }
    let code = param("code").ok_or("no code for Google")?;
    let tokens: serde_json::Value = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", verifier.as_str()),
            ("redirect_uri", GOOGLE_REDIRECT_URI),
            ("client_id", GOOGLE_CLIENT_ID),
        ])
        .send()
        .await
        .map_err(err)?
        .json()
        .await
        .map_err(err)?;
    let access_token = tokens["access_token"].as_str().ok_or("Google got no access token")?.to_owned();
    if cloud.world().speaker.linking_fails {
        // p.10: Google's screens finish, but the link never takes.
        tracing::info!("google: linking fails silently (test switch)");
        return Ok(LinkOutcome::Finished);
    }
    remember(cloud, google_account, access_token).await?;
    Ok(LinkOutcome::Finished)
}

/// Google syncs the new link's devices and keeps the link under the Google account.
async fn remember(cloud: &Cloud, google_account: &str, access_token: String) -> Result<(), String> {
    let sync = fulfill(cloud, &access_token, json!({ "intent": "action.devices.SYNC" })).await?;
    let mut world = cloud.world();
    let serves = world.access_token_holder(&access_token, GOOGLE_CLIENT_ID).and_then(|(subject, speaker_user)| {
        let speaker_user = speaker_user?.to_owned();
        Some((account(&world.user(subject)?.email), speaker_user))
    });
    world.speaker.remember_link(google_account, access_token, serves, &sync);
    Ok(())
}

/// What Google Home hands the app when it asks it to approve a link (App Flip).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppFlipRequest {
    pub client_id: String,
    pub scope: String,
    pub state: String,
    pub redirect_uri: String,
}

/// Google Home starts App Flip: the request it sends the app.
pub(crate) fn app_flip_request() -> AppFlipRequest {
    AppFlipRequest {
        client_id: GOOGLE_CLIENT_ID.into(),
        scope: "openid".into(),
        state: random_token(),
        redirect_uri: GOOGLE_APP_FLIP_REDIRECT_URI.into(),
    }
}

/// Google Home receives the app's answer — the redirect URL with `code` or `error`, or nothing
/// (Android's error result, or a request the app would not take) — and acts on it: a code is
/// exchanged and synced, the link made without the password typed again; the person's no
/// (`access_denied`) ends the attempt; any other error sends Google Home on to its browser login.
pub(crate) async fn finish_app_flip(
    cloud: &Arc<Cloud>,
    google_account: &str,
    request: &AppFlipRequest,
    answer: Option<&str>,
) -> Result<LinkOutcome, String> {
    let Some(answer) = answer else {
        tracing::info!("google: no App Flip answer, linking in the browser");
        continue_in_browser(cloud, google_account).await?;
        return Ok(LinkOutcome::ContinuesInBrowser);
    };
    let back = url::Url::parse(answer).map_err(|e| e.to_string())?;
    if !answer.starts_with(&request.redirect_uri) {
        return Err("the app answered at another address".into());
    }
    let param = |name: &str| back.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    if param("state").as_deref() != Some(request.state.as_str()) {
        return Err("the app answered with another state".into());
    }
    match param("error").as_deref() {
        Some("access_denied") => return Ok(LinkOutcome::Cancelled),
        Some(error) => {
            tracing::info!(error, "google: App Flip error, linking in the browser");
            continue_in_browser(cloud, google_account).await?;
            return Ok(LinkOutcome::ContinuesInBrowser);
        }
        None => {}
    }
    let code = param("code").ok_or("no code from the app")?;
    let tokens: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", cloud.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", request.redirect_uri.as_str()),
            ("client_id", GOOGLE_CLIENT_ID),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let access_token = tokens["access_token"].as_str().ok_or(format!("Google got no token: {tokens}"))?.to_owned();
    remember(cloud, google_account, access_token).await?;
    Ok(LinkOutcome::Finished)
}

async fn fulfill(cloud: &Cloud, token: &str, input: serde_json::Value) -> Result<serde_json::Value, String> {
    let request = json!({ "requestId": random_token(), "inputs": [input] });
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/google/fulfillment", cloud.base_url()))
        .bearer_auth(token)
        .json(&request)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("fulfillment answered {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

fn google_token(cloud: &Cloud, google_account: &str) -> Option<String> {
    cloud.world().speaker.links.get(&account(google_account)).map(|l| l.access_token.clone())
}

/// Google Home → 設定 → Google と連携させる → AISEG → アカウントのリンクを解除 (p.10).
pub(crate) async fn unlink(cloud: &Arc<Cloud>, google_account: &str) -> Result<(), String> {
    let token = google_token(cloud, google_account).ok_or("Google Home has no link to remove")?;
    fulfill(cloud, &token, json!({ "intent": "action.devices.DISCONNECT" })).await?;
    cloud.world().speaker.links.remove(&account(google_account));
    Ok(())
}

/// The form names are compared in: NFKC, hiragana as katakana, no spaces.
fn normalise(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Whether the recogniser can produce this name at all. Spoken, 「照明1」 comes out as 「照明いち」
/// and 「エアコンA」 as 「エアコンエー」, so names ending in a digit or a Latin letter never match what
/// the person said — the seed's caution on step 17.
fn speakable(name: &str) -> bool {
    normalise(name).chars().last().is_some_and(|c| !c.is_ascii_alphanumeric())
}

/// Thermostat modes in Google's words and as the Japanese assistant says them.
const MODES: [(&str, &str); 5] =
    [("cool", "冷房"), ("heat", "暖房"), ("fan-only", "送風"), ("dry", "除湿"), ("auto", "自動")];

/// A thermostat mode (`cool`, `fan-only`, … and `off`) as the Japanese assistant says it.
pub fn mode_in_japanese(mode: &str) -> Option<&'static str> {
    if mode == "off" {
        return Some("オフ");
    }
    MODES.iter().find(|(google, _)| *google == mode).map(|(_, spoken)| *spoken)
}

/// A spoken command: Google's answer, or why nothing was done.
pub(crate) async fn say(cloud: &Arc<Cloud>, google_account: &str, utterance: &str) -> Result<String, String> {
    let token = google_token(cloud, google_account)
        .ok_or("「スマートHEMS」はまだリンクされていません。Google Homeアプリで設定してください。")?;
    let devices: Vec<SyncedDevice> = cloud.world().speaker.synced(google_account);
    let said = normalise(utterance);
    let said = said.trim_start_matches("OKGoogle").trim_start_matches(['、', ',']).to_owned();

    // The longest synced name (or nickname) the command starts with; several devices sharing it
    // are ambiguous to the assistant too.
    let mut best: Option<(usize, Vec<&SyncedDevice>)> = None;
    for d in &devices {
        // The assistant also knows a device by its room: 「寝室の照明」 for 「照明」 in 寝室.
        let in_room = d.room_hint.as_ref().map(|room| format!("{room}の{}", d.name));
        for name in std::iter::once(&d.name).chain(&d.nicknames).chain(in_room.as_ref()).filter(|n| speakable(n)) {
            let n = normalise(name);
            if said.starts_with(&n) {
                match &mut best {
                    Some((len, list)) if *len == n.len() => list.push(d),
                    Some((len, _)) if *len > n.len() => {}
                    _ => best = Some((n.len(), vec![d])),
                }
            }
        }
    }
    let Some((len, matched)) = best else {
        return Err("すみません、そのデバイスは見つかりませんでした。".into());
    };
    if matched.len() > 1 {
        return Err(format!(
            "「{}」が{}台あります。どのデバイスか分かりませんでした。",
            matched[0].name,
            matched.len()
        ));
    }
    let device = matched[0];
    let rest = &said[len..];
    let has = |word: &str| rest.contains(&normalise(word));
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    // A question first: 「…の設定モードは？」 names no mode to set.
    if has("モードは") {
        let answer = fulfill(
            cloud,
            &token,
            json!({ "intent": "action.devices.QUERY", "payload": { "devices": [{ "id": device.id }] } }),
        )
        .await?;
        let mode = answer["payload"]["devices"][&device.id]["thermostatMode"]
            .as_str()
            .and_then(mode_in_japanese)
            .unwrap_or("未設定");
        return Ok(format!("{}の設定モードは{mode}です", device.name));
    }
    let (execution, reply) = if let Some((mode, word)) = MODES.iter().find(|(_, word)| has(word)) {
        (
            json!({ "command": "action.devices.commands.ThermostatSetMode", "params": { "thermostatMode": mode } }),
            format!("{}を{word}にします", device.name),
        )
    } else if has("ロックして") || has("施錠して") {
        (
            json!({ "command": "action.devices.commands.LockUnlock", "params": { "lock": true } }),
            format!("{}をロックします", device.name),
        )
    } else if !digits.is_empty() && (has("℃") || has("度")) {
        let t: u32 = digits.parse().map_err(|_| "温度が分かりませんでした。")?;
        (
            json!({ "command": "action.devices.commands.ThermostatTemperatureSetpoint", "params": { "thermostatTemperatureSetpoint": t } }),
            format!("{}を{t}℃に設定します", device.name),
        )
    } else if has("開けて") {
        (
            json!({ "command": "action.devices.commands.OpenClose", "params": { "openPercent": 100 } }),
            format!("{}を開けます", device.name),
        )
    } else if has("閉めて") {
        (
            json!({ "command": "action.devices.commands.OpenClose", "params": { "openPercent": 0 } }),
            format!("{}を閉めます", device.name),
        )
    } else if has("消して") || has("オフ") || has("止めて") {
        (
            json!({ "command": "action.devices.commands.OnOff", "params": { "on": false } }),
            format!("{}を消します", device.name),
        )
    } else if has("つけて") || has("オン") {
        (
            json!({ "command": "action.devices.commands.OnOff", "params": { "on": true } }),
            format!("{}をつけます", device.name),
        )
    } else {
        return Err("すみません、何をすればよいか分かりませんでした。".into());
    };
    let input = json!({ "intent": "action.devices.EXECUTE", "payload": { "commands": [{ "devices": [{ "id": device.id }], "execution": [execution] }] } });
    let answer = fulfill(cloud, &token, input).await?;
    match answer["payload"]["commands"][0]["status"].as_str() {
        Some("SUCCESS") => Ok(reply),
        _ => Err(format!("{}を操作できませんでした。", device.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ending_in_a_digit_or_letter_cannot_be_said() {
        for (name, ok) in
            [("照明1", false), ("エアコンA", false), ("エアコンＡ", false), ("子供部屋の照明", true), ("照明", true)]
        {
            assert_eq!(speakable(name), ok, "{name}");
        }
    }
}
