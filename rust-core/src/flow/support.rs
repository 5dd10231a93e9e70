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

/// A moment in Japan (UTC+9, no daylight saving): the day (days since 1970-01-01), its date and
/// weekday (0 = Monday), and the minute of the day.
#[derive(Debug, PartialEq, Eq)]
pub struct JapanTime {
    pub day: i64,
    pub date: String,
    pub weekday: u32,
    pub minute: u32,
}

/// Converts seconds since the epoch to Japan time.
pub fn japan_time(unix: i64) -> JapanTime {
    let local = unix + 9 * 3600;
    JapanTime { minute: (local.rem_euclid(86_400) / 60) as u32, ..start_of_day(local.div_euclid(86_400)) }
}

/// Midnight in Japan starting that day (days since 1970-01-01).
fn start_of_day(days: i64) -> JapanTime {
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
    JapanTime { day: days, date: format!("{year:04}-{month:02}-{day:02}"), weekday, minute: 0 }
}

/// Minutes since midnight of "H:MM" or "HH:MM", up to "24:00"; `None` if it is no such time.
fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// A time as people write it: 「0:00」, 「9:05」, 「18:00」 (what cannot be read, as it came).
fn time_text(hhmm: &str) -> String {
    minutes(hhmm).map_or_else(|| hhmm.to_owned(), |m| format!("{}:{:02}", m / 60, m % 60))
}

/// Whether the line's hours run past midnight (20:00～02:00).
fn past_midnight(line: &SupportLine) -> bool {
    matches!((minutes(&line.opens), minutes(&line.closes)), (Some(opens), Some(closes)) if closes < opens)
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

/// Whether the line answers now. Hours past midnight (20:00～02:00) belong to the day they
/// start on: Friday's evening runs into Saturday's small hours, a holiday's evening into the next.
pub fn is_open(line: &SupportLine, holidays: &[String], now: &JapanTime) -> bool {
    let (Some(opens), Some(closes)) = (minutes(&line.opens), minutes(&line.closes)) else { return false };
    if opens <= closes {
        (opens..closes).contains(&now.minute) && answers_on(line, holidays, now)
    } else if now.minute >= opens {
        answers_on(line, holidays, now)
    } else {
        now.minute < closes && answers_on(line, holidays, &start_of_day(now.day - 1))
    }
}

/// Whether the line has hours starting on that day (its weekdays, its holidays).
fn answers_on(line: &SupportLine, holidays: &[String], day: &JapanTime) -> bool {
    let day_ok = match line.days {
        SupportDays::Weekdays => day.weekday < 5,
        SupportDays::EveryDay => true,
    };
    day_ok && !(line.closed_on_holidays && holidays.contains(&day.date))
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
    let (opens, closes) = (time_text(&line.opens), time_text(&line.closes));
    match (past_midnight(line), lang) {
        (false, _) => format!("{days} {opens}～{closes}"),
        (true, Language::Japanese) => format!("{days} {opens}～翌{closes}"),
        (true, Language::English) => format!("{days} {opens}～{closes} (next day)"),
    }
}

/// The built-in help data, used when the cloud cannot be reached: every line of the seed, each on
/// its dates — the switch-over line (0120-871-141, or 06-6906-6570 where the free dial cannot be
/// used) on weekdays from 2023-05-08 to 2023-10-31, then 0120-081-701 every day — and the public
/// holidays the first one closed on.
pub fn built_in() -> Support {
    Support {
        lines: vec![
            SupportLine {
                name: "CLUB Panasonic ID切替ご案内 専用窓口".into(),
                phone: "0120-871-141".into(),
                note: Some("携帯電話からもご利用になれます。上記番号がご利用できない場合 06-6906-6570".into()),
                days: SupportDays::Weekdays,
                opens: "09:00".into(),
                closes: "17:00".into(),
                closed_on_holidays: true,
                valid_from: Some("2023-05-08".into()),
                valid_until: Some("2023-10-31".into()),
            },
            SupportLine {
                name: "CLUB Panasonic ID切替ご案内 窓口".into(),
                phone: "0120-081-701".into(),
                note: Some("携帯電話からもご利用になれます".into()),
                days: SupportDays::EveryDay,
                opens: "09:00".into(),
                closes: "18:00".into(),
                closed_on_holidays: false,
                valid_from: Some("2023-11-01".into()),
                valid_until: None,
            },
        ],
        // 海の日, 山の日, 敬老の日, 秋分の日 and スポーツの日 of 2023.
        holidays: ["2023-07-17", "2023-08-11", "2023-09-18", "2023-09-23", "2023-10-09"].map(Into::into).to_vec(),
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
        assert_eq!(japan_time(0), JapanTime { day: 0, date: "1970-01-01".into(), weekday: 3, minute: 9 * 60 });
        assert_eq!(
            japan_time(jst(2026, 11, 24, 10, 30)),
            JapanTime { day: 20_781, date: "2026-11-24".into(), weekday: 1, minute: 630 }
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

    /// A line as the cloud may send it, every day from 2023.
    fn every_day(opens: &str, closes: &str) -> SupportLine {
        SupportLine {
            name: "夜間窓口".into(),
            phone: "0120-000-000".into(),
            note: None,
            days: SupportDays::EveryDay,
            opens: opens.into(),
            closes: closes.into(),
            closed_on_holidays: false,
            valid_from: Some("2023-01-01".into()),
            valid_until: None,
        }
    }

    #[test]
    fn midnight_shows_as_0_00() {
        assert_eq!(hours_text(&every_day("00:00", "09:00"), Language::Japanese), "365日 0:00～9:00");
        assert_eq!(hours_text(&every_day("09:05", "18:30"), Language::Japanese), "365日 9:05～18:30");
        assert_eq!(hours_text(&every_day("00:00", "24:00"), Language::English), "Every day 0:00～24:00");
    }

    #[test]
    fn a_range_past_midnight_is_open_until_it_closes_the_next_morning() {
        let line = every_day("20:00", "02:00");
        assert_eq!(hours_text(&line, Language::Japanese), "365日 20:00～翌2:00");
        assert_eq!(hours_text(&line, Language::English), "Every day 20:00～2:00 (next day)");
        for (h, m, open) in [
            (19, 59, false),
            (20, 0, true),
            (23, 0, true),
            (0, 0, true),
            (1, 0, true),
            (1, 59, true),
            (2, 0, false),
            (3, 0, false),
            (12, 0, false),
        ] {
            assert_eq!(is_open(&line, &[], &japan_time(jst(2026, 11, 24, h, m))), open, "{h}:{m:02}");
        }
        // Weekdays only, closed on holidays: the hours after midnight belong to the evening
        // before. Friday night runs into Saturday; Sunday night does not open Monday's small hours.
        let weekdays = SupportLine { days: SupportDays::Weekdays, closed_on_holidays: true, ..line };
        let holidays = ["2026-11-23".to_owned()]; // 勤労感謝の日, a Monday
        for ((d, h), open) in [
            ((27, 23), true),  // Friday 23:00
            ((28, 1), true),   // Saturday 1:00, Friday's night
            ((28, 23), false), // Saturday 23:00
            ((30, 1), false),  // Monday 1:00, Sunday's night
            ((23, 21), false), // the holiday's evening
            ((24, 1), false),  // Tuesday 1:00, the holiday's night
            ((24, 21), true),  // Tuesday 21:00
        ] {
            assert_eq!(is_open(&weekdays, &holidays, &japan_time(jst(2026, 11, d, h, 0))), open, "11/{d} {h}:00");
        }
    }

    #[test]
    fn hours_that_cannot_be_read_are_shown_as_sent_and_never_open() {
        let line = every_day("9時", "25:00");
        assert!(!is_open(&line, &[], &japan_time(jst(2026, 11, 24, 10, 0))));
        assert_eq!(hours_text(&line, Language::Japanese), "365日 9時～25:00");
    }

    /// The seed's lines, each on its dates: the switch-over line (0120-871-141, or 06-6906-6570
    /// where the free dial cannot be used) on weekdays 2023-05-08 to 2023-10-31, closed on public
    /// holidays; 0120-081-701 every day from 2023-11-01.
    #[test]
    fn the_built_in_data_has_every_seed_line_on_its_dates() {
        let data = built_in();
        let shown = |when: i64| {
            let now = japan_time(when);
            current_lines(&data, &now)
                .iter()
                .map(|l| {
                    let text = format!(
                        "{} {} {}",
                        l.phone,
                        l.note.clone().unwrap_or_default(),
                        hours_text(l, Language::Japanese)
                    );
                    (text, is_open(l, &data.holidays, &now))
                })
                .collect::<Vec<_>>()
        };
        let special = "0120-871-141 携帯電話からもご利用になれます。上記番号がご利用できない場合 06-6906-6570 平日（土曜、日曜、祝日を除く） 9:00～17:00";
        let after = "0120-081-701 携帯電話からもご利用になれます 365日 9:00～18:00";
        assert_eq!(shown(jst(2023, 5, 7, 10, 0)), vec![]);
        assert_eq!(shown(jst(2023, 5, 8, 9, 0)), vec![(special.to_owned(), true)]);
        assert_eq!(shown(jst(2023, 6, 21, 16, 59)), vec![(special.to_owned(), true)]);
        assert_eq!(shown(jst(2023, 6, 24, 10, 0)), vec![(special.to_owned(), false)]); // Saturday
        for holiday in [(7, 17), (8, 11), (9, 18), (10, 9)] {
            assert_eq!(shown(jst(2023, holiday.0, holiday.1, 10, 0)), vec![(special.to_owned(), false)], "{holiday:?}");
        }
        assert_eq!(shown(jst(2023, 10, 31, 10, 0)), vec![(special.to_owned(), true)]);
        assert_eq!(shown(jst(2023, 11, 1, 9, 0)), vec![(after.to_owned(), true)]);
        assert_eq!(shown(jst(2026, 11, 29, 17, 59)), vec![(after.to_owned(), true)]);
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
