//! How each language says a stored date, weekday or time of day aloud.
//!
//! Answers are stored the same in every language (`2026-12-11`, `19:30`), and
//! [`spoken`](crate::flow::spoken) decides *whether* a value is spelled out; a [`Speaker`]
//! decides *how*, in its language's words: "Friday, December 11th", "viernes 11 de diciembre",
//! "12月11日星期五". Text-to-speech reads the result (Polly.Joanna, Lupe, Mia, Zhiyu), and the
//! same words go into text messages, so each form is one people both hear and read naturally.
//! Numbers stay digits: every voice reads "11" and "7:30" in its own language, and a text
//! message stays short.
//!
//! A date in another year than the caller's has its year said; callers assume the current
//! year and only need telling when it is not.
//!
//! Choices made here (the tests below pin them down):
//! - English: the 12-hour clock with AM/PM, "noon" and "midnight", ordinal days ("11th").
//! - Spanish (US and Mexico alike): "viernes 11 de diciembre", "de 2027" after it in another
//!   year; the first of the month is "1 de enero", as Polly reads it and as it is written
//!   (Mexico also says "primero", but "1" is never wrong). Times on the 12-hour clock with the
//!   part of the day: 1–5 "de la madrugada", 6–11 "de la mañana", 12 "del día", 13–19 "de la
//!   tarde", 20–23 and 0 "de la noche" ("12 de la noche" is midnight). Noon and midnight are
//!   "12 del día" and "12 de la noche" rather than "mediodía" and "medianoche" so that a flow's
//!   "a las {{hora}}" still reads right; each form is one the Spanish time parser reads back
//!   to the same time.
//! - Mandarin: "12月11日星期五", "2027年" before it in another year. Times with the part of the
//!   day first: 0–5 凌晨, 6–11 上午, 12 中午, 13–17 下午, 18–23 晚上, the hour on the 12-hour
//!   clock except midnight, which is 凌晨0点 (晚上12点 is also said, but 0点 cannot be misheard
//!   as noon). Two o'clock is 两点, as it is said, since a voice may read "2点" as 二点. Minutes:
//!   点 alone on the hour, 点半 at half past, otherwise two digits and 分 ("7点05分"), which
//!   Zhiyu reads as 七点零五分.
//!
//! Nothing here panics: the hour and minute come from a parsed `HH:MM`, but an hour or minute
//! out of range is still said somehow rather than trusted.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::nlu::fields::{MONTH_NAMES, WEEKDAY_NAMES};

/// How one language says a date, a weekday and a time of day. Every method is total.
pub trait Speaker: Send + Sync {
    /// A date with its weekday, day and month, and its year when that is not `today`'s year:
    /// "Friday, December 11th", "viernes 11 de diciembre de 2027".
    fn date(&self, date: NaiveDate, today: NaiveDate) -> String;
    /// A day of the week alone: "Friday", "viernes", "星期五".
    fn weekday(&self, day: Weekday) -> &'static str;
    /// A time of day from its hour (0–23) and minute (0–59): "7:30 PM", "7:30 de la tarde",
    /// "晚上7点半".
    fn time(&self, hour: u32, minute: u32) -> String;
    /// The words around digits said one by one: a phone number's `+`, a number's `-` and its
    /// decimal point ("plus", "minus", "point").
    fn symbols(&self) -> Symbols;
}

/// The words for `+`, `-` and `.` among digits said one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbols {
    /// A phone number's leading `+`.
    pub plus: &'static str,
    /// A number's leading `-`.
    pub minus: &'static str,
    /// A number's decimal point.
    pub point: &'static str,
}

/// The entry of a 12-entry month table for `month` (1–12); empty rather than a panic outside.
fn month_in(names: &'static [&'static str; 12], month: u32) -> &'static str {
    month
        .checked_sub(1)
        .and_then(|i| names.get(i as usize))
        .copied()
        .unwrap_or("")
}

/// The entry of a Monday-first 7-entry weekday table for `day`.
fn weekday_in(names: &'static [&'static str; 7], day: Weekday) -> &'static str {
    names
        .get(day.num_days_from_monday() as usize)
        .copied()
        .unwrap_or("")
}

/// The hour on a 12-hour clock: 0 and 12 are 12.
fn twelve_hour(hour: u32) -> u32 {
    match hour % 12 {
        0 => 12,
        h => h,
    }
}

/// English (United States).
#[derive(Debug, Clone, Copy, Default)]
pub struct English;

impl Speaker for English {
    fn symbols(&self) -> Symbols {
        Symbols {
            plus: "plus",
            minus: "minus",
            point: "point",
        }
    }

    /// "Friday, December 11th", with ", 2027" in another year.
    fn date(&self, date: NaiveDate, today: NaiveDate) -> String {
        let mut said = format!(
            "{}, {} {}",
            self.weekday(date.weekday()),
            month_in(&MONTH_NAMES, date.month()),
            ordinal(date.day())
        );
        if date.year() != today.year() {
            said.push_str(&format!(", {}", date.year()));
        }
        said
    }

    fn weekday(&self, day: Weekday) -> &'static str {
        weekday_in(&WEEKDAY_NAMES, day)
    }

    /// "7:30 PM", "7 PM", "noon", "midnight": the 12-hour clock, since "nineteen thirty" makes
    /// many callers stop and count.
    fn time(&self, hour: u32, minute: u32) -> String {
        match (hour, minute) {
            (12, 0) => "noon".to_owned(),
            (0, 0) => "midnight".to_owned(),
            _ => {
                let suffix = if hour < 12 { "AM" } else { "PM" };
                let twelve = twelve_hour(hour);
                if minute == 0 {
                    format!("{twelve} {suffix}")
                } else {
                    format!("{twelve}:{minute:02} {suffix}")
                }
            }
        }
    }
}

/// The day of the month with its English ordinal suffix: 1st, 2nd, 3rd, 4th, 11th–13th, 21st.
fn ordinal(day: u32) -> String {
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

/// Spanish as said in the United States and Mexico.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spanish;

/// Spanish weekdays, Monday first, in lower case as Spanish writes them.
const SPANISH_WEEKDAYS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];

/// Spanish months, January first.
const SPANISH_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

impl Speaker for Spanish {
    fn symbols(&self) -> Symbols {
        Symbols {
            plus: "más",
            minus: "menos",
            point: "punto",
        }
    }

    /// "viernes 11 de diciembre", with " de 2027" in another year.
    fn date(&self, date: NaiveDate, today: NaiveDate) -> String {
        let mut said = format!(
            "{} {} de {}",
            self.weekday(date.weekday()),
            date.day(),
            month_in(&SPANISH_MONTHS, date.month())
        );
        if date.year() != today.year() {
            said.push_str(&format!(" de {}", date.year()));
        }
        said
    }

    fn weekday(&self, day: Weekday) -> &'static str {
        weekday_in(&SPANISH_WEEKDAYS, day)
    }

    /// "7 de la mañana", "7:30 de la tarde", "12 del día", "12 de la noche": the 12-hour clock
    /// and the part of the day, as the module notes set out.
    fn time(&self, hour: u32, minute: u32) -> String {
        let part = match hour {
            1..=5 => "de la madrugada",
            6..=11 => "de la mañana",
            12 => "del día",
            13..=19 => "de la tarde",
            _ => "de la noche",
        };
        let twelve = twelve_hour(hour);
        if minute == 0 {
            format!("{twelve} {part}")
        } else {
            format!("{twelve}:{minute:02} {part}")
        }
    }
}

/// Mandarin (Simplified Chinese).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mandarin;

/// Mandarin weekdays, Monday first.
const MANDARIN_WEEKDAYS: [&str; 7] = [
    "星期一",
    "星期二",
    "星期三",
    "星期四",
    "星期五",
    "星期六",
    "星期日",
];

impl Speaker for Mandarin {
    fn symbols(&self) -> Symbols {
        Symbols {
            plus: "加",
            minus: "负",
            point: "点",
        }
    }

    /// "12月11日星期五", with "2027年" before it in another year.
    fn date(&self, date: NaiveDate, today: NaiveDate) -> String {
        let year = if date.year() == today.year() {
            String::new()
        } else {
            format!("{}年", date.year())
        };
        format!(
            "{year}{}月{}日{}",
            date.month(),
            date.day(),
            self.weekday(date.weekday())
        )
    }

    fn weekday(&self, day: Weekday) -> &'static str {
        weekday_in(&MANDARIN_WEEKDAYS, day)
    }

    /// "上午7点", "晚上7点半", "下午3点15分", "中午12点", "凌晨0点": the part of the day, then the
    /// hour, as the module notes set out.
    fn time(&self, hour: u32, minute: u32) -> String {
        let (part, shown) = match hour {
            0..=5 => ("凌晨", hour),
            6..=11 => ("上午", hour),
            12 => ("中午", 12),
            13..=17 => ("下午", hour - 12),
            _ => ("晚上", twelve_hour(hour)),
        };
        let shown = match shown {
            2 => "两".to_owned(),
            h => h.to_string(),
        };
        match minute {
            0 => format!("{part}{shown}点"),
            30 => format!("{part}{shown}点半"),
            m => format!("{part}{shown}点{m:02}分"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    fn today() -> NaiveDate {
        date(2026, 6, 1)
    }

    #[test]
    fn english_dates() {
        let cases = [
            (date(2026, 12, 11), "Friday, December 11th"),
            (date(2026, 1, 1), "Thursday, January 1st"),
            (date(2027, 1, 4), "Monday, January 4th, 2027"),
            (date(2025, 12, 31), "Wednesday, December 31st, 2025"),
        ];
        for (day, expected) in cases {
            assert_eq!(English.date(day, today()), expected);
        }
        assert_eq!(English.weekday(Weekday::Fri), "Friday");
        assert_eq!(English.weekday(Weekday::Sun), "Sunday");
    }

    #[test]
    fn ordinals() {
        let cases = [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (10, "10th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (22, "22nd"),
            (23, "23rd"),
            (24, "24th"),
            (30, "30th"),
            (31, "31st"),
            (111, "111th"),
        ];
        for (day, expected) in cases {
            assert_eq!(ordinal(day), expected);
        }
    }

    #[test]
    fn english_times() {
        let cases = [
            ((19, 30), "7:30 PM"),
            ((7, 5), "7:05 AM"),
            ((19, 0), "7 PM"),
            ((12, 0), "noon"),
            ((0, 0), "midnight"),
            ((12, 30), "12:30 PM"),
            ((0, 15), "12:15 AM"),
            ((11, 59), "11:59 AM"),
            ((23, 59), "11:59 PM"),
        ];
        for ((hour, minute), expected) in cases {
            assert_eq!(English.time(hour, minute), expected, "{hour}:{minute}");
        }
    }

    #[test]
    fn spanish_dates() {
        let cases = [
            (date(2026, 12, 11), "viernes 11 de diciembre"),
            (date(2026, 1, 1), "jueves 1 de enero"),
            (date(2026, 9, 16), "miércoles 16 de septiembre"),
            (date(2026, 8, 1), "sábado 1 de agosto"),
            (date(2027, 1, 4), "lunes 4 de enero de 2027"),
            (date(2025, 12, 31), "miércoles 31 de diciembre de 2025"),
        ];
        for (day, expected) in cases {
            assert_eq!(Spanish.date(day, today()), expected);
        }
        assert_eq!(Spanish.weekday(Weekday::Fri), "viernes");
        assert_eq!(Spanish.weekday(Weekday::Sat), "sábado");
        assert_eq!(Spanish.weekday(Weekday::Sun), "domingo");
    }

    #[test]
    fn spanish_times() {
        let cases = [
            // Midnight and the small hours.
            ((0, 0), "12 de la noche"),
            ((0, 30), "12:30 de la noche"),
            ((1, 0), "1 de la madrugada"),
            ((5, 59), "5:59 de la madrugada"),
            // Morning.
            ((6, 0), "6 de la mañana"),
            ((7, 0), "7 de la mañana"),
            ((7, 5), "7:05 de la mañana"),
            ((11, 59), "11:59 de la mañana"),
            // Noon.
            ((12, 0), "12 del día"),
            ((12, 15), "12:15 del día"),
            // Afternoon up to 7:59 PM.
            ((13, 0), "1 de la tarde"),
            ((15, 15), "3:15 de la tarde"),
            ((19, 30), "7:30 de la tarde"),
            ((19, 59), "7:59 de la tarde"),
            // Night.
            ((20, 0), "8 de la noche"),
            ((21, 15), "9:15 de la noche"),
            ((23, 59), "11:59 de la noche"),
        ];
        for ((hour, minute), expected) in cases {
            assert_eq!(Spanish.time(hour, minute), expected, "{hour}:{minute}");
        }
    }

    #[test]
    fn mandarin_dates() {
        let cases = [
            (date(2026, 12, 11), "12月11日星期五"),
            (date(2026, 1, 1), "1月1日星期四"),
            (date(2026, 6, 7), "6月7日星期日"),
            (date(2027, 1, 4), "2027年1月4日星期一"),
            (date(2025, 12, 31), "2025年12月31日星期三"),
        ];
        for (day, expected) in cases {
            assert_eq!(Mandarin.date(day, today()), expected);
        }
        assert_eq!(Mandarin.weekday(Weekday::Fri), "星期五");
        assert_eq!(Mandarin.weekday(Weekday::Sun), "星期日");
    }

    #[test]
    fn mandarin_times() {
        let cases = [
            // Midnight and the small hours.
            ((0, 0), "凌晨0点"),
            ((0, 30), "凌晨0点半"),
            ((1, 0), "凌晨1点"),
            ((2, 0), "凌晨两点"),
            ((5, 59), "凌晨5点59分"),
            // Morning.
            ((6, 0), "上午6点"),
            ((7, 0), "上午7点"),
            ((7, 5), "上午7点05分"),
            ((7, 30), "上午7点半"),
            ((11, 59), "上午11点59分"),
            // Noon.
            ((12, 0), "中午12点"),
            ((12, 30), "中午12点半"),
            // Afternoon.
            ((13, 0), "下午1点"),
            ((14, 0), "下午两点"),
            ((15, 15), "下午3点15分"),
            ((17, 59), "下午5点59分"),
            // Evening.
            ((18, 0), "晚上6点"),
            ((19, 30), "晚上7点半"),
            ((23, 59), "晚上11点59分"),
        ];
        for ((hour, minute), expected) in cases {
            assert_eq!(Mandarin.time(hour, minute), expected, "{hour}:{minute}");
        }
    }

    /// What the bot says, a caller may say back ("sí, a las 7:30 de la tarde"): each language's
    /// parsers read every time and date it says as the same value, with no doubt about the part
    /// of the day.
    #[test]
    fn what_is_said_reads_back_as_the_same_value() {
        use crate::nlu::lang::{Parsers, SpokenTime, es, zh};
        let pairs: [(&dyn Speaker, &dyn Parsers); 2] =
            [(&Spanish, &es::Spanish), (&Mandarin, &zh::Mandarin)];
        for (speaker, parsers) in pairs {
            for hour in 0..24 {
                for minute in [0, 1, 5, 15, 30, 45, 59] {
                    let said = speaker.time(hour, minute);
                    assert_eq!(
                        parsers.time(&said),
                        Some(SpokenTime {
                            hour,
                            minute,
                            ambiguous: false
                        }),
                        "{said}"
                    );
                }
            }
            for day in [
                date(2026, 6, 2),
                date(2026, 12, 11),
                date(2027, 1, 1),
                date(2027, 3, 8),
            ] {
                let said = speaker.date(day, today());
                assert_eq!(parsers.date(&said, today()), Some(day), "{said}");
            }
        }
    }

    #[test]
    fn out_of_range_does_not_panic() {
        let speakers: [&dyn Speaker; 3] = [&English, &Spanish, &Mandarin];
        for speaker in speakers {
            for (hour, minute) in [(24, 0), (99, 99), (u32::MAX, u32::MAX)] {
                assert!(!speaker.time(hour, minute).is_empty());
            }
            for day in [NaiveDate::MIN, NaiveDate::MAX] {
                assert!(!speaker.date(day, today()).is_empty());
            }
        }
    }
}
