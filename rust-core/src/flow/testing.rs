//! Helpers the flow's tests share: the states and answers they start from.

use super::*;

pub(super) fn terms(version: &str) -> Terms {
    Terms { version: version.into(), title: "スマートHEMSサービス利用規約".into(), body: "第1条".into() }
}

pub(super) fn taro() -> Account {
    Account { subject: "taro".into(), display_name: "太郎".into() }
}

pub(super) fn on(screen: Screen) -> State {
    State { screen, account: Some(taro()), ..State::default() }
}

pub(super) fn busy(activity: Activity) -> Screen {
    Screen::Busy { activity }
}

/// Google Home's App Flip request, as the façade hands it over after its checks.
pub(super) fn google_request(state: &str) -> AppFlipRequest {
    AppFlipRequest {
        client_id: "google-home".into(),
        scope: "openid".into(),
        state: state.into(),
        redirect_uri: "https://oauth-redirect.googleusercontent.com/a/app".into(),
        caller_verified: true,
    }
}

pub(super) fn firmware_need() -> UpdateNeed {
    UpdateNeed { target: UpdateTarget::Firmware, installed: "2.79".into(), required: "2.80".into() }
}

pub(super) fn draft_with(devices: &[(&str, &str, Category)], chosen: &[&str]) -> SpeakerDraft {
    SpeakerDraft {
        nickname: "たろう".into(),
        selection: Selection {
            devices: devices
                .iter()
                .map(|(id, name, c)| Device { id: (*id).into(), name: (*name).into(), category: *c })
                .collect(),
            chosen: chosen.iter().map(|s| (*s).to_owned()).collect(),
        },
        ..SpeakerDraft::default()
    }
}

pub(super) fn speaking(screen: Screen, draft: SpeakerDraft) -> State {
    State { speaker: Some(draft), speaker_prompt_answered: true, ..on(screen) }
}

/// The AiSEG2 of the speaker-registration tests.
pub(super) const DEVICES: [(&str, &str, Category); 2] =
    [("ac-1", "リビングのエアコン", Category::AirConditioner), ("li-1", "照明", Category::Light)];

/// A draft ready for 「登録」: the living-room AC chosen, both texts accepted, Google Home.
pub(super) fn complete() -> SpeakerDraft {
    SpeakerDraft {
        privacy_version: Some("p1".into()),
        speaker_terms_version: Some("s1".into()),
        provider: Some(SpeakerProvider::GoogleHome),
        ..draft_with(&DEVICES, &["ac-1"])
    }
}

/// The explored graph, shared by the tests that read it (exploring takes a second or two).
pub(super) fn explored() -> &'static graph::Graph {
    static GRAPH: std::sync::OnceLock<graph::Graph> = std::sync::OnceLock::new();
    GRAPH.get_or_init(graph::explore)
}
