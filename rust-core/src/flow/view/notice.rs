//! The words of each notice: a one-off message over the current screen.

use crate::flow::model::Notice;
use crate::flow::text::Language;

pub(super) fn text(notice: Notice, lang: Language) -> String {
    let t = |ja: &str, en: &str| lang.pick(ja, en);
    match notice {
    Notice::RedirectRefused => t(
        "このログインの応答ではないため、受け付けませんでした。ブラウザでログインを続けてください。",
        "That answer did not belong to this login, so it was not accepted. Please go on logging in in the browser.",
    ),
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
    Notice::BrowserNotOpened => t(
            "ブラウザを開けませんでした。ブラウザアプリが使える状態か確認して、「ブラウザをもう一度開く」をタップしてください。",
            "The browser could not be opened. Check that a browser app is available and tap 'Open the browser again'.",
        ),
        Notice::GoogleHomeNotOpened => t(
            "Google Homeアプリを開けませんでした。Google Homeアプリをインストールしてから、もう一度お試しください。",
            "The Google Home app could not be opened. Install Google Home, then try again.",
        ),
        Notice::StoreNotOpened => t(
            "ストアを開けませんでした。App Store または Google Play で「スマートHEMSサービス」をアップデートしてください。",
            "The store could not be opened. Update 'Smart HEMS Service' in the App Store or Google Play.",
        ),
        Notice::StartedOver => t(
            "アプリのデータを読み込めなかったため、最初の画面から始めます。お手数ですが、もう一度ログインしてください。",
            "The app's data could not be read, so it starts from the beginning. Please log in again.",
        ),
        Notice::NotSaved => t(
            "入力した内容を端末に保存できませんでした。端末の空き容量をご確認ください。アプリを閉じるまでは内容は残っています。",
            "What you entered could not be saved on the phone. Check its free storage. It is kept until you close the app.",
        ),
        Notice::WaitingForService => t(
            "サービスが混み合っています。サービスの指示どおり少し待ってから、自動でもう一度接続します。このままお待ちください。",
            "The service is busy. As it asked, the app waits a little and then tries again by itself. Please wait.",
        ),
        Notice::DevicesChanged => t(
        "AiSEG2に登録されている機器が変わったため、一覧を読み込み直しました。選び直してください。",
        "The AiSEG2's devices have changed, so the list was read again. Please check your choice.",
    ),
    }
}
