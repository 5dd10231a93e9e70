//! The saved formats: every frozen fixture read and upgraded, the current format written as its
//! fixtures hold it, every explored state saved and loaded unchanged, and what is kept of a state
//! read only in part.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use super::*;
use crate::flow::devices::Devices;
use crate::flow::{
    Account, Activity, AppFlipRequest, Category, Device, NicknameError, Notice, Problem, Screen, Selection,
    SpeakerDraft, SpeakerProvider, State, Support, SupportDays, SupportLine, UpdateNeed, UpdateTarget,
};
use crate::runtime::store::Store;

// ── The states the fixtures were saved from, written out by hand ──

fn taro() -> Account {
    Account { subject: "0f3c6a1e-taro".into(), display_name: "松下 太郎".into() }
}

fn home() -> Screen {
    Screen::Home {
        display_name: "松下 太郎".into(),
        speaker_nickname: Some("たろう".into()),
        speaker_linked: Some(true),
    }
}

fn devices() -> Vec<Device> {
    vec![
        Device { id: "ac-1".into(), name: "リビングのエアコン".into(), category: Category::AirConditioner },
        Device { id: "li-1".into(), name: "子供部屋の照明".into(), category: Category::Light },
        Device { id: "sh-1".into(), name: "シャッター".into(), category: Category::Shutter },
    ]
}

fn rooms() -> BTreeMap<String, String> {
    [("ac-1", "リビング"), ("li-1", "子供部屋"), ("sh-1", "寝室")]
        .into_iter()
        .map(|(id, room)| (id.to_owned(), room.to_owned()))
        .collect()
}

/// The draft on the device screen: nickname, privacy policy, devices, two chosen, rooms.
fn draft_at_devices() -> SpeakerDraft {
    SpeakerDraft {
        nickname: "たろう".into(),
        nickname_error: None,
        privacy_version: Some("p-2023-06".into()),
        selection: Selection { devices: devices().into(), chosen: ["ac-1".to_owned(), "li-1".to_owned()].into() },
        provider: None,
        speaker_terms_version: None,
        rooms: rooms(),
        move_here: false,
    }
}

/// The draft as sent to the cloud (and kept as `registered`).
fn draft_complete() -> SpeakerDraft {
    SpeakerDraft {
        provider: Some(SpeakerProvider::GoogleHome),
        speaker_terms_version: Some("s-2023-06".into()),
        ..draft_at_devices()
    }
}

fn logged_in(screen: Screen) -> State {
    State { screen, account: Some(taro()), speaker_prompt_answered: true, ..State::default() }
}

fn registering(screen: Screen) -> State {
    State { speaker: Some(draft_complete()), ..logged_in(screen) }
}

/// Registered and linked, on `screen` (home, or something over it).
fn registered(screen: Screen) -> State {
    State {
        speaker_nickname: Some("たろう".into()),
        speaker_linked: Some(true),
        registered: Some(draft_complete()),
        ..logged_in(screen)
    }
}

fn speaker_only() -> State {
    State {
        speaker: Some(SpeakerDraft { nickname: "はなこ".into(), ..SpeakerDraft::default() }),
        speaker_only: true,
        ..logged_in(Screen::Nickname)
    }
}

fn help() -> Screen {
    let line = SupportLine {
        name: "CLUB Panasonic ID切替ご案内 窓口".into(),
        phone: "0120-081-701".into(),
        note: Some("携帯電話からもご利用になれます".into()),
        days: SupportDays::EveryDay,
        opens: "09:00".into(),
        closes: "18:00".into(),
        closed_on_holidays: false,
        valid_from: Some("2023-11-01".into()),
        valid_until: None,
    };
    Screen::Help { support: Support { lines: vec![line], holidays: vec![] }, now: 1_767_225_600 }
}

fn google_request() -> AppFlipRequest {
    AppFlipRequest {
        client_id: "google-home".into(),
        scope: "openid smarthome".into(),
        state: "g-state-123".into(),
        redirect_uri: "https://oauth-redirect.googleusercontent.com/a/smarthems-app".into(),
        caller_verified: true,
    }
}

/// A frozen fixture and the state it was saved from.
struct Fixture {
    file: &'static str,
    format: i64,
    body: &'static str,
    state: State,
}

macro_rules! fixture {
    ($file:expr, $format:expr, $state:expr) => {
        Fixture {
            file: $file,
            format: $format,
            body: include_str!(concat!("../fixtures/state/", $file)),
            state: $state,
        }
    };
}

/// The shapes saved in every format (format 2 has a file for each of these too).
macro_rules! shapes {
    ($prefix:literal, $format:expr) => {
        vec![
            fixture!(concat!($prefix, "welcome.json"), $format, State::default()),
            fixture!(
                concat!($prefix, "speaker-prompt.json"),
                $format,
                State { speaker_prompt_answered: false, ..logged_in(Screen::SpeakerPrompt) }
            ),
            fixture!(
                concat!($prefix, "device-selection.json"),
                $format,
                State { speaker: Some(draft_at_devices()), ..logged_in(Screen::DeviceSelection) }
            ),
            fixture!(
                concat!($prefix, "busy-registering.json"),
                $format,
                registering(Screen::Busy { activity: Activity::Registering })
            ),
            fixture!(concat!($prefix, "home-registered.json"), $format, registered(home())),
            fixture!(
                concat!($prefix, "home-notice.json"),
                $format,
                State { notice: Some(Notice::RefreshFailed), ..registered(home()) }
            ),
            fixture!(
                concat!($prefix, "help-over-home.json"),
                $format,
                State { return_to: vec![home()], ..registered(help()) }
            ),
            fixture!(
                concat!($prefix, "app-flip-consent.json"),
                $format,
                State {
                    app_flip: Some(google_request()),
                    return_to: vec![home()],
                    ..registered(Screen::AppFlipConsent { scope: "openid smarthome".into() })
                }
            ),
            fixture!(
                concat!($prefix, "update-required.json"),
                $format,
                State {
                    return_to: vec![home()],
                    ..registered(Screen::UpdateRequired {
                        need: UpdateNeed {
                            target: UpdateTarget::App,
                            installed: "3.1.0".into(),
                            required: "3.2.0".into()
                        },
                    })
                }
            ),
            fixture!(
                concat!($prefix, "problem-offline.json"),
                $format,
                State {
                    retry: Some(Activity::Registering),
                    ..registering(Screen::Problem { problem: Problem::Offline })
                }
            ),
            fixture!(
                concat!($prefix, "problem-session-expired.json"),
                $format,
                State {
                    after_login: Some(Activity::Registering),
                    ..registering(Screen::Problem { problem: Problem::SessionExpired })
                }
            ),
            fixture!(
                concat!($prefix, "nickname-taken-legacy-user.json"),
                $format,
                State {
                    legacy_speaker_user: true,
                    speaker: Some(SpeakerDraft {
                        nickname_error: Some(NicknameError::TakenElsewhere),
                        ..draft_complete()
                    }),
                    ..logged_in(Screen::Nickname)
                }
            ),
            fixture!(concat!($prefix, "speaker-only.json"), $format, speaker_only()),
        ]
    };
}

/// Format 1 as the builds before `speaker_only` and `move_here` saved it (the keys missing).
fn format_1_before_later_fields() -> Vec<Fixture> {
    vec![
        fixture!("v1-before-speaker-only-home-registered.json", 1, registered(home())),
        fixture!(
            "v1-before-speaker-only-device-selection.json",
            1,
            State { speaker: Some(draft_at_devices()), ..logged_in(Screen::DeviceSelection) }
        ),
        fixture!("v1-before-move-here-speaker-only.json", 1, speaker_only()),
    ]
}

fn all_fixtures() -> Vec<Fixture> {
    let mut all = shapes!("v1-", 1);
    all.extend(format_1_before_later_fields());
    all.extend(shapes!("v2-", 2));
    all.extend(shapes!("v3-", 3));
    all
}

/// The rows a fixture stands for: the `app_state` body and the `device_list` rows. A format 3
/// file holds both (`{"app_state": {"format", "body"}, "device_list": {id: list}}`); older
/// files are the body alone, their lists inline.
fn rows(fixture: &Fixture) -> (String, Lists) {
    if fixture.format < 3 {
        return (fixture.body.to_owned(), Lists::new());
    }
    let file = json_of(fixture.body);
    assert_eq!(file["app_state"]["format"], json!(fixture.format), "{}", fixture.file);
    let lists = file["device_list"].as_object().expect("device_list rows");
    let lists = lists
        .iter()
        .map(|(id, list)| (ListId(id.parse().unwrap()), read_list(&list.to_string()).expect("a list that reads")))
        .collect();
    (file["app_state"]["body"].to_string(), lists)
}

/// Formats 1 and 2 hold their device lists inline: read here with no `device_list` rows.
fn read(format: i64, body: &str) -> Read {
    super::read(format, body, &Lists::new())
}

/// `decode` of a row of format 1 or 2 (see `read`).
fn decode(format: i64, body: &str) -> Option<State> {
    super::decode(format, body, &Lists::new())
}

/// Field by field, so a failure names what an old format lost; the destructuring stops
/// compiling when `State` gains a field, which then needs an expectation here.
fn assert_state(file: &str, got: &State, want: &State) {
    let State {
        screen,
        account,
        speaker_prompt_answered,
        retry,
        after_login,
        notice,
        legacy_speaker_user,
        speaker,
        speaker_nickname,
        speaker_linked,
        registered,
        app_flip,
        return_to,
        speaker_only,
        elsewhere,
    } = want;
    assert_eq!(&got.screen, screen, "{file}: screen");
    assert_eq!(&got.account, account, "{file}: account");
    assert_eq!(&got.speaker_prompt_answered, speaker_prompt_answered, "{file}: speaker_prompt_answered");
    assert_eq!(&got.retry, retry, "{file}: retry");
    assert_eq!(&got.after_login, after_login, "{file}: after_login");
    assert_eq!(&got.notice, notice, "{file}: notice");
    assert_eq!(&got.legacy_speaker_user, legacy_speaker_user, "{file}: legacy_speaker_user");
    assert_eq!(&got.speaker, speaker, "{file}: speaker (the draft)");
    assert_eq!(&got.speaker_nickname, speaker_nickname, "{file}: speaker_nickname");
    assert_eq!(&got.speaker_linked, speaker_linked, "{file}: speaker_linked");
    assert_eq!(&got.registered, registered, "{file}: registered");
    assert_eq!(&got.app_flip, app_flip, "{file}: app_flip");
    assert_eq!(&got.return_to, return_to, "{file}: return_to");
    assert_eq!(&got.speaker_only, speaker_only, "{file}: speaker_only");
    // Added after every fixture was frozen: they read it as none.
    assert_eq!(&got.elsewhere, elsewhere, "{file}: elsewhere");
}

fn fixture_body(file: &str) -> &'static str {
    all_fixtures().into_iter().find(|f| f.file == file).unwrap_or_else(|| panic!("no fixture {file}")).body
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

// ── Every format ever shipped ──

#[test]
fn every_fixture_is_read_whole_and_upgraded_to_the_state_it_was_saved_from() {
    for fixture in all_fixtures() {
        let (body, lists) = rows(&fixture);
        match super::read(fixture.format, &body, &lists) {
            Read::Whole(state) => assert_state(fixture.file, &state, &fixture.state),
            other => panic!("{}: {other:?}", fixture.file),
        }
        assert_eq!(super::decode(fixture.format, &body, &lists).as_ref(), Some(&fixture.state), "{}", fixture.file);
    }
}

#[test]
fn every_fixture_file_is_checked() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/runtime/fixtures/state");
    let mut on_disk: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "README.md")
        .collect();
    on_disk.sort();
    let mut checked: Vec<String> = all_fixtures().iter().map(|f| f.file.to_owned()).collect();
    checked.sort();
    assert_eq!(on_disk, checked, "a fixture without expectations, or expectations without a fixture");
    for fixture in all_fixtures() {
        assert!(
            fixture.file.starts_with(&format!("v{}-", fixture.format)),
            "{}: format {}",
            fixture.file,
            fixture.format
        );
    }
}

#[test]
fn format_1_types_are_exactly_what_the_builds_before_them_wrote() {
    for fixture in shapes!("v1-", 1) {
        let v1: StateV1 = serde_json::from_str(fixture.body).unwrap();
        assert_eq!(serde_json::to_value(&v1).unwrap(), json_of(fixture.body), "{}", fixture.file);
    }
    for fixture in format_1_before_later_fields() {
        assert!(!fixture.body.contains("\"move_here\""), "{}", fixture.file);
        let v1: StateV1 = serde_json::from_str(fixture.body).unwrap();
        let mut written = serde_json::to_value(&v1).unwrap();
        let written = written.as_object_mut().unwrap();
        for draft in ["speaker", "registered"] {
            if let Some(Value::Object(draft)) = written.get_mut(draft) {
                assert_eq!(draft.remove("move_here"), Some(json!(false)));
            }
        }
        if !fixture.body.contains("\"speaker_only\"") {
            assert_eq!(written.remove("speaker_only"), Some(json!(false)));
        }
        assert_eq!(Value::Object(written.clone()), json_of(fixture.body), "{}", fixture.file);
    }
}

#[test]
fn format_2_types_still_write_what_its_fixtures_hold() {
    for fixture in shapes!("v2-", 2) {
        let v2 = StateV2::from(&fixture.state);
        assert_eq!(serde_json::to_value(&v2).unwrap(), json_of(fixture.body), "{}", fixture.file);
    }
}

/// The body and the list rows, each list numbered from 1 in the order `encode` meets them.
#[test]
fn the_current_format_writes_what_its_fixtures_hold() {
    assert_eq!(CURRENT_FORMAT, 3);
    for fixture in shapes!("v3-", 3) {
        let mut lists: Vec<Devices> = Vec::new();
        let (format, body) = encode(&fixture.state, |list| {
            let at = lists.iter().position(|each| each.same_list(list)).unwrap_or_else(|| {
                lists.push(list.clone());
                lists.len() - 1
            });
            ListId(at as i64 + 1)
        });
        assert_eq!(format, CURRENT_FORMAT, "{}", fixture.file);
        let file = json_of(fixture.body);
        assert_eq!(json_of(&body), file["app_state"]["body"], "{}", fixture.file);
        let written: serde_json::Map<String, Value> =
            lists.iter().enumerate().map(|(i, list)| ((i + 1).to_string(), json_of(&list_body(list)))).collect();
        assert_eq!(Value::Object(written), file["device_list"], "{}", fixture.file);
    }
}

/// A format 3 body naming a list the file does not hold (or holds damaged) is not joined with
/// another: the registration without its list is dropped, as one that does not read.
#[test]
fn a_format_3_state_whose_list_is_missing_keeps_what_a_partly_unknown_state_keeps() {
    let fixture = shapes!("v3-", 3).into_iter().find(|f| f.file == "v3-home-registered.json").unwrap();
    let (body, _) = rows(&fixture);
    match super::read(3, &body, &Lists::new()) {
        Read::Kept(state) => assert_state("v3", &state, &State { registered: None, ..registered_user_kept() }),
        other => panic!("{other:?}"),
    }
    let (body, _) = rows(&shapes!("v3-", 3).into_iter().find(|f| f.file == "v3-device-selection.json").unwrap());
    let draft_dropped = State {
        screen: Screen::Home { display_name: "松下 太郎".into(), speaker_nickname: None, speaker_linked: None },
        ..logged_in(Screen::Welcome)
    };
    assert_eq!(super::read(3, &body, &Lists::new()), Read::Kept(draft_dropped));
}

#[test]
fn fields_a_newer_build_added_are_ignored() {
    let mut v1 = json_of(fixture_body("v1-home-registered.json"));
    v1["energy_goal"] = json!(3);
    v1["registered"]["schedule"] = json!({ "weekday": "07:00" });
    assert_eq!(read(1, &v1.to_string()), Read::Whole(registered(home())));
    let mut v2 = json_of(fixture_body("v2-home-registered.json"));
    v2["progress"]["energy_goal"] = json!(3);
    v2["speaker"]["voice"] = json!("female");
    assert_eq!(read(2, &v2.to_string()), Read::Whole(registered(home())));
}

// ── Every state the flow can reach ──

fn explored() -> &'static [State] {
    static STATES: OnceLock<Vec<State>> = OnceLock::new();
    STATES.get_or_init(|| crate::flow::graph::explore().states)
}

#[test]
fn every_explored_state_survives_save_and_load() {
    let states = explored();
    assert!(states.len() > 100_000, "{} states", states.len());
    let store = Store::open(std::path::Path::new(":memory:")).unwrap();
    for state in states {
        store.save(state).unwrap();
        assert_eq!(store.load().unwrap().as_ref(), Some(state));
    }
}

/// Format 1 as the builds before this module wrote a state (for states no fixture holds).
fn format_1_of(state: &State) -> StateV1 {
    let StateV2 { account, speaker, progress } = state.into();
    StateV1 {
        screen: progress.screen,
        account,
        speaker_prompt_answered: speaker.prompt_answered,
        retry: progress.retry,
        after_login: progress.after_login,
        notice: progress.notice,
        legacy_speaker_user: speaker.legacy_user,
        speaker: progress.draft,
        speaker_nickname: speaker.nickname,
        speaker_linked: speaker.linked,
        registered: speaker.registered,
        app_flip: progress.app_flip,
        return_to: progress.return_to,
        speaker_only: speaker.only,
    }
}

#[test]
fn every_explored_state_saved_in_format_1_is_upgraded_unchanged() {
    for fixture in shapes!("v1-", 1) {
        assert_eq!(
            serde_json::to_value(format_1_of(&fixture.state)).unwrap(),
            json_of(fixture.body),
            "{}",
            fixture.file
        );
    }
    for state in explored() {
        let body = serde_json::to_string(&format_1_of(state)).unwrap();
        assert_eq!(read(1, &body), Read::Whole(state.clone()));
    }
}

// ── A state read only in part ──

fn kept(format: i64, body: &Value) -> State {
    match read(format, &body.to_string()) {
        Read::Kept(state) => state,
        other => panic!("{other:?}"),
    }
}

/// What is kept of a registered user: who they are and what they registered, on home.
fn registered_user_kept() -> State {
    State { speaker: None, ..registered(home()) }
}

#[test]
fn a_screen_only_a_newer_build_knows_keeps_the_account_and_registration_and_lands_on_home() {
    for file in ["v1-app-flip-consent.json", "v1-before-speaker-only-home-registered.json"] {
        let mut body = json_of(fixture_body(file));
        body["screen"] = json!({ "EnergyReport": { "month": "2026-11" } });
        assert_state(file, &kept(1, &body), &registered_user_kept());
    }
    let mut body = json_of(fixture_body("v2-app-flip-consent.json"));
    body["progress"]["screen"] = json!({ "EnergyReport": { "month": "2026-11" } });
    assert_state("v2-app-flip-consent.json", &kept(2, &body), &registered_user_kept());
}

#[test]
fn any_unknown_part_of_the_progress_drops_the_progress_only() {
    let unknown_parts: [(&str, Value); 4] = [
        ("retry", json!("Gardening")),
        ("notice", json!("NewFeature")),
        ("return_to", json!([{ "EnergyReport": {} }])),
        ("app_flip", json!({ "client_id": "google-home" })),
    ];
    for (field, value) in unknown_parts {
        let mut body = json_of(fixture_body("v1-help-over-home.json"));
        body[field] = value.clone();
        assert_state(field, &kept(1, &body), &registered_user_kept());
        let mut body = json_of(fixture_body("v2-help-over-home.json"));
        body["progress"][field] = value;
        assert_state(field, &kept(2, &body), &registered_user_kept());
    }
}

#[test]
fn an_unreadable_registration_drops_only_itself() {
    let mut body = json_of(fixture_body("v1-home-registered.json"));
    body["registered"]["selection"]["devices"][0]["category"] = json!("Sauna");
    assert_state("v1", &kept(1, &body), &State { registered: None, ..registered_user_kept() });
    let mut body = json_of(fixture_body("v2-home-registered.json"));
    body["speaker"]["registered"]["selection"]["devices"][0]["category"] = json!("Sauna");
    assert_state("v2", &kept(2, &body), &State { registered: None, ..registered_user_kept() });
}

#[test]
fn before_the_speaker_question_an_unknown_part_lands_where_a_fresh_login_goes() {
    let checking_terms =
        State { speaker_prompt_answered: false, ..logged_in(Screen::Busy { activity: Activity::LoadingTerms }) };
    let mut body = json_of(fixture_body("v1-speaker-prompt.json"));
    body["screen"] = json!("EnergyReport");
    assert_state("v1", &kept(1, &body), &checking_terms);
    let mut body = json_of(fixture_body("v2-speaker-prompt.json"));
    body["progress"] = json!(null);
    assert_state("v2", &kept(2, &body), &checking_terms);
    // Format 2's speaker part unreadable as a whole: the account alone is kept.
    let mut body = json_of(fixture_body("v2-home-registered.json"));
    body["speaker"] = json!(7);
    assert_state("v2 speaker", &kept(2, &body), &checking_terms);
}

#[test]
fn a_speaker_only_user_kept_in_part_lands_on_home_and_stays_speaker_only() {
    let home_of_speaker_only = State {
        screen: Screen::Home { display_name: "松下 太郎".into(), speaker_nickname: None, speaker_linked: None },
        speaker_only: true,
        ..logged_in(Screen::Welcome)
    };
    let mut body = json_of(fixture_body("v1-speaker-only.json"));
    body["after_login"] = json!("PlantingTrees");
    assert_state("v1", &kept(1, &body), &home_of_speaker_only);
    let mut body = json_of(fixture_body("v2-speaker-only.json"));
    body["progress"]["draft"]["nickname_error"] = json!("TooRude");
    assert_state("v2", &kept(2, &body), &home_of_speaker_only);
}

#[test]
fn without_a_readable_account_nothing_is_kept() {
    let mut welcome = json_of(fixture_body("v1-welcome.json"));
    welcome["screen"] = json!("EnergyReport");
    let mut no_account = json_of(fixture_body("v1-home-registered.json"));
    no_account["account"] = json!({ "subject": 5 });
    no_account["screen"] = json!("EnergyReport");
    let mut v2 = json_of(fixture_body("v2-home-registered.json"));
    v2["account"] = json!({ "subject": "0f3c6a1e-taro" });
    for (format, body) in [(1, welcome), (1, no_account), (2, v2)] {
        assert_eq!(read(format, &body.to_string()), Read::Fresh(Trouble::NothingToKeep), "{body}");
        assert_eq!(decode(format, &body.to_string()), None);
    }
}

#[test]
fn newer_unknown_or_damaged_rows_start_fresh() {
    let home = fixture_body("v2-home-registered.json");
    for (format, body, trouble) in [
        (4, home, Trouble::NewerFormat),
        (CURRENT_FORMAT + 1, "{}", Trouble::NewerFormat),
        (0, home, Trouble::UnknownFormat),
        (-1, home, Trouble::UnknownFormat),
        (1, "{not json", Trouble::Damaged),
        (2, &home[..home.find("\"progress\"").unwrap()], Trouble::Damaged),
        (1, "", Trouble::Damaged),
        (1, "[]", Trouble::Damaged),
        (2, "null", Trouble::Damaged),
        (1, "\"松下 太郎\"", Trouble::Damaged),
    ] {
        assert_eq!(read(format, body), Read::Fresh(trouble), "format {format}: {body:.20}");
        assert_eq!(decode(format, body), None);
    }
}

// ── Logs ──

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_name_the_kind_of_trouble_never_what_was_saved() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).finish();
    let mut partly = json_of(fixture_body("v1-home-registered.json"));
    partly["screen"] = json!({ "秘密の画面": { "memo": "金庫の暗証番号" } });
    let damaged = fixture_body("v1-home-registered.json").replace("\"screen\"", "screen");
    tracing::subscriber::with_default(subscriber, || {
        assert!(decode(1, &partly.to_string()).is_some());
        assert_eq!(decode(1, &damaged), None);
        assert_eq!(decode(4, fixture_body("v2-home-registered.json")), None);
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for kind in ["PartlyUnknown", "Damaged", "NewerFormat"] {
        assert!(logs.contains(kind), "{kind} missing from:\n{logs}");
    }
    for value in ["秘密", "金庫", "松下", "太郎", "たろう", "taro", "ac-1", "リビング"] {
        assert!(!logs.contains(value), "{value} in the logs:\n{logs}");
    }
}
