//! What a shell draws: `ScreenView` and its parts, and how a sub-flow's page and offers become one.
//!
//! Everything else in the flow depends on this module, never the other way round. A screen is two
//! things its sub-flow says: what it offers (`Offer`: actions, cheap, no text — the tap check and
//! the graph explorer use only this) and its page (title, paragraphs, text field). `assemble` puts
//! them together with what every screen shares: the notice and the busy flag.

mod notice;

use super::devices::Category;
use super::model::State;
use super::screen::{Action, Screen};
use super::text::Language;

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
    /// The editable detail's value as it is now (the room itself, without its label), for a
    /// field to start from.
    pub value: Option<String>,
}

impl Button {
    pub(crate) fn new(label: String, action: Action, primary: bool) -> Button {
        Button {
            label,
            action,
            primary,
            enabled: true,
            checked: None,
            section: None,
            hint: None,
            detail: None,
            value: None,
        }
    }
}

/// A text field on the screen; typing sends `Action::EditNickname`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TextInput {
    pub label: String,
    pub value: String,
    /// The most characters, counted as the user sees them (extended grapheme clusters: 👨‍👩‍👧 is
    /// one), not UTF-16 units or code points: a shell that limits typing must count the same way.
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
    /// What the system back button (Android) or the back swipe (iOS) sends: one of the screen's
    /// buttons, or none — the app then goes to the background as usual and comes back to exactly
    /// this screen, with nothing typed or chosen lost.
    pub back: Option<Action>,
}

/// What a button will say, without building the text: fixed words, or a name the view looks up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Words(&'static str, &'static str),
    /// The name of the device the `ToggleDevice` action names.
    DeviceName,
    /// 「<category> 全て」 for the `ToggleCategory` action's category.
    AllOf,
    /// 「「<nickname>」をこのスマートフォンに移す」 for the `TakeOverRegistration` action.
    MoveHere,
}

/// An action a screen offers, with no text: whether it can be tapped now and how it is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub action: Action,
    pub label: Label,
    pub primary: bool,
    pub enabled: bool,
}

impl Offer {
    /// The screen's main button.
    pub fn main(action: Action, ja: &'static str, en: &'static str) -> Offer {
        Offer { action, label: Label::Words(ja, en), primary: true, enabled: true }
    }
    /// Any other button.
    pub fn other(action: Action, ja: &'static str, en: &'static str) -> Offer {
        Offer { action, label: Label::Words(ja, en), primary: false, enabled: true }
    }
    pub fn enabled_if(self, enabled: bool) -> Offer {
        Offer { enabled, ..self }
    }
}

/// The words of a screen: its title, its paragraphs and its text field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub title: String,
    pub body: Vec<String>,
    pub input: Option<TextInput>,
}

impl Page {
    pub fn new(title: String, body: Vec<String>) -> Page {
        Page { title, body, input: None }
    }
}

/// Whether every screen's help button belongs on this one (not while busy, not on help itself).
pub fn takes_help(screen: &Screen) -> bool {
    !matches!(screen, Screen::Busy { .. } | Screen::Help { .. })
}

/// The button an offer becomes, in the user's language.
pub fn button(offer: Offer, lang: Language, state: &State) -> Button {
    let label = match (offer.label, &offer.action) {
        (Label::Words(ja, en), _) => lang.pick(ja, en),
        (Label::DeviceName, Action::ToggleDevice { id }) => state
            .speaker
            .as_ref()
            .and_then(|draft| draft.selection.devices.iter().find(|d| d.id == *id))
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        (Label::AllOf, Action::ToggleCategory { category }) => all_of(*category, lang),
        (Label::MoveHere, Action::TakeOverRegistration { nickname }) => lang
            .pick(&format!("「{nickname}」をこのスマートフォンに移す"), &format!("Move \"{nickname}\" to this phone")),
        // A name label on an action that names nothing: nothing to show but the action.
        (Label::DeviceName | Label::AllOf | Label::MoveHere, action) => format!("{action:?}"),
    };
    Button { enabled: offer.enabled, ..Button::new(label, offer.action, offer.primary) }
}

/// 「照明 全て」: the check box that chooses every device of a category.
pub fn all_of(category: Category, lang: Language) -> String {
    format!("{} {}", category.label(lang), lang.pick("全て", "All"))
}

/// Help is one tap away on every screen that takes taps.
pub fn help_offer() -> Offer {
    Offer::other(Action::OpenHelp, "ヘルプ・お問い合わせ", "Help and contact")
}

/// Puts a screen together: its page, its buttons and the notice every screen may carry.
pub fn assemble(state: &State, lang: Language, page: Page, buttons: Vec<Button>, back: Option<Action>) -> ScreenView {
    ScreenView {
        back,
        busy: matches!(state.screen, Screen::Busy { .. }),
        screen: state.screen.clone(),
        title: page.title,
        body: page.body,
        buttons,
        input: page.input,
        notice: state.notice.map(|n| notice::text(n, lang)),
    }
}
