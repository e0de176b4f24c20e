//! One record's values read through its header's columns, as the kinds' line parsers read
//! them: by a kind's column (any type implementing [`Column`]), an error naming the column as
//! the header writes it. Pure.

use crate::{
    command::dates::{FileTime, parse_time},
    error::{LineError, LineProblem},
    input::{ColumnMap, Record},
};

/// A kind's column: its place in the kind's column specs, and its name.
pub trait Column: Copy {
    /// Its index in the kind's `column_specs()`.
    fn index(self) -> usize;
    /// Its name, for an error when the header does not name it.
    fn name(self) -> &'static str;
}

/// A date column's value: what it says, and how the line wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateValue {
    /// The column's name in the header.
    pub column: String,
    /// The value as written.
    pub text: String,
    /// What it says.
    pub time: FileTime,
}

/// One record's values, read through the header's columns.
pub struct Values<'a> {
    /// The record.
    pub record: &'a Record,
    /// The header's columns.
    pub columns: &'a ColumnMap,
}

impl<'a> Values<'a> {
    /// The value of `column`; `None` when the column is absent or the value empty.
    pub fn get(&self, column: impl Column) -> Option<&'a str> {
        self.columns.get(self.record, column.index())
    }

    /// The name of `column` in the header.
    pub fn header_name(&self, column: impl Column) -> &'a str {
        self.columns
            .header_name(column.index())
            .unwrap_or(column.name())
    }

    /// A line error in `column`.
    pub fn fail(&self, column: impl Column, value: &str, problem: LineProblem) -> LineError {
        LineError::in_column(self.header_name(column), value, problem)
    }

    /// The required key in `column`, which names the line's `what`, matched `by` a field.
    pub fn key(
        &self,
        column: impl Column,
        what: &'static str,
        by: &'static str,
    ) -> Result<&'a str, LineError> {
        self.get(column)
            .ok_or_else(|| self.fail(column, "", LineProblem::MissingValue { what, by }))
    }

    /// The date in `column`, if any.
    pub fn date(&self, column: impl Column) -> Result<Option<DateValue>, LineError> {
        self.get(column)
            .map(|text| match parse_time(text) {
                Some(time) => Ok(DateValue {
                    column: self.header_name(column).to_owned(),
                    text: text.to_owned(),
                    time,
                }),
                None => Err(self.fail(
                    column,
                    text,
                    LineProblem::NotADate {
                        value: text.to_owned(),
                    },
                )),
            })
            .transpose()
    }
}
