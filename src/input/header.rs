//! Maps a header's names onto the columns a kind of command file knows. Names are trimmed and
//! compared case-insensitively; aliases let the files of the reference tool's documentation
//! work as intended. An unknown or repeated column rejects the file. No IO.

use crate::error::{FileError, LineError, LineProblem, UnknownColumn};

use super::Record;

/// A column a kind of file knows: its canonical name and the other names it answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The canonical name, lowercase.
    pub name: &'static str,
    /// Other accepted names, lowercase.
    pub aliases: Vec<&'static str>,
}

impl ColumnSpec {
    /// A column with no alias.
    pub fn new(name: &'static str) -> Self {
        ColumnSpec {
            name,
            aliases: Vec::new(),
        }
    }

    /// A column with aliases.
    pub fn with_aliases(name: &'static str, aliases: &[&'static str]) -> Self {
        ColumnSpec {
            name,
            aliases: aliases.to_vec(),
        }
    }
}

/// Where each known column sits in a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// For each spec, in spec order, its position in the header.
    positions: Vec<Option<usize>>,
    /// The header names as written (trimmed), by position.
    names: Vec<String>,
    /// Columns of an open family (such as `profile_field_<shortname>`): position and the name
    /// after the family's prefix, as written.
    family: Vec<(usize, String)>,
}

impl ColumnMap {
    /// Matches `header` against `specs`. Trailing empty names (a trailing separator) are
    /// ignored; any other empty, unknown or repeated name is a file error.
    pub fn resolve(header: &Record, specs: &[ColumnSpec]) -> Result<ColumnMap, FileError> {
        ColumnMap::resolve_with_family(header, specs, None)
    }

    /// As [`ColumnMap::resolve`], also accepting the columns whose name starts with `prefix`
    /// (compared ignoring case) and has more after it: a family of columns named by data, such
    /// as `profile_field_<shortname>`. [`ColumnMap::family`] lists them.
    pub fn resolve_with_family(
        header: &Record,
        specs: &[ColumnSpec],
        prefix: Option<&str>,
    ) -> Result<ColumnMap, FileError> {
        let mut family: Vec<(usize, String)> = Vec::new();
        let mut names = header.values.clone();
        while names.last().is_some_and(String::is_empty) {
            names.pop();
        }
        let mut positions = vec![None; specs.len()];
        let mut unknown = Vec::new();
        for (position, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(FileError::EmptyColumnName {
                    position: position + 1,
                });
            }
            let lowered = name.to_lowercase();
            if let Some(prefix) = prefix
                && lowered.len() > prefix.len()
                && lowered.starts_with(prefix)
                && name.is_char_boundary(prefix.len())
            {
                let member = &name[prefix.len()..];
                if let Some(&(first, _)) = family
                    .iter()
                    .find(|(_, other)| other.eq_ignore_ascii_case(member))
                {
                    return Err(FileError::DuplicateColumn {
                        name: "profile field",
                        first: first + 1,
                        second: position + 1,
                    });
                }
                family.push((position, member.to_owned()));
                continue;
            }
            let found = specs
                .iter()
                .position(|spec| spec.name == lowered || spec.aliases.contains(&lowered.as_str()));
            match found {
                Some(index) => {
                    if let Some(first) = positions[index] {
                        return Err(FileError::DuplicateColumn {
                            name: specs[index].name,
                            first: first + 1,
                            second: position + 1,
                        });
                    }
                    positions[index] = Some(position);
                }
                None => unknown.push(UnknownColumn {
                    name: name.clone(),
                    position: position + 1,
                    suggestion: closest(&lowered, specs),
                }),
            }
        }
        if !unknown.is_empty() {
            return Err(FileError::UnknownColumns {
                unknown,
                known: specs.iter().map(|spec| spec.name).collect(),
            });
        }
        Ok(ColumnMap {
            positions,
            names,
            family,
        })
    }

    /// The family's columns ([`ColumnMap::resolve_with_family`]): each one's position and its
    /// name after the prefix, in header order.
    pub fn family(&self) -> &[(usize, String)] {
        &self.family
    }

    /// The non-empty value at header `position` on `record`, if any.
    pub fn get_at<'r>(&self, record: &'r Record, position: usize) -> Option<&'r str> {
        record
            .values
            .get(position)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// The header name at `position`, as written.
    pub fn name_at(&self, position: usize) -> &str {
        self.names.get(position).map_or("?", String::as_str)
    }

    /// Whether the header has the column of spec `index`.
    pub fn has(&self, index: usize) -> bool {
        self.positions[index].is_some()
    }

    /// The header name under which the column of spec `index` appears, if it does.
    pub fn header_name(&self, index: usize) -> Option<&str> {
        self.positions[index].map(|position| self.names[position].as_str())
    }

    /// The non-empty value of the column of spec `index` on `record`, if any.
    pub fn get<'r>(&self, record: &'r Record, index: usize) -> Option<&'r str> {
        let position = self.positions[index]?;
        record
            .values
            .get(position)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// Fails when a value of `record` holds a control character other than tab and line breaks
    /// (which a quoted value may hold).
    pub fn check_text(&self, record: &Record) -> Result<(), LineError> {
        for (position, value) in record.values.iter().enumerate() {
            let Some(character) = value
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            else {
                continue;
            };
            let column = self
                .names
                .get(position)
                .cloned()
                .unwrap_or_else(|| format!("#{}", position + 1));
            return Err(LineError::in_column(
                column,
                value.escape_debug().to_string(),
                LineProblem::ControlCharacter {
                    character: format!("U+{:04X}", u32::from(character)),
                },
            ));
        }
        Ok(())
    }

    /// Fails when `record` has a non-empty value beyond the header's columns. Empty extra
    /// values, such as a trailing separator leaves, are fine.
    pub fn check_width(&self, record: &Record) -> Result<(), LineError> {
        let columns = self.names.len();
        let last_filled = record
            .values
            .iter()
            .rposition(|value| !value.is_empty())
            .map_or(0, |index| index + 1);
        if last_filled <= columns {
            return Ok(());
        }
        let extra = record.values[columns..]
            .iter()
            .find(|value| !value.is_empty())
            .cloned()
            .unwrap_or_default();
        Err(LineError {
            column: None,
            value: Some(extra.clone()),
            problem: LineProblem::ExtraValues {
                columns,
                values: last_filled,
                extra,
            },
        })
    }
}

/// The known column closest to `name`, if it is close enough to be a likely typo.
fn closest(name: &str, specs: &[ColumnSpec]) -> Option<&'static str> {
    specs
        .iter()
        .flat_map(|spec| {
            std::iter::once(spec.name)
                .chain(spec.aliases.iter().copied())
                .map(move |alias| (spec.name, alias))
        })
        .map(|(canonical, alias)| (canonical, strsim::damerau_levenshtein(name, alias)))
        .filter(|(_, distance)| *distance <= 2.max(name.chars().count() / 3))
        .min_by_key(|(_, distance)| *distance)
        .map(|(canonical, _)| canonical)
}

#[cfg(test)]
mod tests;
