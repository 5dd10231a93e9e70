//! Launch and updates (step 1): the version check at every launch, an old Panasonic ID left on the
//! phone (migration), and carrying on with whatever was in flight when the app was last stopped.

use super::activity::start;
use super::event::Effect;
use super::model::State;
use super::screen::{Action, Activity, Screen};
use super::support::{UpdateNeed, UpdateTarget};
use super::text::Language;
use super::view::{Offer, Page};

/// Whether an effect runs beside the user rather than in turn: a look the app takes on its own
/// (step 1's version check at launch, home's refresh, the link after coming back) while the
/// screen takes taps. Nothing on the screen waits for its answer, so a slow or silent service
/// never holds up a tap; the answer comes later, as an event like any other, and acts only
/// where it still makes sense (`up_to_date`, `login::terms_checked`, `google_home::link_checked`).
/// What the user waits for — a busy screen, 「アップデートしたので確認する」 — runs in turn.
pub fn runs_beside(state: &State, effect: &Effect) -> bool {
    matches!(effect, Effect::CheckVersions | Effect::CheckTerms | Effect::CheckLink)
        && !matches!(state.screen, Screen::Busy { .. } | Screen::UpdateRequired { .. })
}

/// The app object was created: check versions (and, on a fresh install, look for an old ID).
pub fn launched(state: &State, next: State) -> (State, Vec<Effect>) {
    let old_id = (*state == State::default()).then_some(Effect::CheckOldId);
    (next, old_id.into_iter().chain([Effect::CheckVersions]).collect())
}

/// Step 1 found an update the user must make first.
///
/// Help open at the relaunch stays open, as every screen comes back as it was shown: the update
/// screen goes beneath it, as if help had been opened from the update screen, so 「戻る」 shows
/// the update and nothing else can be reached before it is done.
pub fn update_needed(mut next: State, need: UpdateNeed) -> (State, Vec<Effect>) {
    let required = Screen::UpdateRequired { need };
    if matches!(next.screen, Screen::Help { .. } | Screen::Busy { activity: Activity::LoadingHelp }) {
        match next.return_to.last_mut() {
            // Opened from the update screen: it shows the versions just read.
            Some(under @ Screen::UpdateRequired { .. }) => *under = required,
            _ => next.return_to.push(required),
        }
        // Help still loading when the app was killed loads again.
        return resume(next);
    }
    if !matches!(next.screen, Screen::UpdateRequired { .. }) {
        next.return_to.push(next.screen.clone());
    }
    next.screen = required;
    (next, vec![])
}

/// Step 1 found nothing to update (or could not check): carry on.
pub fn up_to_date(state: &State, mut next: State) -> (State, Vec<Effect>) {
    if matches!(state.screen, Screen::UpdateRequired { .. }) {
        next.screen = next.return_to.pop().unwrap_or(Screen::Welcome);
    }
    // Help opened over the update screen: closing it no longer leads to an update already made.
    next.return_to.retain(|screen| !matches!(screen, Screen::UpdateRequired { .. }));
    resume(next)
}

pub fn old_id_checked(mut next: State, found: bool) -> (State, Vec<Effect>) {
    if found {
        next.screen = Screen::Migration;
    }
    (next, vec![])
}

/// The old ID's data is gone: on to CLUB Panasonic login.
pub fn old_id_wiped(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::OpeningLogin)
}

/// 「CLUB Panasonic IDでログインする」 on the migration screen.
pub fn migrate(next: State) -> (State, Vec<Effect>) {
    start(next, Activity::WipingOldId)
}

pub fn open_store(next: State) -> (State, Vec<Effect>) {
    (next, vec![Effect::OpenStore])
}

pub fn check_updates(next: State) -> (State, Vec<Effect>) {
    (next, vec![Effect::CheckVersions])
}

/// Carries on after a launch (or an update): restarts the activity in flight, or refreshes.
fn resume(next: State) -> (State, Vec<Effect>) {
    match next.running() {
        Some(activity) => start(next, activity),
        // Home refreshes quietly: a revised terms version (step 4 again), and whether Google
        // Home still holds the link (the user may have unlinked there).
        None if matches!(next.screen, Screen::Home { .. }) => {
            let terms = (!next.speaker_only).then_some(Effect::CheckTerms);
            let link = next.speaker_nickname.is_some().then_some(Effect::CheckLink);
            (next, terms.into_iter().chain(link).collect())
        }
        // Killed while the user was in Google Home (or before going): look quietly; a link found
        // moves on, none leaves the screen as it was, with 「連携を確認する」 still there.
        None if next.screen == Screen::WaitingForGoogleHome => (next, vec![Effect::CheckLink]),
        None => (next, vec![]),
    }
}

pub fn migration_offers() -> Vec<Offer> {
    vec![Offer::main(Action::Migrate, "CLUB Panasonic IDでログインする", "Log in with a CLUB Panasonic ID")]
}

pub fn migration_page(lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    Page::new(
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
    )
}

pub fn update_offers(need: &UpdateNeed) -> Vec<Offer> {
    // The app can send the user to its store page; the AiSEG2 is updated on the AiSEG2.
    let store = (need.target == UpdateTarget::App)
        .then(|| Offer::main(Action::OpenStore, "ストアでアップデートする", "Update in the store"));
    store
        .into_iter()
        .chain([Offer::main(Action::CheckUpdates, "アップデートしたので確認する", "I have updated: check again")])
        .collect()
}

pub fn update_page(need: &UpdateNeed, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
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
    Page::new(
        t("アップデートが必要です", "An update is needed"),
        vec![
            lang.pick(
                &format!("{what}を最新バージョンにアップデートしてください。"),
                &format!("Please update {what} to the latest version."),
            ),
            lang.pick(
                &format!("現在のバージョン：{}　必要なバージョン：{}以上", need.installed, need.required),
                &format!("Installed: {}   Required: {} or later", need.installed, need.required),
            ),
            how,
        ],
    )
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn launch_checks_versions_first_and_an_old_id_on_a_fresh_install() {
        assert_eq!(update(&State::default(), Event::Launched).1, vec![Effect::CheckOldId, Effect::CheckVersions]);
        assert_eq!(update(&on(Screen::SpeakerPrompt), Event::Launched).1, vec![Effect::CheckVersions]);

        let need = firmware_need();
        let saving = busy(Activity::SavingConsent { version: "2".into() });
        let (blocked, effects) = update(&on(saving.clone()), Event::VersionsChecked { need: Some(need.clone()) });
        assert_eq!((blocked.screen.clone(), effects), (Screen::UpdateRequired { need: need.clone() }, vec![]));
        let (checking, effects) = update(&blocked, Event::Tap(Action::CheckUpdates));
        assert_eq!(effects, vec![Effect::CheckVersions]);
        let (still, _) = update(&checking, Event::VersionsChecked { need: Some(need) });
        assert_eq!(still.return_to, vec![saving.clone()], "checking again does not stack screens");
        // Updated: the flow continues where it was, restarting the work in flight.
        let (resumed, effects) = update(&still, Event::VersionsChecked { need: None });
        assert_eq!(resumed.screen, saving);
        assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);
    }

    /// Help open when the app is killed comes back after the relaunch, as every screen does, even
    /// when the relaunch's version check finds an update: the update screen waits beneath help,
    /// exactly as if help had been opened from it, and 「戻る」 shows it.
    #[test]
    fn help_comes_back_after_a_relaunch_with_the_update_screen_beneath_it() {
        let need = firmware_need();
        let newer = UpdateNeed { required: "2.90".into(), ..need.clone() };
        let home = Screen::Home { display_name: "太郎".into(), speaker_nickname: None, speaker_linked: None };
        let help = |state: &State| {
            let (loading, _) = update(state, Event::Tap(Action::OpenHelp));
            update(&loading, Event::HelpLoaded { support: support::built_in(), now: 0 }).0
        };
        let relaunch = |state: &State, need: Option<UpdateNeed>| {
            let (launched, effects) = update(state, Event::Launched);
            assert_eq!(effects, vec![Effect::CheckVersions]);
            update(&launched, Event::VersionsChecked { need }).0
        };
        // Help over 「アップデートが必要です」: still help, the update screen (with the versions
        // just read) beneath it.
        let blocked = update(&on(home.clone()), Event::VersionsChecked { need: Some(need.clone()) }).0;
        let helped = help(&blocked);
        let back = relaunch(&helped, Some(newer.clone()));
        assert!(matches!(back.screen, Screen::Help { .. }), "{:?}", back.screen);
        assert_eq!(back.return_to, vec![home.clone(), Screen::UpdateRequired { need: newer.clone() }]);
        let closed = update(&back, Event::Tap(Action::CloseHelp)).0;
        assert_eq!(closed.screen, Screen::UpdateRequired { need: newer.clone() });
        // Help over home, and the relaunch finds an update: the same state as opening help from
        // the update screen.
        let from_home = relaunch(&help(&on(home.clone())), Some(newer.clone()));
        assert_eq!((&from_home.screen, &from_home.return_to), (&back.screen, &back.return_to));
        // Updated meanwhile: help stays, and 「戻る」 no longer leads to a stale update screen.
        let updated = relaunch(&helped, None);
        assert!(matches!(updated.screen, Screen::Help { .. }));
        assert_eq!(update(&updated, Event::Tap(Action::CloseHelp)).0.screen, home);
    }

    #[test]
    fn old_id_migration_wipes_locally_then_logs_in() {
        let (migration, _) = update(&State::default(), Event::OldIdChecked { found: true });
        assert_eq!(migration.screen, Screen::Migration);
        let (wiping, effects) = update(&migration, Event::Tap(Action::Migrate));
        assert_eq!(effects, vec![Effect::WipeOldId]);
        let (opening, effects) = update(&wiping, Event::OldIdWiped);
        assert_eq!(
            (opening.screen, effects),
            (busy(Activity::OpeningLogin), vec![Effect::OpenLogin { create: false }])
        );
    }
}
