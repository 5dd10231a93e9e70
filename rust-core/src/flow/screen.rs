//! What the user sees: each screen, its words and its buttons.
//!
//! A shell renders a `ScreenView` as it is and sends back the `Action` of the button tapped; a QA
//! script presses buttons by their label. Nothing here decides what comes next — that is `update`.

use serde::{Deserialize, Serialize};

use super::devices::Category;
use super::support::{self, Support, UpdateNeed, UpdateTarget};
use super::{Activity, Language, Notice, SpeakerProvider, State, Terms};

/// The screens of the app. Step numbers refer to the seed guide.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Screen {
    /// Step 2: 「CLUB Panasonic ログイン画面へ」.
    Welcome,
    /// Step 3: the login page is open in the system browser; waiting for it to come back.
    Login,
    /// Work in progress (also what is resumed after a restart).
    Busy { activity: Activity },
    /// Step 4: スマートHEMSサービス利用規約. `revised` when an earlier version had been accepted.
    AppTerms { terms: Terms, revised: bool },
    /// The user declined the terms: the app cannot be used without them.
    TermsDeclined,
    /// Step 5: スマートスピーカー連携サービス登録 — はい / いいえ.
    SpeakerPrompt,
    /// Step 12: the nickname of the person using the speaker.
    Nickname,
    /// Step 13: プライバシーポリシー.
    PrivacyPolicy { terms: Terms },
    /// Step 14: 音声操作機器選択.
    DeviceSelection,
    /// Step 15: アカウントリンク — which speaker to link.
    AccountLink,
    /// Step 16: スマートスピーカー連携サービス利用規約.
    SpeakerTerms { terms: Terms },
    /// Step 17: example utterances and the naming cautions; 「登録」.
    Utterances,
    /// Step 18: 「Google Home 起動」.
    HandOff,
    /// Steps 19–24 happen in Google Home; the app waits to come back to the foreground.
    WaitingForGoogleHome,
    /// Step 25: linked; try a voice command.
    SpeakerDone,
    /// p.10: the link is not there; how to relink.
    Troubleshooting,
    /// A consent was declined: the registration was stopped.
    SpeakerCancelled,
    /// Google Home asks to link with this account (App Flip); `scope` is what it asks for.
    AppFlipConsent { scope: String },
    /// Step 6-A: the app's home.
    Home { display_name: String, speaker_nickname: Option<String>, speaker_linked: Option<bool> },
    /// An old Panasonic ID session is on the phone: explain the change to CLUB Panasonic ID.
    Migration,
    /// Step 1: the app or the AiSEG2 firmware must be updated first.
    UpdateRequired { need: UpdateNeed },
    /// Help: support lines, their hours, and whether they are open now (`now`: epoch seconds).
    Help { support: Support, now: i64 },
    /// Something went wrong; the screen says what to do next.
    Problem { problem: Problem },
}

/// What went wrong, named by what the user can do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Problem {
    /// No connection: retry.
    Offline,
    /// The service failed: retry later.
    ServiceTrouble,
    /// The login has expired: log in again; progress is kept.
    SessionExpired,
    /// The user cancelled the login: log in again or go back.
    LoginCancelled,
    /// The login answer was refused or could not be trusted: log in again.
    LoginRejected,
    /// The app was closed while logging in: log in again.
    LoginInterrupted,
    /// The AiSEG2's 2D code expired or was used: show a new one on the AiSEG2.
    CodeExpired,
}

/// Everything a user can do on a screen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Action {
    OpenLogin,
    CreateId,
    Migrate,
    /// Open this app's page in the phone's app store (the update screen's way to update).
    OpenStore,
    CheckUpdates,
    OpenHelp,
    CloseHelp,
    CancelLogin,
    AcceptTerms,
    DeclineTerms,
    ReviewTerms,
    RegisterSpeaker,
    SkipSpeaker,
    CancelSpeaker,
    /// Change the nickname, devices or rooms of the registration (from home).
    EditSpeaker,
    EditNickname { text: String },
    SubmitNickname,
    /// The nickname registered on another phone under this ID is the user's own: move it here.
    MoveRegistrationHere,
    ToggleDevice { id: String },
    /// The room a device is in (sent to Google as `roomHint`); empty clears it.
    SetRoom { id: String, room: String },
    ToggleCategory { category: Category },
    RefreshDevices,
    ConfirmDevices,
    ChooseSpeaker { provider: SpeakerProvider },
    Register,
    OpenGoogleHome,
    CheckLink,
    /// The link is there but the speaker does not respond: p.10's relink steps.
    VoiceNotWorking,
    GoHome,
    Retry,
    Logout,
    ApproveLink,
    DeclineLink,
}

/// A button: the label the user reads and the action it sends. Check boxes are buttons too.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Button {
    pub label: String,
    pub action: Action,
    /// The main button of the screen (drawn prominently).
    pub primary: bool,
    /// Can be tapped now (「次へ」 waits for a device to be chosen).
    pub enabled: bool,
    /// For a check box: whether it is checked.
    pub checked: Option<bool>,
    /// The heading this button is listed under (a device category).
    pub section: Option<String>,
    /// A warning or tip shown with it (a device name that may not work by voice).
    pub hint: Option<String>,
    /// A detail shown with it (a device's room); editable with `Action::SetRoom`.
    pub detail: Option<String>,
}

impl Button {
    pub(crate) fn new(label: String, action: Action, primary: bool) -> Button {
        Button { label, action, primary, enabled: true, checked: None, section: None, hint: None, detail: None }
    }
}

/// A text field on the screen; typing sends `Action::EditNickname`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TextInput {
    pub label: String,
    pub value: String,
    pub max_chars: u32,
    /// What is wrong with the value, and what to do.
    pub error: Option<String>,
}

/// Everything a shell needs to draw the current screen, in the user's language.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ScreenView {
    /// The typed screen, for shells that draw each kind their own way.
    pub screen: Screen,
    pub title: String,
    /// Paragraphs of body text, in order.
    pub body: Vec<String>,
    pub buttons: Vec<Button>,
    /// A text field, on screens that ask for one.
    pub input: Option<TextInput>,
    /// A one-off message over the screen.
    pub notice: Option<String>,
    /// Work is in progress: show a spinner, take no taps.
    pub busy: bool,
}

/// Builds the view of a state.
pub fn view(state: &State, lang: Language) -> ScreenView {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let button = |ja: &str, en: &str, action: Action, primary: bool| Button::new(t(ja, en), action, primary);
    let login_again = || {
        vec![
            button("もう一度ログインする", "Log in again", Action::OpenLogin, true),
            button("最初の画面に戻る", "Back to start", Action::CancelLogin, false),
        ]
    };

    let (title, body, buttons) = match &state.screen {
        Screen::Welcome => (
            t("スマートHEMSサービス", "Smart HEMS Service"),
            vec![
                t(
                    "2023年6月21日から、ログインにはCLUB Panasonic IDをお使いいただきます。",
                    "Since 21 June 2023 you log in with your CLUB Panasonic ID.",
                ),
                t(
                    "CLUB Panasonic IDをお持ちでない方は、ログイン画面から新規登録できます。",
                    "No CLUB Panasonic ID yet? You can register on the login page.",
                ),
            ],
            vec![
                button("CLUB Panasonic ログイン画面へ", "Go to CLUB Panasonic login", Action::OpenLogin, true),
                button("CLUB Panasonic IDを新規登録する", "Register a CLUB Panasonic ID", Action::CreateId, false),
            ],
        ),
        Screen::Login => (
            t("CLUB Panasonic ログイン", "CLUB Panasonic login"),
            vec![t(
                "ブラウザでメールアドレスとパスワードを入力し、「ログインする」をタップしてください。",
                "In the browser, enter your e-mail address and password and tap 'Log in'.",
            )],
            vec![
                button("ブラウザをもう一度開く", "Open the browser again", Action::OpenLogin, true),
                button("キャンセル", "Cancel", Action::CancelLogin, false),
            ],
        ),
        Screen::Busy { activity } => (
            match activity {
                Activity::OpeningLogin => t("ログイン画面を開いています…", "Opening the login page…"),
                Activity::SigningIn => t("ログインしています…", "Logging in…"),
                Activity::LoadingTerms => t("読み込んでいます…", "Loading…"),
                Activity::SavingConsent { .. } => t("同意を登録しています…", "Saving your consent…"),
                Activity::SigningOut => t("ログアウトしています…", "Logging out…"),
                Activity::LoadingPrivacyPolicy | Activity::LoadingSpeakerTerms => t("読み込んでいます…", "Loading…"),
                Activity::LoadingDevices => t("AiSEG2の機器を読み込んでいます…", "Reading the AiSEG2's devices…"),
                Activity::Registering => t("登録しています…", "Registering…"),
                Activity::CheckingLink => t("連携を確認しています…", "Checking the link…"),
                Activity::ApprovingLink => t("Google Homeに連携を伝えています…", "Telling Google Home…"),
                Activity::OpeningRegistration => t("新規登録画面を開いています…", "Opening registration…"),
                Activity::ClaimingCode => t("AiSEG2を確認しています…", "Checking the AiSEG2…"),
                Activity::WipingOldId => t("以前のIDの情報を削除しています…", "Removing the old ID's data…"),
                Activity::LoadingHelp => t("読み込んでいます…", "Loading…"),
            },
            vec![],
            vec![],
        ),
        Screen::AppTerms { terms, revised } => {
            let mut body = Vec::new();
            if *revised {
                body.push(t(
                    "利用規約が改定されました。内容をご確認のうえ、同意してください。",
                    "The terms of use have been revised. Please read and agree to continue.",
                ));
            }
            body.push(t("スマートHEMSサービス利用規約を確認して「同意する」をタップしてください。", "Please read the terms of use and tap 'Agree'."));
            body.push(terms.body.clone());
            (
                terms.title.clone(),
                body,
                vec![
                    button("同意する", "Agree", Action::AcceptTerms, true),
                    button("同意しない", "Disagree", Action::DeclineTerms, false),
                ],
            )
        }
        Screen::TermsDeclined => (
            t("利用規約に同意いただけませんでした", "You did not agree to the terms"),
            vec![t(
                "スマートHEMSサービスをご利用いただくには、利用規約への同意が必要です。もう一度ご確認いただくか、ログアウトしてください。",
                "The Smart HEMS Service can only be used after agreeing to its terms. Read them again, or log out.",
            )],
            vec![
                button("利用規約をもう一度読む", "Read the terms again", Action::ReviewTerms, true),
                button("ログアウト", "Log out", Action::Logout, false),
            ],
        ),
        Screen::SpeakerPrompt => (
            t("スマートスピーカー連携サービス登録", "Smart speaker service registration"),
            [
                state.legacy_speaker_user.then(|| t(
                    "以前のPanasonic IDでスマートスピーカー連携サービスをご利用いただいていました。CLUB Panasonic IDで再登録が必要です。",
                    "You used the smart speaker service with your old Panasonic ID. You need to register again with your CLUB Panasonic ID.",
                )),
                Some(t(
                    "スマートスピーカー連携サービスを利用して、AiSEG2につながる機器を声で操作しますか？",
                    "Do you want to use the smart speaker service to control your AiSEG2 devices by voice?",
                )),
                Some(t(
                    "※すでにスマートスピーカーをご利用中の方も、CLUB Panasonicへの初回ログイン時には再登録が必要です。「はい」をタップしてください。",
                    "Note: if you used a smart speaker with your old Panasonic ID, you must register again: tap 'Yes'.",
                )),
            ]
            .into_iter()
            .flatten()
            .collect(),
            vec![
                button("はい", "Yes", Action::RegisterSpeaker, true),
                button("いいえ", "No", Action::SkipSpeaker, false),
            ],
        ),
        Screen::Home { display_name, speaker_nickname, speaker_linked } => {
            let mut body = vec![if display_name.is_empty() {
                t("スマートHEMSサービスをご利用いただけます。", "The Smart HEMS Service is ready.")
            } else {
                lang.pick(
                    &format!("{display_name}さん、スマートHEMSサービスをご利用いただけます。"),
                    &format!("Welcome, {display_name}. The Smart HEMS Service is ready."),
                )
            }];
            let mut buttons = Vec::new();
            match speaker_nickname {
                Some(nickname) => {
                    body.push(lang.pick(
                        &format!("スマートスピーカー連携サービス：登録済み（ニックネーム「{nickname}」）"),
                        &format!("Smart speaker service: registered (nickname \"{nickname}\")"),
                    ));
                    if state.registered.is_some() {
                        buttons.push(button("登録内容を変更する", "Change the registration", Action::EditSpeaker, false));
                    }
                    if *speaker_linked == Some(false) {
                        body.push(t(
                            "Google Homeとのアカウントのリンクが解除されています。音声で操作するには、もう一度連携してください。",
                            "Google Home is no longer linked. Link it again to control devices by voice.",
                        ));
                        buttons.push(button("Google Homeと連携し直す", "Link Google Home again", Action::OpenGoogleHome, true));
                    } else {
                        buttons.push(button("音声で操作できないとき", "Voice control doesn't work", Action::VoiceNotWorking, false));
                    }
                }
                None => buttons.push(button(
                    "スマートスピーカー連携サービスを登録する",
                    "Register for the smart speaker service",
                    Action::RegisterSpeaker,
                    false,
                )),
            }
            buttons.push(button("ログアウト", "Log out", Action::Logout, false));
            (t("ホーム", "Home"), body, buttons)
        }
        Screen::AppFlipConsent { .. } => (
            t("Google Home とのリンク", "Link with Google Home"),
            vec![
                t(
                    "Google が、あなたの CLUB Panasonic ID にリンクして、AiSEG2 に登録した機器を音声で操作できるようにすることを求めています。",
                    "Google asks to link with your CLUB Panasonic ID so you can control your AiSEG2 devices by voice.",
                ),
                t("パスワードをもう一度入力する必要はありません。", "You do not need to enter your password again."),
            ],
            vec![
                button("同意してリンク", "Agree and link", Action::ApproveLink, true),
                button("キャンセル", "Cancel", Action::DeclineLink, false),
            ],
        ),
        Screen::Migration => (
            t("認証IDがCLUB Panasonic IDに変わりました", "Your login is now a CLUB Panasonic ID"),
            vec![
                t(
                    "2023年6月21日以降、これまでのID（Panasonic ID）ではスマートHEMSサービスアプリおよびスマートスピーカー連携サービスをご利用いただけません。",
                    "Since 21 June 2023 the old Panasonic ID no longer works for the Smart HEMS app and the smart speaker service.",
                ),
                t(
                    "この端末に残っている以前のIDのログイン情報と、終了した会員制サービス「スマートHEMSクラブ」の情報を削除し、CLUB Panasonic IDでのログインに進みます。以前のIDの情報はどこにも送信されません。",
                    "The old ID's login and the data of the discontinued Smart HEMS Club on this phone will be deleted, then you log in with a CLUB Panasonic ID. Nothing of the old ID is sent anywhere.",
                ),
                t(
                    "CLUB Panasonic IDをお持ちでない方は、ログイン画面から新規登録できます。スマートスピーカー連携サービスをご利用の方は再設定が必要です。",
                    "No CLUB Panasonic ID yet? Register on the login page. Smart speaker users must set up the speaker again.",
                ),
            ],
            vec![button("CLUB Panasonic IDでログインする", "Log in with a CLUB Panasonic ID", Action::Migrate, true)],
        ),
        Screen::UpdateRequired { need } => {
            let (what, how) = match need.target {
                UpdateTarget::App => (
                    t("スマートHEMSサービスアプリ", "the Smart HEMS app"),
                    t(
                        "App Store または Google Play で「スマートHEMSサービス」を最新バージョンにアップデートしてください。",
                        "Update 'Smart HEMS Service' to the latest version in the App Store or Google Play.",
                    ),
                ),
                UpdateTarget::Firmware => (
                    t("AiSEG2のファームウェア", "the AiSEG2 firmware"),
                    t(
                        "AiSEG2のファームウェアをアップデートしてください。方法は『AiSEG2取扱説明書(詳細版)』371ページ～をご確認ください。",
                        "Update the AiSEG2 firmware; see the AiSEG2 manual (detailed edition) from page 371.",
                    ),
                ),
            };
            // The app can send the user to its store page; the AiSEG2 is updated on the AiSEG2.
            let mut buttons = Vec::new();
            if need.target == UpdateTarget::App {
                buttons.push(button("ストアでアップデートする", "Update in the store", Action::OpenStore, true));
            }
            buttons.push(button("アップデートしたので確認する", "I have updated: check again", Action::CheckUpdates, true));
            (
                t("アップデートが必要です", "An update is needed"),
                vec![
                    lang.pick(&format!("{what}を最新バージョンにアップデートしてください。"), &format!("Please update {what} to the latest version.")),
                    lang.pick(
                        &format!("現在のバージョン：{}　必要なバージョン：{}以上", need.installed, need.required),
                        &format!("Installed: {}   Required: {} or later", need.installed, need.required),
                    ),
                    how,
                ],
                buttons,
            )
        }
        Screen::Help { support: data, now } => {
            let now = support::japan_time(*now);
            let mut body = Vec::new();
            for line in support::current_lines(data, &now) {
                let open = support::is_open(&line, &data.holidays, &now);
                body.push(format!("{}：{}", line.name, line.phone));
                body.push(lang.pick(
                    &format!("受付時間 {}（{}）", support::hours_text(&line, lang), if open { "ただいま受付中" } else { "ただいま受付時間外" }),
                    &format!("Hours: {} ({})", support::hours_text(&line, lang), if open { "open now" } else { "closed now" }),
                ));
                if let Some(note) = &line.note {
                    body.push(format!("※{note}"));
                }
            }
            body.push(t(
                "※すでにAiSEG2をご利用中で、サーバーサービスや接続機器などを登録済みの方を対象としています。",
                "This app assumes an AiSEG2 already in use, with the server service and its devices registered.",
            ));
            body.push(t("※Google Homeのセットアップは完了している状態を想定しています。", "Google Home is assumed to be set up already."));
            (t("ヘルプ・お問い合わせ", "Help and contact"), body, vec![button("戻る", "Back", Action::CloseHelp, true)])
        }
        Screen::Nickname
        | Screen::PrivacyPolicy { .. }
        | Screen::DeviceSelection
        | Screen::AccountLink
        | Screen::SpeakerTerms { .. }
        | Screen::Utterances
        | Screen::HandOff
        | Screen::WaitingForGoogleHome
        | Screen::SpeakerDone
        | Screen::Troubleshooting
        | Screen::SpeakerCancelled => return super::screen_speaker::view(&state.screen, state, lang),
        Screen::Problem { problem } => match problem {
            Problem::Offline => (
                t("インターネットに接続できません", "Cannot connect to the internet"),
                vec![t(
                    "通信環境をご確認のうえ、「再試行」をタップしてください。入力した内容は保存されています。",
                    "Check your connection and tap 'Retry'. Nothing you entered has been lost.",
                )],
                vec![button("再試行", "Retry", Action::Retry, true)],
            ),
            Problem::ServiceTrouble => (
                t("サービスに接続できません", "The service is not responding"),
                vec![t(
                    "サーバーで問題が発生しています。しばらく待ってから「再試行」をタップしてください。入力した内容は保存されています。",
                    "The server has a problem. Wait a moment and tap 'Retry'. Nothing you entered has been lost.",
                )],
                vec![button("再試行", "Retry", Action::Retry, true)],
            ),
            Problem::SessionExpired => (
                t("もう一度ログインしてください", "Please log in again"),
                vec![t(
                    "ログインの有効期限が切れました。もう一度ログインすると、続きから再開できます。",
                    "Your login has expired. Log in again to continue where you left off.",
                )],
                vec![button("ログインする", "Log in", Action::OpenLogin, true)],
            ),
            Problem::LoginCancelled => (
                t("ログインがキャンセルされました", "Login was cancelled"),
                vec![t("ご利用にはCLUB Panasonic IDでのログインが必要です。", "You need to log in with your CLUB Panasonic ID to continue.")],
                login_again(),
            ),
            Problem::LoginRejected => (
                t("ログインを完了できませんでした", "Login could not be completed"),
                vec![t(
                    "ログインの応答を確認できませんでした。安全のため、最初からもう一度ログインしてください。",
                    "The login response could not be verified. For your safety, please log in again from the start.",
                )],
                login_again(),
            ),
            Problem::CodeExpired => (
                t("この2次元コードは使えません", "This 2D code cannot be used"),
                vec![t(
                    "2次元コードの有効期限が切れているか、すでに使われています。AiSEG2の画面で「スマートスピーカー設定」→「ID登録」をタップして新しい2次元コードを表示し、読み取ってください。",
                    "The 2D code has expired or was already used. On the AiSEG2, tap 'Smart speaker settings' → 'ID registration' to show a new code, and scan it.",
                )],
                vec![button("ホームへ", "Go to home", Action::GoHome, true)],
            ),
            Problem::LoginInterrupted => (
                t("ログインが中断されました", "Login was interrupted"),
                vec![t(
                    "ログインの途中でアプリが終了しました。もう一度ログインしてください。",
                    "The app was closed while logging in. Please log in again.",
                )],
                login_again(),
            ),
        },
    };

    finish(state, lang, title, body, buttons, None)
}

/// Puts a view together with the notice and the busy flag every screen shares.
pub(super) fn finish(
    state: &State,
    lang: Language,
    title: String,
    body: Vec<String>,
    buttons: Vec<Button>,
    input: Option<TextInput>,
) -> ScreenView {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let busy = matches!(state.screen, Screen::Busy { .. });
    // Help is one tap away on every screen that takes taps.
    let mut buttons = buttons;
    if !busy && !matches!(state.screen, Screen::Help { .. }) {
        buttons.push(Button::new(t("ヘルプ・お問い合わせ", "Help and contact"), Action::OpenHelp, false));
    }
    let notice = state.notice.map(|notice| match notice {
        Notice::LinkIgnored => t(
            "このリンクは今は使えません。画面の案内に従って操作してください。",
            "This link cannot be used right now. Please follow the steps on the screen.",
        ),
        Notice::LinkRefused => t(
            "このリンクはスマートHEMSサービスのものではないため、開きませんでした。どこにも送信していません。",
            "This link is not one of the Smart HEMS service's, so it was not opened. Nothing was sent.",
        ),
        Notice::RefreshFailed => t(
            "最新の情報を取得できませんでした。通信環境をご確認ください。",
            "Could not fetch the latest information. Please check your connection.",
        ),
        Notice::SpeakerUpdated => t(
            "登録内容を更新しました。Google Homeの機器一覧にも反映されます。",
            "The registration was updated, and Google Home's device list with it.",
        ),
        Notice::LinkRequestRefused => t(
            "この連携の要求は確認できなかったため、受け付けませんでした。",
            "This link request could not be verified and was refused.",
        ),
        Notice::LinkNotAnswered => t(
            "Google Homeに連携を伝えられませんでした。通信環境を確認して、Google Homeからもう一度お試しください。",
            "Could not answer Google Home. Check your connection and try again from Google Home.",
        ),
        Notice::RegisterBeforeLinking => t(
            "このスマートフォンではスマートスピーカー連携サービスがまだ登録されていません。ホームからスマートスピーカー連携サービスに登録してから、Google Homeで連携してください。",
            "The smart speaker service is not registered on this phone yet. Register it from Home first, then link in Google Home.",
        ),
        Notice::LogInFirst => t(
            "Google Homeとのリンクは、このアプリにログインしてから行えます。Google Homeの画面でログインを続けてください。",
            "Log in to this app first to link Google Home; continue logging in on Google Home's page.",
        ),
        Notice::DevicesChanged => t(
            "AiSEG2に登録されている機器が変わったため、一覧を読み込み直しました。選び直してください。",
            "The AiSEG2's devices have changed, so the list was read again. Please check your choice.",
        ),
    });

    ScreenView {
        busy,
        screen: state.screen.clone(),
        title,
        body,
        buttons,
        input,
        notice,
    }
}
