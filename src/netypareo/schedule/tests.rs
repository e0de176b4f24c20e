//! The seed's examples (doc 000) with concrete next runs, the tolerated `*1,15`, the day rule,
//! the errors, and a brute-force cross-check of `next_after` against `matches`.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;

/// Saturday 21 November 2026, 10:17:42.
fn base() -> NaiveDateTime {
    at("2026-11-21 10:17:42")
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn schedule(text: &str) -> Schedule {
    text.parse().unwrap()
}

/// The next `count` runs after `from`, as text.
fn runs(text: &str, from: NaiveDateTime, count: usize) -> Vec<String> {
    let schedule = schedule(text);
    let mut current = from;
    let mut found = Vec::new();
    for _ in 0..count {
        current = schedule.next_after(current).unwrap();
        found.push(current.format("%Y-%m-%d %H:%M").to_string());
    }
    found
}

fn error(text: &str) -> String {
    text.parse::<Schedule>().unwrap_err().to_string()
}

#[test]
fn the_task_form_of_the_seed() {
    // Minute 30, hour 2, day *, month *, weekday *: every night at 02:30.
    assert_eq!(
        runs("30 2 * * *", base(), 2),
        ["2026-11-22 02:30", "2026-11-23 02:30"]
    );
    // Strictly after: at 02:30:00 exactly, the next run is the next day's.
    assert_eq!(
        runs("30 2 * * *", at("2026-11-22 02:29:59"), 1),
        ["2026-11-22 02:30"]
    );
    assert_eq!(
        runs("30 2 * * *", at("2026-11-22 02:30:00"), 1),
        ["2026-11-23 02:30"]
    );
    assert_eq!(
        runs("30 2 * * *", at("2026-11-22 02:30:59"), 1),
        ["2026-11-23 02:30"]
    );
}

#[test]
fn the_day_examples_of_the_seed() {
    // `*`: every day.
    assert_eq!(runs("30 2 * * *", base(), 1), ["2026-11-22 02:30"]);
    // `*/2`: every other day, counted from the 1st (the odd days), so the 23rd then the 25th.
    assert_eq!(
        runs("30 2 */2 * *", base(), 3),
        ["2026-11-23 02:30", "2026-11-25 02:30", "2026-11-27 02:30"]
    );
    // The 30th is even, so the next after the 29th is 1 December.
    assert_eq!(
        runs("30 2 */2 * *", at("2026-11-29 12:00:00"), 1),
        ["2026-12-01 02:30"]
    );
    // `1`: the first of each month.
    assert_eq!(
        runs("30 2 1 * *", base(), 2),
        ["2026-12-01 02:30", "2027-01-01 02:30"]
    );
    // `*1,15`, the seed's spelling of "the 1st and the 15th".
    assert_eq!(
        runs("30 2 *1,15 * *", base(), 3),
        ["2026-12-01 02:30", "2026-12-15 02:30", "2027-01-01 02:30"]
    );
}

#[test]
fn the_weekday_examples_of_the_seed() {
    assert_eq!(runs("30 2 * * *", base(), 1), ["2026-11-22 02:30"]);
    // `0`: Sundays; 22 November 2026 is a Sunday. 7 is Sunday too.
    assert_eq!(
        runs("30 2 * * 0", base(), 2),
        ["2026-11-22 02:30", "2026-11-29 02:30"]
    );
    assert_eq!(runs("30 2 * * 7", base(), 1), ["2026-11-22 02:30"]);
    // `1`: Mondays.
    assert_eq!(
        runs("30 2 * * 1", base(), 2),
        ["2026-11-23 02:30", "2026-11-30 02:30"]
    );
    // `2,5`: Tuesdays and Fridays.
    assert_eq!(
        runs("30 2 * * 2,5", base(), 3),
        ["2026-11-24 02:30", "2026-11-27 02:30", "2026-12-01 02:30"]
    );
    // A range through Sunday-as-7: Friday to Sunday.
    assert_eq!(
        runs("0 9 * * 5-7", base(), 3),
        ["2026-11-22 09:00", "2026-11-27 09:00", "2026-11-28 09:00"]
    );
}

#[test]
fn the_hour_examples_of_the_seed() {
    // `*`: every hour.
    assert_eq!(
        runs("0 * * * *", base(), 2),
        ["2026-11-21 11:00", "2026-11-21 12:00"]
    );
    // `*/2`: every two hours, the even ones.
    assert_eq!(
        runs("0 */2 * * *", base(), 2),
        ["2026-11-21 12:00", "2026-11-21 14:00"]
    );
    // `2-10`: every hour from 2 to 10 included; 10:00 has passed at 10:17.
    assert_eq!(
        runs("0 2-10 * * *", base(), 2),
        ["2026-11-22 02:00", "2026-11-22 03:00"]
    );
    assert_eq!(
        runs("0 2-10 * * *", at("2026-11-22 09:59:59"), 2),
        ["2026-11-22 10:00", "2026-11-23 02:00"]
    );
    // `2,13,19`: at 2, 13 and 19 o'clock.
    assert_eq!(
        runs("0 2,13,19 * * *", base(), 4),
        [
            "2026-11-21 13:00",
            "2026-11-21 19:00",
            "2026-11-22 02:00",
            "2026-11-22 13:00"
        ]
    );
}

#[test]
fn minutes_steps_and_lists_combine() {
    // Every minute: the next whole minute, second 0.
    let next = schedule("* * * * *").next_after(base()).unwrap();
    assert_eq!(next, at("2026-11-21 10:18:00"));
    assert_eq!(
        runs("*/20,5 10 * * *", base(), 3),
        ["2026-11-21 10:20", "2026-11-21 10:40", "2026-11-22 10:00"]
    );
    assert_eq!(
        runs("10-50/20 * * * *", base(), 3),
        ["2026-11-21 10:30", "2026-11-21 10:50", "2026-11-21 11:10"]
    );
    // A step longer than the range keeps only its start.
    assert_eq!(runs("*/90 3 * * *", base(), 1), ["2026-11-22 03:00"]);
}

#[test]
fn day_and_weekday_both_restricted_match_either() {
    // The 1st of the month or any Monday: Monday 23 and 30 November, then Tuesday 1 December.
    assert_eq!(
        runs("0 2 1 * 1", base(), 3),
        ["2026-11-23 02:00", "2026-11-30 02:00", "2026-12-01 02:00"]
    );
    // `*/2` is a restriction (only a lone `*` is not): odd days or Sundays.
    assert_eq!(
        runs("0 2 */2 * 0", at("2026-11-23 12:00:00"), 3),
        ["2026-11-25 02:00", "2026-11-27 02:00", "2026-11-29 02:00"]
    );
    assert_eq!(
        runs("0 2 */2 * 1", at("2026-11-23 12:00:00"), 3),
        ["2026-11-25 02:00", "2026-11-27 02:00", "2026-11-29 02:00"]
    );
    assert_eq!(
        runs("0 2 */2 * 1", at("2026-11-29 12:00:00"), 2),
        ["2026-11-30 02:00", "2026-12-01 02:00"]
    );
    // Only the weekday restricted: the day of month is ignored.
    assert!(schedule("0 2 * * 1").matches(at("2026-11-23 02:00:00")));
    assert!(!schedule("0 2 * * 1").matches(at("2026-11-24 02:00:00")));
}

#[test]
fn months_years_and_impossible_dates() {
    assert_eq!(runs("0 0 1 1 *", base(), 1), ["2027-01-01 00:00"]);
    assert_eq!(
        runs("15 6 * 3,9 *", base(), 2),
        ["2027-03-01 06:15", "2027-03-02 06:15"]
    );
    // 29 February: in 2028, 15 months away.
    assert_eq!(runs("0 0 29 2 *", base(), 1), ["2028-02-29 00:00"]);
    // 31 February and 31 April never come.
    assert_eq!(schedule("0 0 31 2 *").next_after(base()), None);
    assert_eq!(schedule("0 0 30,31 2 *").next_after(base()), None);
    assert_eq!(schedule("0 0 31 4 *").next_after(base()), None);
    // But a weekday saves an impossible day (either rule).
    assert_eq!(runs("0 0 31 2 1", base(), 1), ["2027-02-01 00:00"]);
    // The end of the calendar: no panic.
    assert_eq!(schedule("* * * * *").next_after(NaiveDateTime::MAX), None);
}

#[test]
fn display_is_canonical_and_parses_back() {
    for (written, canonical) in [
        ("30 2 * * *", "30 2 * * *"),
        ("  30\t2  *1,15 * *  ", "30 2 1,15 * *"),
        ("0 */2 */2 * 2,5", "0 */2 */2 * 2,5"),
        ("00 02-010 1-31/7 1-12 7", "0 2-10 1-31/7 1-12 7"),
        ("*/20,5 2,13,19 * * 0", "*/20,5 2,13,19 * * 0"),
    ] {
        let parsed = schedule(written);
        assert_eq!(parsed.to_string(), canonical);
        assert_eq!(schedule(canonical), parsed);
    }
    assert_eq!(schedule("0 0 *1,15 * *"), schedule("0 0 1,15 * *"));
    assert_ne!(schedule("0 0 * * 0"), schedule("0 0 * * 7"));
}

#[test]
fn serde_goes_through_the_text() {
    let parsed: Schedule = serde_json::from_str(r#""30 2 *1,15 * *""#).unwrap();
    assert_eq!(parsed, schedule("30 2 1,15 * *"));
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        r#""30 2 1,15 * *""#
    );
    let refused = serde_json::from_str::<Schedule>(r#""61 2 * * *""#).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains(r#"minute "61": 61 is out of range (allowed 0-59)"#)
    );
}

#[test]
fn errors_name_the_field_the_value_and_the_range() {
    assert_eq!(
        error("60 * * * *"),
        r#"minute "60": 60 is out of range (allowed 0-59)"#
    );
    assert_eq!(
        error("0 5-2 * * *"),
        r#"hour "5-2": range 5-2 goes backwards (allowed 0-23)"#
    );
    assert_eq!(
        error("*/0 * * * *"),
        r#"minute "*/0": a step must be at least 1 (allowed 0-59)"#
    );
    assert_eq!(
        error("0 0 * * * *"),
        r#"schedule "0 0 * * * *": expected 5 fields (minute hour day month weekday), found 6"#
    );
    assert_eq!(
        error("0 0 * *"),
        r#"schedule "0 0 * *": expected 5 fields (minute hour day month weekday), found 4"#
    );
    assert_eq!(
        error(""),
        "empty schedule: expected 5 fields (minute hour day month weekday)"
    );
    assert_eq!(error(" \t "), error(""));
    assert_eq!(
        error("0 24 * * *"),
        r#"hour "24": 24 is out of range (allowed 0-23)"#
    );
    assert_eq!(
        error("0 0 0 * *"),
        r#"day "0": 0 is out of range (allowed 1-31)"#
    );
    assert_eq!(
        error("0 0 * 1,13 *"),
        r#"month "1,13": 13 is out of range (allowed 1-12)"#
    );
    assert_eq!(
        error("0 0 * * 8"),
        r#"weekday "8": 8 is out of range (allowed 0-7)"#
    );
    assert_eq!(
        error("0 99999999999 * * *"),
        r#"hour "99999999999": 99999999999 is out of range (allowed 0-23)"#
    );
    assert_eq!(
        error("x * * * *"),
        r#"minute "x": "x" is not *, a number, a range a-b or a step */n or a-b/n (allowed 0-59)"#
    );
    // Empty items, `a/n` (not Moodle's syntax), signs, names and doubled stars are refused.
    for (text, item) in [
        ("1,,2 * * * *", ""),
        ("1, * * * *", ""),
        ("5/10 * * * *", "5/10"),
        ("*/x * * * *", "*/x"),
        ("*/+2 * * * *", "*/+2"),
        ("+5 * * * *", "+5"),
        ("-5 * * * *", "-5"),
        ("1-2-3 * * * *", "1-2-3"),
        ("** * * * *", "**"),
        ("0 0 * jan *", "jan"),
    ] {
        let Err(ScheduleError::Field { problem, .. }) = text.parse::<Schedule>() else {
            panic!("{text:?} was accepted");
        };
        assert_eq!(problem, FieldProblem::Syntax(item.to_owned()), "{text:?}");
    }
}

/// `next_after` agrees with stepping minute by minute over `matches`, for random schedules that
/// fire at least every few weeks.
#[test]
fn next_after_agrees_with_brute_force() {
    let mut rng = fastrand::Rng::with_seed(20261121);
    let pick = |rng: &mut fastrand::Rng, kind: FieldKind| -> String {
        let (min, max) = (kind.min(), kind.max());
        match rng.u8(0..5) {
            0 => "*".to_owned(),
            1 => format!("*/{}", rng.u32(1..=max.max(2))),
            2 => rng.u32(min..=max).to_string(),
            3 => {
                let start = rng.u32(min..=max);
                format!("{start}-{}", rng.u32(start..=max))
            }
            _ => format!("{},{}", rng.u32(min..=max), rng.u32(min..=max)),
        }
    };
    let mut checked = 0;
    for _ in 0..300 {
        let text = format!(
            "{} {} {} {} {}",
            pick(&mut rng, FieldKind::Minute),
            pick(&mut rng, FieldKind::Hour),
            pick(&mut rng, FieldKind::Day),
            "*",
            pick(&mut rng, FieldKind::Weekday),
        );
        let parsed = schedule(&text);
        let from = NaiveDate::from_ymd_opt(2026, rng.u32(1..=12), rng.u32(1..=28))
            .unwrap()
            .and_hms_opt(rng.u32(0..24), rng.u32(0..60), rng.u32(0..60))
            .unwrap();
        let next = parsed.next_after(from).unwrap();
        assert!(parsed.matches(next), "{text}: {next} does not match");
        assert!(
            next > from && next - from <= Duration::days(62),
            "{text}: {next}"
        );
        let mut minute = from.with_second(0).unwrap() + Duration::minutes(1);
        while minute < next {
            assert!(
                !parsed.matches(minute),
                "{text}: missed {minute} before {next}"
            );
            minute += Duration::minutes(1);
        }
        checked += 1;
    }
    assert_eq!(checked, 300);
}
