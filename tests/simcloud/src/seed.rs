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

/// Japan's national holidays (国民の祝日, with 振替休日 and 国民の休日), 2023–2027: what help's
/// open-now needs for lines closed on holidays. Checked against the rules in the test below.
pub(crate) const HOLIDAYS: &[&str] = &[
    // 2023
    "2023-01-01",
    "2023-01-02",
    "2023-01-09",
    "2023-02-11",
    "2023-02-23",
    "2023-03-21",
    "2023-04-29",
    "2023-05-03",
    "2023-05-04",
    "2023-05-05",
    "2023-07-17",
    "2023-08-11",
    "2023-09-18",
    "2023-09-23",
    "2023-10-09",
    "2023-11-03",
    "2023-11-23",
    // 2024
    "2024-01-01",
    "2024-01-08",
    "2024-02-11",
    "2024-02-12",
    "2024-02-23",
    "2024-03-20",
    "2024-04-29",
    "2024-05-03",
    "2024-05-04",
    "2024-05-05",
    "2024-05-06",
    "2024-07-15",
    "2024-08-11",
    "2024-08-12",
    "2024-09-16",
    "2024-09-22",
    "2024-09-23",
    "2024-10-14",
    "2024-11-03",
    "2024-11-04",
    "2024-11-23",
    // 2025
    "2025-01-01",
    "2025-01-13",
    "2025-02-11",
    "2025-02-23",
    "2025-02-24",
    "2025-03-20",
    "2025-04-29",
    "2025-05-03",
    "2025-05-04",
    "2025-05-05",
    "2025-05-06",
    "2025-07-21",
    "2025-08-11",
    "2025-09-15",
    "2025-09-23",
    "2025-10-13",
    "2025-11-03",
    "2025-11-23",
    "2025-11-24",
    // 2026 (憲法記念日 falls on a Sunday: 5/6 is its 振替休日; 9/22 is a 国民の休日)
    "2026-01-01",
    "2026-01-12",
    "2026-02-11",
    "2026-02-23",
    "2026-03-20",
    "2026-04-29",
    "2026-05-03",
    "2026-05-04",
    "2026-05-05",
    "2026-05-06",
    "2026-07-20",
    "2026-08-11",
    "2026-09-21",
    "2026-09-22",
    "2026-09-23",
    "2026-10-12",
    "2026-11-03",
    "2026-11-23",
    // 2027
    "2027-01-01",
    "2027-01-11",
    "2027-02-11",
    "2027-02-23",
    "2027-03-21",
    "2027-03-22",
    "2027-04-29",
    "2027-05-03",
    "2027-05-04",
    "2027-05-05",
    "2027-07-19",
    "2027-08-11",
    "2027-09-20",
    "2027-09-23",
    "2027-10-11",
    "2027-11-03",
    "2027-11-23",
];

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
            "holidays": HOLIDAYS
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    fn days(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    /// 0 = Sunday.
    fn weekday(day: i64) -> i64 {
        (day + 4).rem_euclid(7)
    }

    fn civil(day: i64) -> String {
        let z = day + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
    }

    /// The n-th Monday of a month (ハッピーマンデー).
    fn monday(y: i64, m: i64, n: i64) -> i64 {
        let first = days(y, m, 1);
        first + (8 - weekday(first)) % 7 + 7 * (n - 1)
    }

    /// The holidays of one year from the law (祝日法) instead of a list: fixed dates, Happy
    /// Mondays, the equinoxes by the usual formula (valid 1980–2099), then 振替休日 (a holiday on
    /// a Sunday moves to the next day that is not one) and 国民の休日 (a day between two holidays).
    fn by_the_rules(y: i64) -> Vec<String> {
        let since = (y - 1980) as f64;
        let equinox = |base: f64| (base + 0.242194 * since - (since / 4.0).floor()).floor() as i64;
        let mut set = vec![
            days(y, 1, 1),
            monday(y, 1, 2),
            days(y, 2, 11),
            days(y, 2, 23),
            days(y, 3, equinox(20.8431)),
            days(y, 4, 29),
            days(y, 5, 3),
            days(y, 5, 4),
            days(y, 5, 5),
            monday(y, 7, 3),
            days(y, 8, 11),
            monday(y, 9, 3),
            days(y, 9, equinox(23.2488)),
            monday(y, 10, 2),
            days(y, 11, 3),
            days(y, 11, 23),
        ];
        set.sort();
        let between: Vec<i64> = set.windows(2).filter(|w| w[1] - w[0] == 2).map(|w| w[0] + 1).collect();
        set.extend(between);
        for day in set.clone() {
            if weekday(day) == 0 {
                let mut substitute = day + 1;
                while set.contains(&substitute) {
                    substitute += 1;
                }
                set.push(substitute);
            }
        }
        set.sort();
        set.into_iter().map(civil).collect()
    }

    #[test]
    fn holidays_follow_the_law() {
        for year in 2023..=2027 {
            let listed: Vec<String> =
                HOLIDAYS.iter().filter(|d| d.starts_with(&year.to_string())).map(|d| (*d).to_owned()).collect();
            assert_eq!(listed, by_the_rules(year), "{year}");
        }
        assert_eq!(HOLIDAYS.len(), 17 + 21 + 19 + 18 + 17);
        // Spot checks against the Cabinet Office's published calendar.
        for known in ["2023-01-02", "2024-09-23", "2025-11-24", "2026-09-22", "2027-03-22"] {
            assert!(HOLIDAYS.contains(&known), "{known}");
        }
    }
}
