//! When something goes wrong: which screen a failure lands on and what the user can do next
//! (retry, log in again, show a new code), and the screens that say so.

use super::activity::start;
use super::app_flip;
use super::event::{Effect, Failure};
use super::login;
use super::model::{Notice, State};
use super::nickname::NicknameError;
use super::screen::{Action, Activity, Problem, Screen};
use super::text::Language;
use super::view::{Offer, Page};

/// An effect failed; `state` is where the app was when it started.
pub fn failed(state: &State, mut next: State, failure: Failure) -> (State, Vec<Effect>) {
    let activity = state.running();
    if activity == Some(Activity::ApprovingLink) {
        return app_flip::approval_failed(next, failure);
    }
    if failure == Failure::RedirectRefused {
        return login::redirect_refused(next);
    }
    // A failed quiet refresh (nothing was busy) keeps the user where they are.
    if activity.is_none() && failure != Failure::SessionExpired {
        next.notice = Some(Notice::RefreshFailed);
        return (next, vec![]);
    }
    let problem = match failure {
        Failure::Offline => Problem::Offline,
        Failure::Untrusted => Problem::Untrusted,
        // Only App Flip's approval meets NotRegistered (answered above); anywhere else it is the
        // service's trouble.
        Failure::ServiceTrouble | Failure::NotRegistered => Problem::ServiceTrouble,
        Failure::SessionExpired => Problem::SessionExpired,
        Failure::LoginCancelled => Problem::LoginCancelled,
        // Answered above; should another activity meet it, the login answer was not trusted.
        Failure::LoginRejected | Failure::RedirectRefused => Problem::LoginRejected,
        Failure::TermsOutdated => return terms_outdated(next, activity),
        Failure::NicknameRefused | Failure::NicknameTaken => {
            next.draft().nickname_error = Some(if failure == Failure::NicknameTaken {
                NicknameError::TakenElsewhere
            } else {
                NicknameError::Refused
            });
            next.screen = Screen::Nickname;
            return (next, vec![]);
        }
        Failure::DevicesChanged => {
            let (mut reloading, effects) = start(next, Activity::LoadingDevices);
            reloading.notice = Some(Notice::DevicesChanged);
            return (reloading, effects);
        }
        Failure::CodeExpired => {
            next.speaker = None;
            Problem::CodeExpired
        }
    };
    match failure {
        Failure::Offline | Failure::Untrusted | Failure::ServiceTrouble | Failure::NotRegistered => {
            // A code cannot be exchanged twice, so a sign-in that failed is retried from the login page.
            next.retry = Some(match activity {
                Some(Activity::SigningIn) | None => Activity::OpeningLogin,
                Some(other) => other,
            });
        }
        Failure::SessionExpired => {
            next.after_login = activity.filter(|a| !matches!(a, Activity::SigningOut | Activity::SigningIn));
        }
        _ => {}
    }
    next.screen = Screen::Problem { problem };
    (next, vec![])
}

/// The terms changed under the user: show the new text of the terms concerned.
fn terms_outdated(mut next: State, activity: Option<Activity>) -> (State, Vec<Effect>) {
    let reload = match activity {
        // Either text may be the revised one: both are asked again, in the seed's order.
        Some(Activity::Registering) => {
            if let Some(draft) = next.speaker.as_mut() {
                draft.privacy_version = None;
                draft.speaker_terms_version = None;
            }
            Activity::LoadingPrivacyPolicy
        }
        _ => Activity::LoadingTerms,
    };
    start(next, reload)
}

/// 「再試行」: what failed starts again.
pub fn retry(mut next: State) -> (State, Vec<Effect>) {
    match next.retry.take() {
        Some(activity) => start(next, activity),
        None => (next, vec![]),
    }
}

pub fn offers(problem: Problem) -> Vec<Offer> {
    let login_again = || {
        vec![
            Offer::main(Action::OpenLogin, "もう一度ログインする", "Log in again"),
            Offer::other(Action::CancelLogin, "最初の画面に戻る", "Back to start"),
        ]
    };
    match problem {
        Problem::Offline | Problem::ServiceTrouble | Problem::Untrusted => {
            vec![Offer::main(Action::Retry, "再試行", "Retry")]
        }
        Problem::SessionExpired => vec![Offer::main(Action::OpenLogin, "ログインする", "Log in")],
        Problem::LoginCancelled | Problem::LoginRejected | Problem::LoginInterrupted => login_again(),
        Problem::CodeExpired => vec![Offer::main(Action::GoHome, "ホームへ", "Go to home")],
    }
}

pub fn page(problem: Problem, lang: Language) -> Page {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    let (title, text) = match problem {
        Problem::Offline => (
            t("インターネットに接続できません", "Cannot connect to the internet"),
            t(
                "通信環境をご確認のうえ、「再試行」をタップしてください。入力した内容は保存されています。",
                "Check your connection and tap 'Retry'. Nothing you entered has been lost.",
            ),
        ),
        Problem::ServiceTrouble => (
            t("サービスに接続できません", "The service is not responding"),
            t(
                "サーバーで問題が発生しています。しばらく待ってから「再試行」をタップしてください。入力した内容は保存されています。",
                "The server has a problem. Wait a moment and tap 'Retry'. Nothing you entered has been lost.",
            ),
        ),
        Problem::SessionExpired => (
            t("もう一度ログインしてください", "Please log in again"),
            t(
                "ログインの有効期限が切れました。もう一度ログインすると、続きから再開できます。",
                "Your login has expired. Log in again to continue where you left off.",
            ),
        ),
        Problem::LoginCancelled => (
            t("ログインがキャンセルされました", "Login was cancelled"),
            t("ご利用にはCLUB Panasonic IDでのログインが必要です。", "You need to log in with your CLUB Panasonic ID to continue."),
        ),
        Problem::LoginRejected => (
            t("ログインを完了できませんでした", "Login could not be completed"),
            t(
                "ログインの応答を確認できませんでした。安全のため、最初からもう一度ログインしてください。",
                "The login response could not be verified. For your safety, please log in again from the start.",
            ),
        ),
        Problem::CodeExpired => (
            t("この2次元コードは使えません", "This 2D code cannot be used"),
            t(
                "2次元コードの有効期限が切れているか、すでに使われています。AiSEG2の画面で「スマートスピーカー設定」→「ID登録」をタップして新しい2次元コードを表示し、読み取ってください。",
                "The 2D code has expired or was already used. On the AiSEG2, tap 'Smart speaker settings' → 'ID registration' to show a new code, and scan it.",
            ),
        ),
        Problem::Untrusted => (
            t("安全な接続を確認できません", "The connection could not be verified as secure"),
            t(
                "接続先の証明書を確認できなかったため、通信を中止しました（何も送信していません）。端末の日付と時刻が正しく設定されているか確認してください。公衆Wi-Fiや会社のネットワークなど通信を中継・検査するネットワークに接続している場合は、モバイルデータ通信など別のネットワークに切り替えてから「再試行」をタップしてください。",
                "The server's certificate could not be verified, so the connection was stopped (nothing was sent). Check that the phone's date and time are set correctly. On a network that intercepts traffic (public or company Wi-Fi), switch to another network such as mobile data, then tap 'Retry'.",
            ),
        ),
        Problem::LoginInterrupted => (
            t("ログインが中断されました", "Login was interrupted"),
            t(
                "ログインの途中でアプリが終了しました。もう一度ログインしてください。",
                "The app was closed while logging in. Please log in again.",
            ),
        ),
    };
    Page::new(title, vec![text])
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn retry_starts_the_failed_activity_again() {
        let saving = Activity::SavingConsent { version: "2".into() };
        let (failed, _) = update(&on(busy(saving.clone())), Event::Failed(Failure::Offline));
        let (again, effects) = update(&failed, Event::Tap(Action::Retry));
        assert_eq!(again.screen, busy(saving));
        assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);

        // A sign-in cut off by the network starts again from the login page (codes are one-time).
        let (failed, _) = update(&on(busy(Activity::SigningIn)), Event::Failed(Failure::Offline));
        assert_eq!(update(&failed, Event::Tap(Action::Retry)).1, vec![Effect::OpenLogin { create: false }]);
    }

    #[test]
    fn logging_in_again_resumes_what_the_expired_session_interrupted() {
        let saving = Activity::SavingConsent { version: "2".into() };
        let (expired, _) = update(&on(busy(saving.clone())), Event::Failed(Failure::SessionExpired));
        let (signing_in, _) = update(&expired, Event::Tap(Action::OpenLogin));
        let (signing_in, _) = update(&signing_in, Event::LoginOpened);
        let (signing_in, _) = update(&signing_in, Event::Incoming(IncomingUrl("x".into())));
        let (resumed, _) = update(&signing_in, Event::SignedIn(taro()));
        let (resumed, effects) = update(&resumed, Event::VersionsChecked { need: None });
        assert_eq!(resumed.screen, busy(saving));
        assert_eq!(effects, vec![Effect::SaveConsent { version: "2".into() }]);

        // Someone else logging in does not inherit it.
        let other = Account { subject: "hanako".into(), display_name: "花子".into() };
        let (fresh, effects) = update(&signing_in, Event::SignedIn(other.clone()));
        assert_eq!((fresh.screen.clone(), effects), (busy(Activity::LoadingTerms), vec![Effect::CheckVersions]));
        assert_eq!(fresh.account, Some(other));
        assert!(!fresh.speaker_prompt_answered);
    }
}
