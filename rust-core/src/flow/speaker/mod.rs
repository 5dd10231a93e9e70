//! Speaker registration (flow B, steps 5 and 12–17): the speaker question, nickname, privacy
//! policy, devices and rooms, the speaker to link, its terms, example utterances and 「登録」.
//! The draft survives the app being killed; a registration is sent whole, once every part is there.

mod view;

pub use view::*;

use super::activity::{registration, start};
use super::devices::{Category, Device};
use super::event::Effect;
use super::model::{Notice, SpeakerDraft, State};
use super::nickname::{self, NicknameError};
use super::screen::{Activity, Screen, SpeakerProvider, Terms, TermsKind};
use super::voice;

/// The privacy policy (step 13) or the speaker terms (16) arrived.
pub fn terms_loaded(mut next: State, kind: TermsKind, terms: Terms) -> (State, Vec<Effect>) {
    next.screen = match kind {
        TermsKind::Privacy => Screen::PrivacyPolicy { terms },
        TermsKind::Speaker | TermsKind::App => Screen::SpeakerTerms { terms },
    };
    (next, vec![])
}

pub fn devices_loaded(mut next: State, devices: Vec<Device>) -> (State, Vec<Effect>) {
    let draft = next.draft();
    // Re-reading the AiSEG2 (the refresh link, or a device that vanished) keeps the
    // choices that still exist.
    draft.selection = draft.selection.refreshed(devices);
    // Rooms: a name like 「子供部屋の照明」 says where the device is; the user can change it.
    for device in &draft.selection.devices {
        if let Some(room) = voice::room_in_name(&device.name) {
            draft.rooms.entry(device.id.clone()).or_insert(room);
        }
    }
    next.screen = Screen::DeviceSelection;
    (next, vec![])
}

pub fn registered(state: &State, mut next: State) -> (State, Vec<Effect>) {
    // Taking the nickname over belonged to this registration; a later change is ordinary.
    let moved = next.speaker.as_mut().is_some_and(|draft| std::mem::take(&mut draft.move_here));
    next.speaker_nickname = registration(state).map(|r| r.nickname);
    next.registered = next.speaker.clone();
    if state.speaker_linked == Some(true) {
        // A change to a linked registration: the cloud has Google re-sync; nothing to link.
        next.speaker = None;
        next.screen = next.home();
        next.notice = Some(Notice::SpeakerUpdated);
    } else {
        next.screen = Screen::HandOff;
    }
    // A moved registration brought its Google link, or left this phone's own behind: look
    // (quietly) instead of assuming either.
    (next, if moved { vec![Effect::CheckLink] } else { vec![] })
}

/// 「「たろう」をこのスマートフォンに移す」 on the speaker question: the registration is made
/// again on this phone under that nickname, saying it is moved (the cloud moves it and its
/// Google link); the user goes through the same steps, the nickname filled in.
pub fn take_over(mut next: State, nickname: String) -> (State, Vec<Effect>) {
    next.speaker_prompt_answered = true;
    next.elsewhere.clear();
    let draft = next.draft();
    draft.nickname = nickname;
    draft.move_here = true;
    next.screen = Screen::Nickname;
    (next, vec![])
}

/// 「はい」 on the speaker question (or 「登録する」 from home): the nickname comes first.
pub fn begin(mut next: State) -> (State, Vec<Effect>) {
    next.speaker_prompt_answered = true;
    // The offer to move another phone's registration here belonged to the question just answered.
    next.elsewhere.clear();
    next.draft();
    next.screen = Screen::Nickname;
    (next, vec![])
}

/// 「登録をやめる」: the draft is dropped.
pub fn cancel(mut next: State) -> (State, Vec<Effect>) {
    next.speaker = None;
    next.screen = next.home();
    (next, vec![])
}

/// Change the registration from home: the draft starts as what was registered.
pub fn edit(mut next: State) -> (State, Vec<Effect>) {
    next.speaker = next.registered.clone();
    next.screen = Screen::Nickname;
    (next, vec![])
}

/// The most of what is typed into the nickname field that is kept: well past the 20 the rule
/// allows (so the user sees why theirs is too long), far short of a 50 MiB paste saved with every
/// screen.
pub const TYPED_CHARS: usize = 200;

pub fn edit_nickname(mut next: State, text: String) -> (State, Vec<Effect>) {
    let draft = next.draft();
    draft.nickname = match text.char_indices().nth(TYPED_CHARS) {
        Some((at, _)) => text[..at].to_owned(),
        None => text,
    };
    draft.nickname_error = None;
    draft.move_here = false;
    (next, vec![])
}

/// 「登録する」 on the nickname screen.
pub fn submit_nickname(mut next: State) -> (State, Vec<Effect>) {
    let draft = next.draft();
    // The same nickname another phone holds would only be refused again three screens on.
    if draft.nickname_error == Some(NicknameError::TakenElsewhere) {
        return (next, vec![]);
    }
    let checked = nickname::validate(&draft.nickname);
    if checked.is_ok() {
        // The cloud's refusal was of the nickname sent then; this one goes on afresh.
        draft.nickname_error = None;
    }
    match checked {
        // Changing a registration: the privacy policy was accepted already.
        Ok(_) if draft.privacy_version.is_some() => start(next, Activity::LoadingDevices),
        Ok(_) => start(next, Activity::LoadingPrivacyPolicy),
        Err(error) => {
            draft.nickname_error = Some(error);
            (next, vec![])
        }
    }
}

/// 「このスマートフォンに移す」: the nickname another phone holds is the user's own.
pub fn move_here(mut next: State) -> (State, Vec<Effect>) {
    let draft = next.draft();
    draft.move_here = true;
    draft.nickname_error = None;
    start(next, Activity::Registering)
}

pub fn accept_privacy(mut next: State, version: String) -> (State, Vec<Effect>) {
    next.draft().privacy_version = Some(version);
    start(next, Activity::LoadingDevices)
}

pub fn accept_speaker_terms(mut next: State, version: String) -> (State, Vec<Effect>) {
    next.draft().speaker_terms_version = Some(version);
    next.screen = Screen::Utterances;
    (next, vec![])
}

/// Declining the privacy policy or the speaker terms ends this registration.
pub fn decline_terms(mut next: State) -> (State, Vec<Effect>) {
    next.speaker = None;
    next.screen = Screen::SpeakerCancelled;
    (next, vec![])
}

pub fn set_room(mut next: State, id: String, room: String) -> (State, Vec<Effect>) {
    let room = room.trim().to_owned();
    let draft = next.draft();
    if room.is_empty() {
        draft.rooms.remove(&id);
    } else {
        draft.rooms.insert(id, room);
    }
    (next, vec![])
}

pub fn toggle_device(mut next: State, id: &str) -> (State, Vec<Effect>) {
    next.draft().selection.toggle(id);
    (next, vec![])
}

pub fn toggle_category(mut next: State, category: Category) -> (State, Vec<Effect>) {
    next.draft().selection.toggle_all(category);
    (next, vec![])
}

/// 「AiSEGに登録されている機器と異なる場合は、こちらへ」, or a registration that met a vanished device.
pub fn reload_devices(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::LoadingDevices)
}

/// 「次へ」 on the device screen.
pub fn confirm_devices(mut next: State) -> (State, Vec<Effect>) {
    let draft = next.draft();
    // Changing a registration: the speaker and its terms were chosen already.
    next.screen = if draft.provider.is_some() && draft.speaker_terms_version.is_some() {
        Screen::Utterances
    } else {
        Screen::AccountLink
    };
    (next, vec![])
}

pub fn choose_speaker(mut next: State, provider: SpeakerProvider) -> (State, Vec<Effect>) {
    next.draft().provider = Some(provider);
    start(next, Activity::LoadingSpeakerTerms)
}

/// 「登録」 under the example utterances.
pub fn register(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::Registering)
}

/// The draft's devices a `SetRoom` may name (only those on the device screen).
pub fn has_device(state: &State, id: &str) -> bool {
    state.screen == Screen::DeviceSelection
        && state.speaker.as_ref().is_some_and(|d| d.selection.devices.iter().any(|dev| dev.id == id))
}

/// Whether the device screen shows a 「全て」 box for `category` (it has a device of that kind).
pub fn has_category(state: &State, category: Category) -> bool {
    state.screen == Screen::DeviceSelection
        && state.speaker.as_ref().is_some_and(|d| d.selection.devices.iter().any(|dev| dev.category == category))
}

/// An empty draft for views of a state that has none (cannot happen through the screens).
fn draft_of(state: &State) -> std::borrow::Cow<'_, SpeakerDraft> {
    match &state.speaker {
        Some(draft) => std::borrow::Cow::Borrowed(draft),
        None => std::borrow::Cow::Owned(SpeakerDraft::default()),
    }
}

#[cfg(test)]
mod tests;
