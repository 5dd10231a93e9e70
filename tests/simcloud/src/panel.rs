//! The AiSEG2's own touch panel, as far as flow C needs it (C steps 1–8): ホーム → メニュー → 設定 →
//! サーバーサービス → サーバーサービス → 機器コード (printed on the unit) → 決定 → スマートスピーカー設定 →
//! ID登録 → a 2D code carrying a one-time registration link; 「確認」 shows the same link as text for
//! when the panel's screen is shown on the phone itself.

/// What the panel shows: its title, its buttons, a message, and on the last screen the link the
/// 2D code carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelView {
    pub title: String,
    pub buttons: Vec<String>,
    pub message: Option<String>,
    pub link: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum PanelScreen {
    #[default]
    Home,
    Menu,
    Settings,
    ServerServices,
    DeviceCode,
    ServerServiceMenu,
    SpeakerSettings,
    TwoDCode {
        link: String,
        shown_as_text: bool,
    },
}

pub(crate) const WRONG_CODE: &str =
    "機器コードが正しくありません。AiSEG2本体に表示されている機器コードを入力してください。";

impl PanelScreen {
    pub fn view(&self, message: Option<&str>) -> PanelView {
        let (title, buttons): (&str, &[&str]) = match self {
            PanelScreen::Home => ("ホーム", &["メニュー"]),
            PanelScreen::Menu => ("メニュー", &["設定", "戻る"]),
            PanelScreen::Settings => ("設定", &["サーバーサービス", "戻る"]),
            PanelScreen::ServerServices => ("サーバーサービス", &["サーバーサービス", "戻る"]),
            PanelScreen::DeviceCode => ("機器コード入力", &["決定", "戻る"]),
            PanelScreen::ServerServiceMenu => ("サーバーサービス設定", &["スマートスピーカー設定", "戻る"]),
            PanelScreen::SpeakerSettings => ("スマートスピーカー設定", &["ID登録", "戻る"]),
            PanelScreen::TwoDCode { .. } => ("ID登録", &["確認", "戻る"]),
        };
        let link = match self {
            PanelScreen::TwoDCode { link, .. } => Some(link.clone()),
            _ => None,
        };
        PanelView {
            title: title.into(),
            buttons: buttons.iter().map(|b| (*b).to_owned()).collect(),
            message: message.map(str::to_owned).or_else(|| match self {
                PanelScreen::TwoDCode { shown_as_text: false, .. } => {
                    Some("スマートフォン・タブレットなどで2次元コードを読み込んで、CLUB Panasonic IDの登録を行ってください。".into())
                }
                PanelScreen::TwoDCode { shown_as_text: true, .. } => Some("この端末で次のリンクを開いてください。".into()),
                PanelScreen::DeviceCode => Some("AiSEG2本体に表示されている機器コードを入力してください。".into()),
                _ => None,
            }),
            link,
        }
    }

    /// Where a tap leads; `None` when there is no such button. `ID登録` needs a fresh link.
    pub fn tap(&self, label: &str, new_link: impl FnOnce() -> String) -> Option<PanelScreen> {
        use PanelScreen::*;
        Some(match (self, label) {
            (Home, "メニュー") => Menu,
            (Menu, "設定") => Settings,
            (Settings, "サーバーサービス") => ServerServices,
            (ServerServices, "サーバーサービス") => DeviceCode,
            (ServerServiceMenu, "スマートスピーカー設定") => SpeakerSettings,
            (SpeakerSettings, "ID登録") => TwoDCode { link: new_link(), shown_as_text: false },
            (TwoDCode { link, .. }, "確認") => TwoDCode { link: link.clone(), shown_as_text: true },
            (Menu, "戻る") => Home,
            (Settings, "戻る") => Menu,
            (ServerServices | DeviceCode | ServerServiceMenu, "戻る") => Settings,
            (SpeakerSettings, "戻る") => ServerServiceMenu,
            (TwoDCode { .. }, "戻る") => SpeakerSettings,
            _ => return None,
        })
    }
}
