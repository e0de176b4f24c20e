//! When a NetYpareo pull is due: Moodle's scheduled-task timing (the Unix cron syntax of the
//! "Tâches programmées" page), parsed from its five fields `minute hour day month weekday` and
//! asked for the next run after an instant. Pure: no clock, no IO; the caller passes the time.
//!
//! Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those
//! (`1,15`, `2-10,20`, `*/15,7`). Ranges: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday
//! 0-7 where 0 and 7 are both Sunday.
//!
//! Two rules worth knowing:
//! - **Day and weekday.** When both are restricted (anything but a lone `*`), a date matches if
//!   *either* matches, as in Unix cron: `0 2 1 * 1` runs on the 1st of each month and on every
//!   Monday. When only one is restricted, only that one counts.
//! - **A `*` glued before a number is that number.** Moodle's own documentation (seed doc 000)
//!   writes `*1,15` for "the 1st and the 15th"; we accept that spelling as `1,15` rather than
//!   refuse a schedule copied from it. [`Schedule`]'s `Display` prints the canonical `1,15`.

#[cfg(test)]
mod tests;

use std::{fmt, str::FromStr};

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A parsed five-field schedule. Build it with [`str::parse`]; ask it [`Schedule::next_after`].
///
/// Equality compares the canonical text, so `*1,15` and `1,15` are equal but `0` and `7` (both
/// Sunday) are not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minute: CronField,
    hour: CronField,
    day: CronField,
    month: CronField,
    weekday: CronField,
}

/// One of the five fields, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Minute of the hour, 0-59.
    Minute,
    /// Hour of the day, 0-23.
    Hour,
    /// Day of the month, 1-31.
    Day,
    /// Month of the year, 1-12.
    Month,
    /// Day of the week, 0-7 (0 and 7 are Sunday).
    Weekday,
}

/// Why a schedule text was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// Nothing but whitespace.
    #[error("empty schedule: expected 5 fields (minute hour day month weekday)")]
    Empty,
    /// Not five whitespace-separated fields.
    #[error(
        "schedule \"{text}\": expected 5 fields (minute hour day month weekday), found {found}"
    )]
    FieldCount {
        /// The whole text, trimmed.
        text: String,
        /// How many fields it has.
        found: usize,
    },
    /// One field is malformed or out of range.
    #[error("{field} \"{value}\": {problem} (allowed {min}-{max})", min = field.min(), max = field.max())]
    Field {
        /// Which field.
        field: FieldKind,
        /// The field's whole text.
        value: String,
        /// What is wrong with it.
        problem: FieldProblem,
    },
}

/// What is wrong with one field; part of [`ScheduleError::Field`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldProblem {
    /// A number outside the field's range.
    #[error("{0} is out of range")]
    OutOfRange(String),
    /// A range whose start is after its end, such as `5-2`.
    #[error("range {start}-{end} goes backwards")]
    Backwards {
        /// The range's first number.
        start: u32,
        /// The range's last number.
        end: u32,
    },
    /// A step of 0, such as `*/0`.
    #[error("a step must be at least 1")]
    ZeroStep,
    /// An item that is none of the accepted forms (an empty item included).
    #[error("\"{0}\" is not *, a number, a range a-b or a step */n or a-b/n")]
    Syntax(String),
}

impl Schedule {
    /// The first instant strictly after `after` at which the schedule fires, at second 0. `None`
    /// when no date in the five years after `after` matches (such as `0 0 31 2 *`).
    ///
    /// Walks day by day, skipping whole months that don't match and finding the hour and minute
    /// of a matching day with bit operations, so a far-away date costs at most ~1,830 steps.
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let start = after
            .with_second(0)?
            .with_nanosecond(0)?
            .checked_add_signed(Duration::minutes(1))?;
        let last_date = start.date().checked_add_months(Months::new(60))?;
        let mut date = start.date();
        // The earliest hour and minute allowed on `date`: the start's on the first day, then 0.
        let (mut from_hour, mut from_minute) = (start.hour(), start.minute());
        while date <= last_date {
            if !self.month.contains(date.month()) {
                date = NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
                    .checked_add_months(Months::new(1))?;
                (from_hour, from_minute) = (0, 0);
                continue;
            }
            if self.day_matches(date) {
                let mut hour = self.hour.first_from(from_hour);
                while let Some(found_hour) = hour {
                    let minute_floor = if found_hour == from_hour {
                        from_minute
                    } else {
                        0
                    };
                    if let Some(found_minute) = self.minute.first_from(minute_floor) {
                        return date.and_hms_opt(found_hour, found_minute, 0);
                    }
                    hour = self.hour.first_from(found_hour + 1);
                }
            }
            date = date.succ_opt()?;
            (from_hour, from_minute) = (0, 0);
        }
        None
    }

    /// Whether the schedule fires at `at`'s minute (seconds are ignored).
    pub fn matches(&self, at: NaiveDateTime) -> bool {
        self.minute.contains(at.minute())
            && self.hour.contains(at.hour())
            && self.month.contains(at.month())
            && self.day_matches(at.date())
    }

    /// The day rule: day of month and weekday, either one when both are restricted.
    fn day_matches(&self, date: NaiveDate) -> bool {
        let day_ok = self.day.contains(date.day());
        let weekday_ok = self.weekday.contains(date.weekday().num_days_from_sunday());
        match (self.day.is_star(), self.weekday.is_star()) {
            (true, true) => true,
            (true, false) => weekday_ok,
            (false, true) => day_ok,
            (false, false) => day_ok || weekday_ok,
        }
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            if fields.is_empty() {
                return Err(ScheduleError::Empty);
            }
            return Err(ScheduleError::FieldCount {
                text: text.trim().to_owned(),
                found: fields.len(),
            });
        };
        Ok(Schedule {
            minute: CronField::parse(FieldKind::Minute, minute)?,
            hour: CronField::parse(FieldKind::Hour, hour)?,
            day: CronField::parse(FieldKind::Day, day)?,
            month: CronField::parse(FieldKind::Month, month)?,
            weekday: CronField::parse(FieldKind::Weekday, weekday)?,
        })
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            self.minute, self.hour, self.day, self.month, self.weekday
        )
    }
}

/// Serialized as its canonical text.
impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialized from its text, with [`ScheduleError`]'s message on failure.
impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl FieldKind {
    /// The field's name as errors print it: `minute`, `hour`, `day`, `month`, `weekday`.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Minute => "minute",
            FieldKind::Hour => "hour",
            FieldKind::Day => "day",
            FieldKind::Month => "month",
            FieldKind::Weekday => "weekday",
        }
    }

    /// The smallest value allowed.
    pub fn min(self) -> u32 {
        match self {
            FieldKind::Minute | FieldKind::Hour | FieldKind::Weekday => 0,
            FieldKind::Day | FieldKind::Month => 1,
        }
    }

    /// The largest value allowed (7 for the weekday: Sunday again).
    pub fn max(self) -> u32 {
        match self {
            FieldKind::Minute => 59,
            FieldKind::Hour => 23,
            FieldKind::Day => 31,
            FieldKind::Month => 12,
            FieldKind::Weekday => 7,
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One field: its items as written (for `Display` and the day rule) and the set they denote.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CronField {
    items: Vec<Item>,
    /// Bit `n` set when value `n` matches. For the weekday, 7 is folded onto bit 0 (Sunday).
    bits: u64,
}

/// One comma-separated item of a field, normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// `*`.
    All,
    /// `n`.
    Value(u32),
    /// `a-b`, with `a <= b`.
    Range(u32, u32),
    /// `*/n` (`range` is `None`) or `a-b/n`, with `n >= 1`.
    Step {
        range: Option<(u32, u32)>,
        step: u32,
    },
}

impl CronField {
    fn parse(kind: FieldKind, text: &str) -> Result<CronField, ScheduleError> {
        let mut items = Vec::new();
        let mut bits = 0u64;
        for raw_item in text.split(',') {
            let item = Item::parse(kind, raw_item).map_err(|problem| ScheduleError::Field {
                field: kind,
                value: text.to_owned(),
                problem,
            })?;
            let (start, end, step) = match item {
                Item::All => (kind.min(), kind.max(), 1),
                Item::Value(value) => (value, value, 1),
                Item::Range(start, end) => (start, end, 1),
                Item::Step { range, step } => {
                    let (start, end) = range.unwrap_or((kind.min(), kind.max()));
                    (start, end, step)
                }
            };
            for value in (start..=end).step_by(step as usize) {
                let bit = if kind == FieldKind::Weekday {
                    value % 7
                } else {
                    value
                };
                bits |= 1 << bit;
            }
            items.push(item);
        }
        Ok(CronField { items, bits })
    }

    fn contains(&self, value: u32) -> bool {
        value < 64 && self.bits & (1 << value) != 0
    }

    /// The smallest matching value `>= from`.
    fn first_from(&self, from: u32) -> Option<u32> {
        if from >= 64 {
            return None;
        }
        let remaining = self.bits & (u64::MAX << from);
        (remaining != 0).then(|| remaining.trailing_zeros())
    }

    /// A lone `*`: the field does not restrict anything, which matters for the day rule.
    fn is_star(&self) -> bool {
        self.items == [Item::All]
    }
}

impl Item {
    fn parse(kind: FieldKind, raw_item: &str) -> Result<Item, FieldProblem> {
        let syntax = || FieldProblem::Syntax(raw_item.to_owned());
        let number = |digits: &str| -> Result<u32, FieldProblem> {
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(syntax());
            }
            match digits.parse::<u32>() {
                Ok(value) if (kind.min()..=kind.max()).contains(&value) => Ok(value),
                _ => Err(FieldProblem::OutOfRange(digits.to_owned())),
            }
        };
        let range = |text: &str| -> Result<(u32, u32), FieldProblem> {
            let (start, end) = text.split_once('-').ok_or_else(syntax)?;
            let (start, end) = (number(start)?, number(end)?);
            if start > end {
                return Err(FieldProblem::Backwards { start, end });
            }
            Ok((start, end))
        };

        // The seed's `*1,15`: a star glued before a digit is dropped.
        let item_text = match raw_item.strip_prefix('*') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => raw_item,
        };
        let Some((base, step_text)) = item_text.split_once('/') else {
            return match item_text {
                "*" => Ok(Item::All),
                _ if item_text.contains('-') => {
                    let (start, end) = range(item_text)?;
                    Ok(Item::Range(start, end))
                }
                _ => Ok(Item::Value(number(item_text)?)),
            };
        };
        if step_text.is_empty() || !step_text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(syntax());
        }
        let step = match step_text.parse::<u32>() {
            Ok(0) => return Err(FieldProblem::ZeroStep),
            Ok(step) => step,
            Err(_) => return Err(FieldProblem::OutOfRange(step_text.to_owned())),
        };
        let range = match base {
            "*" => None,
            _ => Some(range(base)?),
        };
        Ok(Item::Step { range, step })
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            match item {
                Item::All => f.write_str("*")?,
                Item::Value(value) => write!(f, "{value}")?,
                Item::Range(start, end) => write!(f, "{start}-{end}")?,
                Item::Step { range: None, step } => write!(f, "*/{step}")?,
                Item::Step {
                    range: Some((start, end)),
                    step,
                } => write!(f, "{start}-{end}/{step}")?,
            }
        }
        Ok(())
    }
}
