//! Calendar arithmetic shared by the date parsers: moving a date by days, finding the next of
//! a weekday, of a day of the month or of a month and day, and the weeks and months around a
//! date.
//!
//! The English parser ([`crate::nlu::fields`]) and each language's ([`crate::nlu::lang`]) read
//! different words, but once a caller's words are understood ("el martes pasado", "last
//! Tuesday", 上周二) the date is found the same way. Keeping that arithmetic here, once, means
//! a fix for February 29 or the end of the calendar reaches every language.
//!
//! What a phrase means stays with its language: whether "next Friday" said on a Wednesday is
//! in two days or nine is a rule of English or Spanish, not of the calendar. These functions
//! only count.
//!
//! Dates come from callers ("in 99999 days") and from `today`, which tests set to the ends of
//! chrono's calendar, so every function returns None rather than panicking when the answer is
//! off the calendar.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// How many years ahead [`next_month_day`] looks: the longest wait for a February 29 is eight
/// years, across a century year that is not a leap year (2096 to 2104).
const LEAP_WAIT_YEARS: i32 = 8;

/// How many months ahead [`next_day_of_month`] looks: every day of the month from 1 to 31
/// comes round within a year.
const DAY_OF_MONTH_WAIT_MONTHS: u32 = 12;

/// `date` moved by `days`, forward or (negative) back; None off chrono's calendar.
pub(crate) fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let magnitude = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(magnitude)
    } else {
        date.checked_sub_days(magnitude)
    }
}

/// Days from a `from` forward to the next `to`: 0 when they are the same weekday, else 1–6.
fn days_until(from: Weekday, to: Weekday) -> i64 {
    (i64::from(to.num_days_from_monday()) - i64::from(from.num_days_from_monday())).rem_euclid(7)
}

/// The first `day` strictly after `today`: a week on when today is that weekday.
pub(crate) fn weekday_after(today: NaiveDate, day: Weekday) -> Option<NaiveDate> {
    match days_until(today.weekday(), day) {
        0 => add_days(today, 7),
        ahead => add_days(today, ahead),
    }
}

/// The first `day` on or after `today`: today when it is that weekday.
pub(crate) fn weekday_on_or_after(today: NaiveDate, day: Weekday) -> Option<NaiveDate> {
    add_days(today, days_until(today.weekday(), day))
}

/// The last `day` strictly before `today`: a week back when today is that weekday.
pub(crate) fn weekday_before(today: NaiveDate, day: Weekday) -> Option<NaiveDate> {
    match days_until(day, today.weekday()) {
        0 => add_days(today, -7),
        back => add_days(today, -back),
    }
}

/// `day` in the Monday-to-Sunday week `weeks` after the one `today` is in: 0 is this week's,
/// even when it has passed; 1 next week's; -1 last week's.
pub(crate) fn weekday_of_week(today: NaiveDate, weeks: i64, day: Weekday) -> Option<NaiveDate> {
    let from_monday = |d: Weekday| i64::from(d.num_days_from_monday());
    let days = weeks
        .checked_mul(7)?
        .checked_add(from_monday(day))?
        .checked_sub(from_monday(today.weekday()))?;
    add_days(today, days)
}

/// The first day of the month `months` after `date`'s (negative: before it).
pub(crate) fn month_start(date: NaiveDate, months: i32) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    let magnitude = Months::new(months.unsigned_abs());
    if months >= 0 {
        first.checked_add_months(magnitude)
    } else {
        first.checked_sub_months(magnitude)
    }
}

/// The first date on or after `today` that is `day` of `month`. A February 29 waits for the
/// next leap year; a day no month has (April 31, month 13) gives None.
pub(crate) fn next_month_day(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    (0..=LEAP_WAIT_YEARS)
        .filter_map(|ahead| today.year().checked_add(ahead))
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .find(|date| *date >= today)
}

/// The first date on or after `today` that is `day` of its month ("the 15th"): this month's if
/// it has not passed, else the next month that has that day (a 31st skips the short months).
pub(crate) fn next_day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    (0..=DAY_OF_MONTH_WAIT_MONTHS)
        .filter_map(|ahead| month_start(today, i32::try_from(ahead).ok()?)?.with_day(day))
        .find(|date| *date >= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn days_move_across_year_ends_both_ways() {
        assert_eq!(add_days(day(2026, 12, 31), 1), Some(day(2027, 1, 1)));
        assert_eq!(add_days(day(2027, 1, 1), -1), Some(day(2026, 12, 31)));
        assert_eq!(add_days(day(2028, 2, 28), 1), Some(day(2028, 2, 29)));
        assert_eq!(add_days(day(2026, 11, 25), 0), Some(day(2026, 11, 25)));
    }

    #[test]
    fn days_off_the_calendar_are_none() {
        assert_eq!(add_days(NaiveDate::MAX, 1), None);
        assert_eq!(add_days(NaiveDate::MIN, -1), None);
        assert_eq!(add_days(day(2026, 1, 1), i64::MAX), None);
        assert_eq!(add_days(day(2026, 1, 1), i64::MIN), None);
    }

    #[test]
    fn weekdays_before_and_after_today() {
        // Wednesday 2026-11-25.
        let today = day(2026, 11, 25);
        assert_eq!(weekday_after(today, Weekday::Fri), Some(day(2026, 11, 27)));
        assert_eq!(weekday_after(today, Weekday::Wed), Some(day(2026, 12, 2)));
        assert_eq!(weekday_after(today, Weekday::Mon), Some(day(2026, 11, 30)));
        assert_eq!(weekday_on_or_after(today, Weekday::Wed), Some(today));
        assert_eq!(
            weekday_on_or_after(today, Weekday::Tue),
            Some(day(2026, 12, 1))
        );
        assert_eq!(weekday_before(today, Weekday::Fri), Some(day(2026, 11, 20)));
        assert_eq!(weekday_before(today, Weekday::Wed), Some(day(2026, 11, 18)));
        assert_eq!(weekday_before(today, Weekday::Tue), Some(day(2026, 11, 24)));
    }

    #[test]
    fn weekdays_of_a_week_run_monday_to_sunday() {
        // Wednesday 2026-11-25; its week runs from Monday the 23rd to Sunday the 29th.
        let today = day(2026, 11, 25);
        let of = |weeks, d| weekday_of_week(today, weeks, d);
        assert_eq!(of(0, Weekday::Mon), Some(day(2026, 11, 23)));
        assert_eq!(of(0, Weekday::Sun), Some(day(2026, 11, 29)));
        assert_eq!(of(1, Weekday::Mon), Some(day(2026, 11, 30)));
        assert_eq!(of(-1, Weekday::Fri), Some(day(2026, 11, 20)));
        assert_eq!(of(2, Weekday::Wed), Some(day(2026, 12, 9)));
        // A week across the year end.
        assert_eq!(
            weekday_of_week(day(2026, 12, 31), 0, Weekday::Sun),
            Some(day(2027, 1, 3))
        );
        assert_eq!(weekday_of_week(today, i64::MAX, Weekday::Mon), None);
        assert_eq!(weekday_of_week(today, i64::MIN, Weekday::Mon), None);
    }

    #[test]
    fn weekdays_at_the_ends_of_the_calendar_are_none_not_a_panic() {
        for today in [NaiveDate::MIN, NaiveDate::MAX] {
            for d in [Weekday::Mon, Weekday::Thu, Weekday::Sun] {
                let _ = weekday_after(today, d);
                let _ = weekday_on_or_after(today, d);
                let _ = weekday_before(today, d);
                let _ = weekday_of_week(today, 1, d);
                let _ = weekday_of_week(today, -1, d);
            }
        }
        assert_eq!(
            weekday_after(NaiveDate::MAX, NaiveDate::MAX.weekday()),
            None
        );
        assert_eq!(
            weekday_before(NaiveDate::MIN, NaiveDate::MIN.weekday()),
            None
        );
    }

    #[test]
    fn month_starts_across_year_ends() {
        assert_eq!(month_start(day(2026, 12, 15), 0), Some(day(2026, 12, 1)));
        assert_eq!(month_start(day(2026, 12, 15), 1), Some(day(2027, 1, 1)));
        assert_eq!(month_start(day(2027, 1, 31), -1), Some(day(2026, 12, 1)));
        assert_eq!(month_start(day(2026, 3, 31), 14), Some(day(2027, 5, 1)));
        assert_eq!(month_start(NaiveDate::MAX, 1), None);
        assert_eq!(month_start(NaiveDate::MIN, -1), None);
        assert_eq!(month_start(day(2026, 1, 1), i32::MAX), None);
        assert_eq!(month_start(day(2026, 1, 1), i32::MIN), None);
    }

    #[test]
    fn a_month_and_day_is_the_next_one_on_or_after_today() {
        let today = day(2026, 11, 25);
        assert_eq!(next_month_day(today, 11, 25), Some(today));
        assert_eq!(next_month_day(today, 11, 24), Some(day(2027, 11, 24)));
        assert_eq!(next_month_day(today, 12, 31), Some(day(2026, 12, 31)));
        assert_eq!(next_month_day(today, 1, 1), Some(day(2027, 1, 1)));
        assert_eq!(
            next_month_day(day(2026, 12, 31), 12, 31),
            Some(day(2026, 12, 31))
        );
        assert_eq!(next_month_day(today, 4, 31), None);
        assert_eq!(next_month_day(today, 13, 1), None);
        assert_eq!(next_month_day(today, 0, 1), None);
        assert_eq!(next_month_day(today, 1, 0), None);
    }

    #[test]
    fn february_29_waits_for_a_leap_year() {
        assert_eq!(
            next_month_day(day(2026, 11, 25), 2, 29),
            Some(day(2028, 2, 29))
        );
        assert_eq!(
            next_month_day(day(2028, 2, 29), 2, 29),
            Some(day(2028, 2, 29))
        );
        assert_eq!(
            next_month_day(day(2028, 3, 1), 2, 29),
            Some(day(2032, 2, 29))
        );
        // 2100 is not a leap year: the longest wait.
        assert_eq!(
            next_month_day(day(2096, 3, 1), 2, 29),
            Some(day(2104, 2, 29))
        );
    }

    #[test]
    fn a_day_of_the_month_is_the_next_one_on_or_after_today() {
        let today = day(2026, 11, 25);
        assert_eq!(next_day_of_month(today, 25), Some(today));
        assert_eq!(next_day_of_month(today, 28), Some(day(2026, 11, 28)));
        assert_eq!(next_day_of_month(today, 3), Some(day(2026, 12, 3)));
        assert_eq!(next_day_of_month(today, 31), Some(day(2026, 12, 31)));
        assert_eq!(
            next_day_of_month(day(2026, 12, 31), 1),
            Some(day(2027, 1, 1))
        );
        // February has no 30th: the next is in March.
        assert_eq!(
            next_day_of_month(day(2027, 1, 31), 30),
            Some(day(2027, 3, 30))
        );
        assert_eq!(
            next_day_of_month(day(2027, 2, 1), 29),
            Some(day(2027, 3, 29))
        );
        assert_eq!(
            next_day_of_month(day(2028, 2, 1), 29),
            Some(day(2028, 2, 29))
        );
        assert_eq!(next_day_of_month(today, 0), None);
        assert_eq!(next_day_of_month(today, 32), None);
    }

    #[test]
    fn the_far_future_is_none_not_a_panic() {
        let max = NaiveDate::MAX;
        assert_eq!(next_month_day(max, max.month(), max.day()), Some(max));
        assert_eq!(next_month_day(max, 1, 1), None);
        assert_eq!(next_month_day(max, 2, 29), None);
        assert_eq!(next_day_of_month(max, max.day()), Some(max));
        assert_eq!(next_day_of_month(max, 1), None);
        for today in [NaiveDate::MIN, max] {
            for d in [1, 15, 28, 29, 30, 31] {
                let _ = next_day_of_month(today, d);
                let _ = next_month_day(today, 2, d);
                let _ = next_month_day(today, 12, d);
            }
        }
    }
}
