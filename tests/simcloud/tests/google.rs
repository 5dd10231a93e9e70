//! The Google smart-home side: SYNC's shape for the seed's devices, QUERY, and spoken commands as
//! the Japanese assistant hears and answers them (modes, locks, devices of unknown kinds).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use smarthems_simcloud::{AisegDevice, SimCloud, WebLinker};

const GOOGLE_CLIENT: &str = "google-home";
const GOOGLE_REDIRECT: &str = "https://oauth-redirect-sandbox.googleusercontent.com/r/smarthems-sim";

/// Registers these devices of the seeded user for the speaker, as the app does.
async fn register(cloud: &SimCloud, device_ids: &[&str], rooms: Value) {
    let token = str_of(&signed_in(cloud).await, "access_token").to_owned();
    let version = |kind: &'static str| async move {
        let terms: Value =
            app().get(format!("{}/terms/{kind}", cloud.api_base())).send().await.unwrap().json().await.unwrap();
        str_of(&terms, "version").to_owned()
    };
    let body = json!({
        "nickname": "たろう",
        "device_ids": device_ids,
        "rooms": rooms,
        "privacy_version": version("privacy").await,
        "speaker_terms_version": version("speaker").await,
        "provider": "google_home",
    });
    let response = app()
        .put(format!("{}/me/speaker-registrations/phone-1", cloud.api_base()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// Account linking as Google does it (its own client, the consent page's 「許可」): Google's token.
async fn google_access_token(cloud: &SimCloud) -> String {
    let (pkce, browser) = (Pkce::new(), browser());
    let url =
        authorize_url(cloud, &pkce, &[("client_id", GOOGLE_CLIENT), ("redirect_uri", GOOGLE_REDIRECT), ("nonce", "")]);
    let login = browser.get(url).send().await.unwrap().text().await.unwrap();
    let consent = submit_login(cloud, &browser, &interaction_of(&login), EMAIL, PASSWORD).await.text().await.unwrap();
    assert!(consent.contains("許可"), "{consent}");
    let allowed = browser
        .post(format!("{}/consent", cloud.issuer()))
        .form(&[("interaction", interaction_of(&consent).as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    let code = query_of(&location(&allowed))["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", GOOGLE_CLIENT),
        ("redirect_uri", GOOGLE_REDIRECT),
        ("code", code.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let (status, tokens) = token_request(cloud, &form).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    str_of(&tokens, "access_token").to_owned()
}

async fn fulfill(cloud: &SimCloud, token: &str, input: Value) -> Value {
    let request = json!({ "requestId": "req-7", "inputs": [input] });
    let response = app()
        .post(format!("{}/google/fulfillment", cloud.api_base()))
        .bearer_auth(token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["requestId"], "req-7");
    answer
}

#[tokio::test]
async fn sync_describes_the_seed_devices_as_google_expects() {
    let cloud = SimCloud::start().await;
    let ids = ["ac-1", "ac-2", "ac-3", "ap-1", "sh-1", "li-1", "li-2", "li-3", "li-4", "rh-1"];
    register(&cloud, &ids, json!({ "ac-1": "リビング", "li-1": "寝室" })).await;
    let token = google_access_token(&cloud).await;
    let sync = fulfill(&cloud, &token, json!({ "intent": "action.devices.SYNC" })).await;

    let agent = str_of(&sync["payload"], "agentUserId");
    assert!(agent.starts_with("agent-") && !agent.contains('@') && !agent.contains("taro"), "{agent}");
    let again = fulfill(&cloud, &token, json!({ "intent": "action.devices.SYNC" })).await;
    assert_eq!(again["payload"]["agentUserId"], agent, "stable");

    const ON_OFF: &[&str] = &["action.devices.traits.OnOff"];
    const AC: &[&str] = &["action.devices.traits.OnOff", "action.devices.traits.TemperatureSetting"];
    const OPEN_CLOSE: &[&str] = &["action.devices.traits.OpenClose"];
    /// id, type, traits, name, roomHint
    type Expected = (&'static str, &'static str, &'static [&'static str], &'static str, Option<&'static str>);
    let expected: [Expected; 10] = [
        ("ac-1", "AC_UNIT", AC, "リビングのエアコン", Some("リビング")),
        ("ac-2", "AC_UNIT", AC, "子供部屋のエアコン", None),
        ("ac-3", "AC_UNIT", AC, "エアコンA", None),
        ("ap-1", "AIRPURIFIER", ON_OFF, "ダイニングの空気清浄機", None),
        ("sh-1", "SHUTTER", OPEN_CLOSE, "リビングのシャッター", None),
        ("li-1", "LIGHT", ON_OFF, "照明", Some("寝室")),
        ("li-2", "LIGHT", ON_OFF, "照明", None),
        ("li-3", "LIGHT", ON_OFF, "子供部屋の照明", None),
        ("li-4", "LIGHT", ON_OFF, "照明1", None),
        ("rh-1", "HOOD", ON_OFF, "キッチンのレンジフード", None),
    ];
    let devices = sync["payload"]["devices"].as_array().unwrap();
    assert_eq!(devices.iter().map(|d| str_of(d, "id")).collect::<Vec<_>>(), ids);
    for ((id, kind, traits, name, room), device) in expected.into_iter().zip(devices) {
        assert_eq!(device["type"], format!("action.devices.types.{kind}"), "{id}");
        assert_eq!(device["traits"], json!(traits), "{id}");
        assert_eq!(device["name"], json!({ "name": name, "nicknames": [], "defaultNames": [] }), "{id}");
        assert_eq!(device["willReportState"], false, "{id}");
        // Optional members are absent, never null.
        assert_eq!(device.get("roomHint").map(|r| r.as_str().unwrap()), room, "{id}");
        let attributes = device.get("attributes");
        match kind {
            "AC_UNIT" => {
                let attributes = attributes.unwrap_or_else(|| panic!("{id}: TemperatureSetting needs its attributes"));
                assert_eq!(attributes["thermostatTemperatureUnit"], "C");
                let modes = attributes["availableThermostatModes"].as_array().unwrap();
                for mode in ["cool", "heat", "dry", "fan-only", "auto"] {
                    assert!(modes.contains(&json!(mode)), "{id}: {mode}");
                }
            }
            "SHUTTER" => assert_eq!(attributes, Some(&json!({ "discreteOnlyOpenClose": true })), "{id}"),
            _ => assert_eq!(attributes, None, "{id}"),
        }
    }

    // QUERY answers the traits' states; a device Google never got is not found.
    let query =
        json!({ "intent": "action.devices.QUERY", "payload": { "devices": [{ "id": "sh-1" }, { "id": "nope" }] } });
    let states = &fulfill(&cloud, &token, query).await["payload"]["devices"];
    assert_eq!(states["sh-1"], json!({ "online": true, "status": "SUCCESS", "openPercent": 0 }));
    assert_eq!(states["nope"], json!({ "status": "ERROR", "errorCode": "deviceNotFound" }));
}

/// The fulfillment endpoint acts only for Google: the app's own access token — live, and for the
/// same person — is refused there (401) and changes nothing, while it still works on the app's
/// API; the token Google got by account linking is accepted there and refused on the app's API.
#[tokio::test]
async fn fulfillment_accepts_only_tokens_issued_to_google() {
    let cloud = SimCloud::start().await;
    register(&cloud, &["ac-1"], json!({})).await;
    let app_token = str_of(&signed_in(&cloud).await, "access_token").to_owned();
    let post = |token: &str, input: Value| {
        app()
            .post(format!("{}/google/fulfillment", cloud.api_base()))
            .bearer_auth(token)
            .json(&json!({ "requestId": "req-9", "inputs": [input] }))
            .send()
    };
    let sync = json!({ "intent": "action.devices.SYNC" });
    let cool = json!({ "intent": "action.devices.EXECUTE", "payload": { "commands": [{ "devices": [{ "id": "ac-1" }],
        "execution": [{ "command": "action.devices.commands.ThermostatSetMode", "params": { "thermostatMode": "cool" } }] }] } });
    for input in [sync.clone(), cool.clone()] {
        let refused = post(&app_token, input).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refused.json::<Value>().await.unwrap(), json!({ "error": "invalid_token" }));
    }
    assert_eq!(cloud.device_state(EMAIL, "ac-1").unwrap().mode, None, "the app's token operated a device");
    let profile = app().get(format!("{}/me/profile", cloud.api_base())).bearer_auth(&app_token).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::OK, "the app's token is live where it belongs");

    let google_token = google_access_token(&cloud).await;
    let devices = &fulfill(&cloud, &google_token, sync).await["payload"]["devices"];
    assert_eq!(devices.as_array().map(|d| d.len()), Some(1), "{devices}");
    let done = fulfill(&cloud, &google_token, cool).await;
    assert_eq!(done["payload"]["commands"][0]["status"], "SUCCESS", "{done}");
    assert_eq!(cloud.device_state(EMAIL, "ac-1").unwrap().mode.as_deref(), Some("cool"));

    // And the other way round: Google's token is no key to the app's API.
    let foreign =
        app().get(format!("{}/me/profile", cloud.api_base())).bearer_auth(&google_token).send().await.unwrap();
    assert_eq!(foreign.status(), StatusCode::UNAUTHORIZED, "Google's token opened the app's API");
}

/// 「設定モードは？」 is answered with the mode's Japanese name, for every mode the assistant can set.
#[tokio::test]
async fn the_assistant_sets_and_tells_modes_in_japanese() {
    let cloud = SimCloud::start().await;
    register(&cloud, &["ac-1"], json!({})).await;
    cloud.google_link(&WebLinker::own_id(EMAIL, PASSWORD)).await.unwrap();
    let question = "OK Google、リビングのエアコンの設定モードは？";
    for (word, mode) in [("冷房", "cool"), ("暖房", "heat"), ("送風", "fan-only"), ("除湿", "dry"), ("自動", "auto")]
    {
        let set = cloud.google_say(EMAIL, &format!("OK Google、リビングのエアコンを{word}にして")).await;
        assert_eq!(set, Ok(format!("リビングのエアコンを{word}にします")));
        assert_eq!(cloud.device_state(EMAIL, "ac-1").unwrap().mode.as_deref(), Some(mode));
        assert_eq!(cloud.google_say(EMAIL, question).await, Ok(format!("リビングのエアコンの設定モードは{word}です")));
    }
    cloud.google_say(EMAIL, "OK Google、リビングのエアコンを消して").await.unwrap();
    assert_eq!(cloud.google_say(EMAIL, question).await, Ok("リビングのエアコンの設定モードはオフです".to_owned()));
}

/// An electric lock is a LOCK that 「…をロックして」 locks (the app suggests that phrase) and that
/// cannot be switched on; a category this cloud does not know is a plain on/off SWITCH, not a
/// LIGHT that 「電気を消して」 would reach.
#[tokio::test]
async fn locks_and_devices_of_unknown_kinds() {
    let cloud = SimCloud::start().await;
    let mut devices = cloud.aiseg_devices(EMAIL);
    for (id, name, category) in
        [("lk-1", "玄関の電気錠", "electric_lock"), ("fh-1", "リビングの床暖房", "floor_heater")]
    {
        devices.push(AisegDevice {
            id: id.into(),
            name: name.into(),
            category: category.into(),
            echonet_class: String::new(),
        });
    }
    cloud.set_aiseg_devices(EMAIL, devices);
    register(&cloud, &["lk-1", "fh-1"], json!({})).await;
    cloud.google_link(&WebLinker::own_id(EMAIL, PASSWORD)).await.unwrap();

    let synced = cloud.google_synced_devices(EMAIL);
    let kind =
        |id: &str| synced.iter().find(|d| d.id == id).map(|d| (d.device_type.clone(), d.traits.clone())).unwrap();
    assert_eq!(kind("lk-1"), ("action.devices.types.LOCK".into(), vec!["action.devices.traits.LockUnlock".to_owned()]));
    assert_eq!(kind("fh-1"), ("action.devices.types.SWITCH".into(), vec!["action.devices.traits.OnOff".to_owned()]));

    assert_eq!(
        cloud.google_say(EMAIL, "OK Google、玄関の電気錠をロックして").await,
        Ok("玄関の電気錠をロックします".to_owned())
    );
    assert_eq!(cloud.device_state(EMAIL, "lk-1").unwrap().locked, Some(true));
    assert!(cloud.google_say(EMAIL, "OK Google、玄関の電気錠をつけて").await.is_err(), "a lock has no OnOff");
    assert!(!cloud.device_state(EMAIL, "lk-1").unwrap().on);

    assert_eq!(
        cloud.google_say(EMAIL, "OK Google、リビングの床暖房をつけて").await,
        Ok("リビングの床暖房をつけます".to_owned())
    );
    assert!(cloud.device_state(EMAIL, "fh-1").unwrap().on);
}
