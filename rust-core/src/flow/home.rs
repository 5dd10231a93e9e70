//! Home (step 6-A): who is logged in, the speaker registration and whether Google still holds its
//! link, and the ways from there.

use super::event::Effect;
use super::model::State;
use super::screen::Action;
use super::text::Language;
use super::view::{Offer, Page};

/// 「いいえ」 on the speaker question, or 「ホームへ」 anywhere.
pub fn go_home(mut next: State) -> (State, Vec<Effect>) {
    next.speaker_prompt_answered = true;
    next.screen = next.home();
    (next, vec![])
}

pub fn offers(state: &State, speaker_nickname: Option<&String>, speaker_linked: Option<bool>) -> Vec<Offer> {
    let mut offers = Vec::new();
    match speaker_nickname {
        Some(_) => {
            if state.registered.is_some() {
                offers.push(Offer::other(Action::EditSpeaker, "登録内容を変更する", "Change the registration"));
            }
            if speaker_linked == Some(false) {
                offers.push(Offer::main(Action::OpenGoogleHome, "Google Homeと連携し直す", "Link Google Home again"));
            } else {
                offers.push(Offer::other(
                    Action::VoiceNotWorking,
                    "音声で操作できないとき",
                    "Voice control doesn't work",
                ));
            }
        }
        None => offers.push(Offer::other(
            Action::RegisterSpeaker,
            "スマートスピーカー連携サービスを登録する",
            "Register for the smart speaker service",
        )),
    }
    offers.push(Offer::other(Action::Logout, "ログアウト", "Log out"));
    offers
}

pub fn page(
    display_name: &str,
    speaker_nickname: Option<&String>,
    speaker_linked: Option<bool>,
    lang: Language,
) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let mut body = vec![if display_name.is_empty() {
        t("スマートHEMSサービスをご利用いただけます。", "The Smart HEMS Service is ready.")
    } else {
        lang.pick(
            &format!("{display_name}さん、スマートHEMSサービスをご利用いただけます。"),
            &format!("Welcome, {display_name}. The Smart HEMS Service is ready."),
        )
    }];
    if let Some(nickname) = speaker_nickname {
        body.push(lang.pick(
            &format!("スマートスピーカー連携サービス：登録済み（ニックネーム「{nickname}」）"),
            &format!("Smart speaker service: registered (nickname \"{nickname}\")"),
        ));
        if speaker_linked == Some(false) {
            body.push(t(
                "Google Homeとのアカウントのリンクが解除されています。音声で操作するには、もう一度連携してください。",
                "Google Home is no longer linked. Link it again to control devices by voice.",
            ));
        }
    }
    Page::new(t("ホーム", "Home"), body)
}
