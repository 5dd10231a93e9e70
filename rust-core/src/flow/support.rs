//! Help: the support lines, their hours, and whether each is open now in Japan time; plus the
//! version checks of step 1. Both read data the cloud can change; the clock comes in as input.

use serde::{Deserialize, Serialize};

use super::text::Language;

/// Which days a support line answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum SupportDays {
    /// Monday to Friday.
    Weekdays,
    EveryDay,
}

/// One support line, as the cloud describes it (the seed's lines are the first data set).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct SupportLine {
    pub name: String,
    pub phone: String,
    /// A remark to show with it (「携帯電話からもご利用になれます」).
    pub note: Option<String>,
    pub days: SupportDays,
    /// Opening and closing time, "HH:MM" Japan time.
    pub opens: String,
    pub closes: String,
    pub closed_on_holidays: bool,
    /// First and last day the line exists, "YYYY-MM-DD" (inclusive); `None` is open-ended.
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

/// The help data: lines and the public holidays they close on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct Support {
    pub lines: Vec<SupportLine>,
    /// Japanese public holidays, "YYYY-MM-DD".
    pub holidays: Vec<String>,
}

/// A moment in Japan (UTC+9, no daylight saving): date, weekday (0 = Monday) and minute of day.
#[derive(Debug, PartialEq, Eq)]
pub struct JapanTime {
    pub date: String,
    pub weekday: u32,
    pub minute: u32,
}

/// Converts seconds since the epoch to Japan time.
pub fn japan_time(unix: i64) -> JapanTime {
    let local = unix + 9 * 3600;
    let days = local.div_euclid(86_400);
    let minute = (local.rem_euclid(86_400) / 60) as u32;
    // 1970-01-01 was a Thursday.
    let weekday = (days + 3).rem_euclid(7) as u32;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    JapanTime { date: format!("{year:04}-{month:02}-{day:02}"), weekday, minute }
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    Some(h.parse::<u32>().ok()? * 60 + m.parse::<u32>().ok()?)
}

/// Lines that exist on that date.
pub fn current_lines(support: &Support, now: &JapanTime) -> Vec<SupportLine> {
    support
        .lines
        .iter()
        .filter(|l| l.valid_from.as_deref().is_none_or(|from| from <= now.date.as_str()))
        .filter(|l| l.valid_until.as_deref().is_none_or(|until| now.date.as_str() <= until))
        .cloned()
        .collect()
}

/// Whether the line answers now.
pub fn is_open(line: &SupportLine, holidays: &[String], now: &JapanTime) -> bool {
    let day_ok = match line.days {
        SupportDays::Weekdays => now.weekday < 5,
        SupportDays::EveryDay => true,
    };
    let holiday = holidays.contains(&now.date);
    let (Some(opens), Some(closes)) = (minutes(&line.opens), minutes(&line.closes)) else { return false };
    day_ok && !(holiday && line.closed_on_holidays) && (opens..closes).contains(&now.minute)
}

/// The hours as the seed writes them: 「平日/9:00～17:00(土曜、日曜、祝日を除く)」.
pub fn hours_text(line: &SupportLine, lang: Language) -> String {
    let days = match (line.days, line.closed_on_holidays, lang) {
        (SupportDays::Weekdays, true, Language::Japanese) => "平日（土曜、日曜、祝日を除く）",
        (SupportDays::Weekdays, false, Language::Japanese) => "平日（土曜、日曜を除く）",
        (SupportDays::EveryDay, true, Language::Japanese) => "毎日（祝日を除く）",
        (SupportDays::EveryDay, false, Language::Japanese) => "365日",
        (SupportDays::Weekdays, true, Language::English) => "Weekdays (not Sat, Sun or public holidays)",
        (SupportDays::Weekdays, false, Language::English) => "Weekdays (not Sat or Sun)",
        (SupportDays::EveryDay, true, Language::English) => "Every day except public holidays",
        (SupportDays::EveryDay, false, Language::English) => "Every day",
    };
    format!("{days} {}～{}", line.opens.trim_start_matches('0'), line.closes.trim_start_matches('0'))
}

/// The built-in help data, used when the cloud cannot be reached: the seed's line from
/// 2023-11-01 on.
pub fn built_in() -> Support {
    Support {
        lines: vec![SupportLine {
            name: "CLUB Panasonic ID切替ご案内 窓口".into(),
            phone: "0120-081-701".into(),
            note: Some("携帯電話からもご利用になれます".into()),
            days: SupportDays::EveryDay,
            opens: "09:00".into(),
            closes: "18:00".into(),
            closed_on_holidays: false,
            valid_from: Some("2023-11-01".into()),
            valid_until: None,
        }],
        holidays: vec![],
    }
}

/// What must be updated before the app can be used (step 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum UpdateTarget {
    App,
    Firmware,
}

/// An update the user must make, with the versions to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct UpdateNeed {
    pub target: UpdateTarget,
    pub installed: String,
    pub required: String,
}

/// Whether `installed` is older than `required`, comparing dot-separated numbers ("2.9" < "2.10").
pub fn is_below(installed: &str, required: &str) -> bool {
    let parts = |v: &str| v.split('.').map(|p| p.trim().parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    let (mut a, mut b) = (parts(installed), parts(required));
    let len = a.len().max(b.len());
    a.resize(len, 0);
    b.resize(len, 0);
    a < b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Support {
        let line =
            |name: &str, phone: &str, days, opens: &str, closes: &str, holidays, from: &str, until: Option<&str>| {
                SupportLine {
                    name: name.into(),
                    phone: phone.into(),
                    note: None,
                    days,
                    opens: opens.into(),
                    closes: closes.into(),
                    closed_on_holidays: holidays,
                    valid_from: Some(from.into()),
                    valid_until: until.map(Into::into),
                }
            };
        Support {
            lines: vec![
                line(
                    "専用窓口",
                    "0120-871-141",
                    SupportDays::Weekdays,
                    "09:00",
                    "17:00",
                    true,
                    "2023-05-08",
                    Some("2023-10-31"),
                ),
                line("窓口", "0120-081-701", SupportDays::EveryDay, "09:00", "18:00", false, "2023-11-01", None),
            ],
            holidays: vec!["2023-07-17".into()],
        }
    }

    /// Seconds since the epoch of a Japan-time moment.
    fn jst(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        // Days from the civil date (inverse of `japan_time`), then back to UTC.
        let y2 = if mo <= 2 { y - 1 } else { y };
        let era = y2.div_euclid(400);
        let yoe = y2 - era * 400;
        let mp = (mo + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 + h * 3600 + mi * 60 - 9 * 3600
    }

    #[test]
    fn japan_time_is_utc_plus_nine() {
        assert_eq!(japan_time(0), JapanTime { date: "1970-01-01".into(), weekday: 3, minute: 9 * 60 });
        assert_eq!(
            japan_time(jst(2026, 11, 24, 10, 30)),
            JapanTime { date: "2026-11-24".into(), weekday: 1, minute: 630 }
        );
        assert_eq!(japan_time(jst(2024, 2, 29, 23, 59)).date, "2024-02-29");
    }

    #[test]
    fn which_line_is_open_when() {
        let s = seed();
        // (moment, the lines that exist, which of them are open)
        for (when, names, open) in [
            (jst(2023, 6, 21, 10, 0), vec!["専用窓口"], vec![true]), // Wednesday morning
            (jst(2023, 6, 21, 17, 0), vec!["専用窓口"], vec![false]), // closes at 17:00
            (jst(2023, 6, 24, 10, 0), vec!["専用窓口"], vec![false]), // Saturday
            (jst(2023, 7, 17, 10, 0), vec!["専用窓口"], vec![false]), // 海の日
            (jst(2023, 11, 1, 8, 59), vec!["窓口"], vec![false]),
            (jst(2026, 11, 29, 17, 59), vec!["窓口"], vec![true]), // Sunday, 365日
        ] {
            let now = japan_time(when);
            let lines = current_lines(&s, &now);
            assert_eq!(lines.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), names, "{}", now.date);
            assert_eq!(lines.iter().map(|l| is_open(l, &s.holidays, &now)).collect::<Vec<_>>(), open, "{now:?}");
        }
        assert_eq!(hours_text(&s.lines[0], Language::Japanese), "平日（土曜、日曜、祝日を除く） 9:00～17:00");
    }

    #[test]
    fn versions_compare_by_number() {
        for (installed, required, below) in [
            ("2.79", "2.80", true),
            ("2.80", "2.80", false),
            ("2.9", "2.10", true),
            ("3.0.0", "3", false),
            ("3", "3.0.1", true),
            ("10.0", "9.9", false),
        ] {
            assert_eq!(is_below(installed, required), below, "{installed} < {required}");
        }
    }
}
