//! What a fresh simulated cloud knows before any test touches it: one CLUB Panasonic ID, the first
//! published terms of use and the app-config document.
//!
//! The values mirror what the production cloud served when the app switched to CLUB Panasonic ID
//! (terms of 2023-06-21, the temporary switch-over help line), so scenarios read like the real thing.

use serde_json::{json, Value};

pub(crate) const USER_EMAIL: &str = "taro@example.jp";
pub(crate) const USER_PASSWORD: &str = "Passw0rd!";
pub(crate) const USER_NAME: &str = "パナソニック 太郎";

pub(crate) const TERMS_VERSION: &str = "2023-06-21";
pub(crate) const TERMS_TITLE: &str = "スマートHEMSサービス利用規約";

/// Written for the simulation; short on purpose so test output stays readable.
pub(crate) const TERMS_BODY: &str = "\
第1条（本規約の目的）
本規約は、パナソニック株式会社（以下「当社」）が提供するスマートHEMSサービス（以下「本サービス」）の利用条件を定めるものです。

第2条（利用資格）
本サービスは、CLUB Panasonic IDをお持ちで、AiSEG2を設置されたお客様がご利用いただけます。

第3条（取得する情報）
当社は、本サービスの提供のため、AiSEG2が計測した電力量その他の機器情報を取得し、当社のプライバシーポリシーに従って取り扱います。

第4条（禁止事項）
お客様は、本サービスを不正な目的で利用し、または第三者にCLUB Panasonic IDを利用させてはなりません。

第5条（規約の変更）
当社は、本規約を変更することがあります。変更後の規約に同意いただけない場合、本サービスはご利用いただけません。";

/// `GET /api/v1/app-config`.
pub(crate) fn app_config() -> Value {
    json!({
        "min_app_version": "3.0.0",
        "min_firmware_version": "2.80",
        "google_home_agent_id": "smarthems-sim",
        "support": {
            "lines": [
                {
                    "name": "CLUB Panasonic ID切替ご案内 専用窓口",
                    "phone": "0120-871-141",
                    "note": "携帯電話からもご利用になれます。上記番号がご利用できない場合 06-6906-6570",
                    "days": "weekdays",
                    "opens": "09:00",
                    "closes": "17:00",
                    "closed_on_holidays": true,
                    "valid_from": "2023-05-08",
                    "valid_until": "2023-10-31"
                },
                {
                    "name": "CLUB Panasonic ID切替ご案内 窓口",
                    "phone": "0120-081-701",
                    "note": "携帯電話からもご利用になれます",
                    "days": "every_day",
                    "opens": "09:00",
                    "closes": "18:00",
                    "closed_on_holidays": false,
                    "valid_from": "2023-11-01",
                    "valid_until": null
                }
            ],
            "holidays": ["2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29",
                         "2026-05-04", "2026-05-05", "2026-05-06", "2026-07-20", "2026-08-11", "2026-09-21",
                         "2026-09-22", "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23"]
        }
    })
}
