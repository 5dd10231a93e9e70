//! Help: the support lines and their hours, open-now in Japan time, one tap away on every screen;
//! closing it returns to the screen it was opened from.

use super::activity::start;
use super::event::Effect;
use super::model::State;
use super::screen::{Action, Activity, Screen};
use super::support::{self, Support};
use super::text::Language;
use super::view::{Offer, Page};

pub fn open(mut next: State) -> (State, Vec<Effect>) {
    next.return_to.push(next.screen.clone());
    start(next, Activity::LoadingHelp)
}

pub fn close(mut next: State) -> (State, Vec<Effect>) {
    next.screen = next.return_to.pop().unwrap_or(Screen::Welcome);
    (next, vec![])
}

/// The help data, and the time now (seconds since the epoch) to tell which lines are open.
pub fn loaded(mut next: State, support: Support, now: i64) -> (State, Vec<Effect>) {
    next.screen = Screen::Help { support, now };
    (next, vec![])
}

pub fn offers() -> Vec<Offer> {
    vec![Offer::main(Action::CloseHelp, "戻る", "Back")]
}

pub fn page(data: &Support, now: i64, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let now = support::japan_time(now);
    let mut body = Vec::new();
    for line in support::current_lines(data, &now) {
        let open = support::is_open(&line, &data.holidays, &now);
        body.push(format!("{}：{}", line.name, line.phone));
        body.push(lang.pick(
            &format!(
                "受付時間 {}（{}）",
                support::hours_text(&line, lang),
                if open { "ただいま受付中" } else { "ただいま受付時間外" }
            ),
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
    body.push(t(
        "※Google Homeのセットアップは完了している状態を想定しています。",
        "Google Home is assumed to be set up already.",
    ));
    Page::new(t("ヘルプ・お問い合わせ", "Help and contact"), body)
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn help_opens_from_any_screen_and_returns() {
        for screen in
            [Screen::Welcome, Screen::Nickname, Screen::Problem { problem: Problem::Offline }, Screen::Troubleshooting]
        {
            let state = speaking(screen.clone(), SpeakerDraft::default());
            let (loading, effects) = update(&state, Event::Tap(Action::OpenHelp));
            assert_eq!(effects, vec![Effect::LoadHelp], "{screen:?}");
            let (help, _) = update(&loading, Event::HelpLoaded { support: support::built_in(), now: 1_700_000_000 });
            let shown = view(&help, Language::Japanese);
            assert!(shown.body.iter().any(|b| b.contains("0120-081-701")), "{:?}", shown.body);
            let (back, _) = update(&help, Event::Tap(Action::CloseHelp));
            assert_eq!(back.screen, screen);
        }
    }
}
