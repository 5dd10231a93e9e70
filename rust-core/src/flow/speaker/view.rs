//! What the user sees while registering the speaker service: each screen's offers and page.

use hashbrown::{HashMap, HashSet};

use super::draft_of;
use crate::flow::devices::{Category, Device};
use crate::flow::login::terms_offers;
use crate::flow::model::State;
use crate::flow::nickname::{self, NicknameError};
use crate::flow::screen::{Action, SpeakerProvider, Terms};
use crate::flow::text::Language;
use crate::flow::view::{all_of, Button, Label, Offer, Page, TextInput};
use crate::flow::voice;

pub fn prompt_offers(state: &State) -> Vec<Offer> {
    let mut offers = vec![Offer::main(Action::RegisterSpeaker, "はい", "Yes")];
    // Registrations of this ID on other phones: one may be this person's own from before.
    offers.extend(state.elsewhere.iter().map(|nickname| Offer {
        action: Action::TakeOverRegistration { nickname: nickname.clone() },
        label: Label::MoveHere,
        primary: false,
        enabled: true,
    }));
    offers.push(Offer::other(Action::SkipSpeaker, "いいえ", "No"));
    offers
}

/// Step 5: スマートスピーカー連携サービス登録 — はい / いいえ (with the 6-B note for old users).
pub fn prompt_page(state: &State, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let body = [
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
        (!state.elsewhere.is_empty()).then(|| t(
            "このCLUB Panasonic IDには、ほかのスマートフォンで登録したニックネームがあります。アプリを入れ直した場合や機種を変更した場合など、ご自分の登録であれば、このスマートフォンに移せます（Google Homeとの連携も移ります）。",
            "This CLUB Panasonic ID has nicknames registered on other phones. If one is yours (you reinstalled the app or changed phones), you can move it to this phone, its Google Home link included.",
        )),
    ];
    Page::new(
        t("スマートスピーカー連携サービス登録", "Smart speaker service registration"),
        body.into_iter().flatten().collect(),
    )
}

pub fn nickname_offers(state: &State) -> Vec<Offer> {
    let mut offers = vec![Offer::main(Action::SubmitNickname, "登録する", "Register")];
    // Only right after the cloud said another phone holds it, and only for that nickname.
    if state.speaker.as_ref().and_then(|d| d.nickname_error) == Some(NicknameError::TakenElsewhere) {
        offers.push(Offer::other(Action::MoveRegistrationHere, "このスマートフォンに移す", "Move to this phone"));
    }
    offers.push(Offer::other(Action::CancelSpeaker, "登録をやめる", "Stop registering"));
    offers
}

/// Step 12: the nickname, as typed, with what is wrong with it.
pub fn nickname_page(state: &State, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let draft = draft_of(state);
    Page {
        title: t("ニックネーム登録", "Nickname"),
        body: vec![t(
            "スマートスピーカーを利用するアカウントのニックネームを設定してください。",
            "Set the nickname of the account that will use the smart speaker.",
        )],
        input: Some(TextInput {
            label: t("ニックネーム", "Nickname"),
            value: draft.nickname.clone(),
            max_chars: nickname::MAX_CHARS as u32,
            error: draft.nickname_error.map(|e| e.message(lang)),
        }),
    }
}

/// Steps 13 and 16: the privacy policy and the speaker terms, agreed to as the app's terms are.
pub fn speaker_terms_offers() -> Vec<Offer> {
    terms_offers()
}

pub fn terms_page(terms: &Terms, lang: Language) -> Page {
    Page::new(
        terms.title.clone(),
        vec![
            lang.pick("内容をご確認のうえ「同意する」をタップしてください。", "Please read and tap 'Agree'."),
            terms.body.clone(),
        ],
    )
}

/// Step 14: a 「全て」 check box per category, then its devices; the refresh link; 「次へ」.
pub fn device_offers(state: &State) -> Vec<Offer> {
    let draft = draft_of(state);
    let selection = &draft.selection;
    let mut offers = Vec::with_capacity(selection.devices.len() + 10);
    for (category, devices) in selection.groups() {
        offers.push(Offer { label: Label::AllOf, ..Offer::other(Action::ToggleCategory { category }, "", "") });
        for device in devices {
            offers.push(Offer {
                label: Label::DeviceName,
                ..Offer::other(Action::ToggleDevice { id: device.id.clone() }, "", "")
            });
        }
    }
    offers.push(Offer::other(
        Action::RefreshDevices,
        "AiSEGに登録されている機器と異なる場合は、こちらへ",
        "If this differs from the devices on your AiSEG, tap here",
    ));
    offers.push(Offer::main(Action::ConfirmDevices, "次へ", "Next").enabled_if(!selection.chosen.is_empty()));
    offers
}

/// The device screen's buttons: check boxes under their category, with room and voice-name hints.
pub fn device_buttons(state: &State, offers: Vec<Offer>, lang: Language) -> Vec<Button> {
    let draft = draft_of(state);
    let selection = &draft.selection;
    // Everything looked up per button is made once per screen: a screen of 5,000 devices is
    // 5,000 buttons, and lookups in the ordered set of ids (string comparisons) were most of it.
    let chosen_ids: HashSet<&str> = selection.chosen.iter().map(String::as_str).collect();
    let chosen: Vec<&Device> = selection.devices.iter().filter(|d| chosen_ids.contains(d.id.as_str())).collect();
    let warnings = voice::check(&chosen, &draft.rooms);
    let mut all_chosen: HashMap<Category, bool> = HashMap::new();
    for device in selection.devices.iter() {
        *all_chosen.entry(device.category).or_insert(true) &= chosen_ids.contains(device.id.as_str());
    }
    // The device offers come in `Selection::groups` order (`device_offers`): walking the devices
    // in that order beside them finds each offer's device without a map of every id. A device
    // not next in that order (none, as both come from the same list) is searched for.
    let mut in_order = selection.groups().into_iter().flat_map(|(_, devices)| devices).peekable();
    let mut device_of = |id: &str| match in_order.next_if(|next| next.id == id) {
        Some(device) => Some(device),
        None => selection.devices.iter().find(|device| device.id == id),
    };
    let mut buttons = Vec::with_capacity(offers.len());
    for offer in offers {
        let button = match &offer.action {
            Action::ToggleCategory { category } => Button {
                checked: Some(all_chosen.get(category).copied().unwrap_or(true)),
                section: Some(category.label(lang)),
                ..Button::new(all_of(*category, lang), offer.action, offer.primary)
            },
            Action::ToggleDevice { id } => match device_of(id) {
                Some(device) => {
                    let room = draft.rooms.get(&device.id);
                    let hint = warnings
                        .get(device.id.as_str())
                        .and_then(|w| w.first())
                        .map(|w| voice::advice(device, *w, room.map(String::as_str), lang));
                    Button {
                        checked: Some(chosen_ids.contains(device.id.as_str())),
                        section: Some(device.category.label(lang)),
                        hint,
                        value: room.cloned(),
                        detail: Some(match room {
                            Some(room) => lang.pick(&format!("部屋：{room}"), &format!("Room: {room}")),
                            None => lang.pick("部屋：未設定", "Room: not set"),
                        }),
                        ..Button::new(device.name.clone(), offer.action, offer.primary)
                    }
                }
                None => crate::flow::view::button(offer, lang, state),
            },
            _ => crate::flow::view::button(offer, lang, state),
        };
        buttons.push(button);
    }
    buttons
}

pub fn device_page(state: &State, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let mut body = vec![t("音声で操作する機器名称を指定してください。", "Choose the devices to control by voice.")];
    if draft_of(state).selection.devices.is_empty() {
        body.push(t(
            "AiSEG2に音声で操作できる機器が登録されていません。AiSEG2で機器を登録してから「こちらへ」をタップしてください。",
            "The AiSEG2 has no devices that can be controlled by voice. Register devices on the AiSEG2, then tap the link below.",
        ));
    }
    Page::new(t("音声操作機器選択", "Voice-controlled devices"), body)
}

pub fn account_link_offers() -> Vec<Offer> {
    vec![Offer::main(Action::ChooseSpeaker { provider: SpeakerProvider::GoogleHome }, "Google Home", "Google Home")]
}

/// Step 15: which speaker to link.
pub fn account_link_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("アカウントリンク", "Account linking"),
        vec![t(
            "スマートスピーカーとCLUB Panasonic IDを連携します。",
            "Link your smart speaker with your CLUB Panasonic ID.",
        )],
    )
}

pub fn utterances_offers() -> Vec<Offer> {
    vec![Offer::main(Action::Register, "登録", "Register")]
}

/// Step 17: example commands from the chosen devices, the naming cautions, and each name's warning.
pub fn utterances_page(state: &State, lang: Language) -> Page {
    let draft = draft_of(state);
    let chosen = draft.selection.chosen_devices();
    let mut body = vec![lang.pick("以下のように話しかけてください。", "Talk to your speaker like this:")];
    for (heading, lines) in voice::examples(&chosen, &draft.rooms, lang) {
        body.push(heading);
        body.extend(lines);
    }
    body.extend(voice::cautions(lang));
    let warnings = voice::check(&chosen, &draft.rooms);
    for device in &chosen {
        if let Some(w) = warnings.get(device.id.as_str()).and_then(|w| w.first()) {
            let room = draft.rooms.get(&device.id).map(String::as_str);
            body.push(format!("⚠ {}", voice::advice(device, *w, room, lang)));
        }
    }
    Page::new(lang.pick("発話例", "Example commands"), body)
}

pub fn cancelled_offers() -> Vec<Offer> {
    vec![
        Offer::main(Action::GoHome, "ホームへ", "Go to home"),
        Offer::other(Action::RegisterSpeaker, "最初から登録する", "Start again"),
    ]
}

/// A consent was declined: the registration was stopped.
pub fn cancelled_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
        t("スマートスピーカー連携サービスの登録を中止しました", "Smart speaker registration stopped"),
        vec![t(
            "同意いただけなかったため、登録は行われていません。登録するには、もう一度最初からお手続きください。",
            "Nothing was registered because you did not agree. To register, start again from the beginning.",
        )],
    )
}
