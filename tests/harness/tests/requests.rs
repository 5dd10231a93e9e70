//! Requests per flow against the protocol minimum: flows A and B, counted by the simulated cloud
//! (every request the app sends to CLUB Panasonic ID and the Smart HEMS API; the browser's pages
//! are the user's, not the app's, and are left out). A flow that makes more than its minimum
//! fails here; `scripts/bench.sh` prints the counts in its table.

use std::sync::Arc;

use smarthems::{Action, MemorySecureStore, SmartHems};
use smarthems_harness::browser::{Browser, Visit};
use smarthems_harness::world::Phone;
use smarthems_simcloud::{RequestRecord, SimCloud};

/// The fewest requests each flow can make (issue 13). A: app-config (step 1), discovery, token,
/// JWKS (the ID token's signature), userinfo, the AiSEG2's firmware (step 1 once logged in), the
/// app terms, the accepted version, the old speaker registration, the consent. B: privacy
/// policy, devices, speaker terms, registration, link check — the app-config Google Home's link
/// needs is the one fetched at launch.
const FLOW_A_MINIMUM: usize = 10;
const FLOW_B_MINIMUM: usize = 5;

/// What the app sent since `from`: the sim's record less the browser's own visits.
fn sent_by_app(sim: &SimCloud, from: usize, browser_visits: &[RequestRecord]) -> Vec<RequestRecord> {
    let mut browser: Vec<&RequestRecord> = browser_visits.iter().collect();
    sim.requests()
        .into_iter()
        .skip(from)
        .filter(|r| match browser.iter().position(|b| b.method == r.method && b.path == r.path) {
            Some(i) => {
                browser.remove(i);
                false
            }
            None => true,
        })
        .collect()
}

fn show(flow: &str, requests: &[RequestRecord], minimum: usize) {
    println!("requests flow {flow}: {} (minimum {minimum})", requests.len());
    for r in requests {
        println!("  {} {}", r.method, r.path);
    }
}

#[tokio::test]
async fn flows_a_and_b_make_no_more_requests_than_their_minimum() {
    let sim = SimCloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = smarthems_harness::world::app_config(
        &sim.issuer(),
        SimCloud::CLIENT_ID,
        SimCloud::REDIRECT_URI,
        &sim.api_base(),
        &dir.path().join("app.db"),
    );
    let phone = Arc::new(Phone::default());
    let app = SmartHems::new(config, phone.clone(), Arc::new(MemorySecureStore::default())).unwrap();

    // Flow A: first launch, login in the browser, the app's terms, the speaker question.
    app.start().await;
    app.tap(Action::OpenLogin).await;
    let url = phone.opened.lock().unwrap().last().cloned().unwrap();
    let browser = Browser::new(SimCloud::REDIRECT_URI);
    let before_browser = sim.requests().len();
    let page = browser.open(&url).await.unwrap();
    let Visit::Redirect(back) = browser.log_in(&page, "taro@example.jp", "Passw0rd!").await.unwrap() else {
        panic!("login did not redirect")
    };
    let browser_visits: Vec<RequestRecord> = sim.requests().into_iter().skip(before_browser).collect();
    app.open_url(back).await;
    app.tap(Action::AcceptTerms).await;
    assert_eq!(app.screen().title, "スマートスピーカー連携サービス登録");
    let flow_a = sent_by_app(&sim, 0, &browser_visits);
    show("A", &flow_a, FLOW_A_MINIMUM);

    // Flow B: 「はい」, nickname, privacy policy, devices, Google Home, speaker terms, register,
    // Google Home opened.
    let from = sim.requests().len();
    app.tap(Action::RegisterSpeaker).await;
    app.tap(Action::EditNickname { text: "たろう".into() }).await;
    app.tap(Action::SubmitNickname).await;
    app.tap(Action::AcceptTerms).await;
    app.tap(Action::ToggleCategory { category: smarthems::flow::Category::AirConditioner }).await;
    assert_eq!(app.screen().title, "音声操作機器選択");
    app.tap(Action::ConfirmDevices).await;
    app.tap(Action::ChooseSpeaker { provider: smarthems::flow::SpeakerProvider::GoogleHome }).await;
    app.tap(Action::AcceptTerms).await;
    app.tap(Action::Register).await;
    assert_eq!(app.screen().title, "Google Home と連携");
    app.tap(Action::OpenGoogleHome).await;
    app.app_foregrounded().await;
    let flow_b = sent_by_app(&sim, from, &[]);
    show("B", &flow_b, FLOW_B_MINIMUM);
    println!("flow B ends on {}", app.screen().title);

    assert!(flow_a.len() <= FLOW_A_MINIMUM, "flow A made {} requests, minimum {FLOW_A_MINIMUM}", flow_a.len());
    assert!(flow_b.len() <= FLOW_B_MINIMUM, "flow B made {} requests, minimum {FLOW_B_MINIMUM}", flow_b.len());
}
