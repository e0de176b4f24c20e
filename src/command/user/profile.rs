//! The custom profile fields of a user file: the header's `profile_field_*` columns resolved
//! to the site's fields (the missing ones created when `[users] create_profile_fields` allows),
//! and a line's values checked against their field's type and stored as Moodle stores them.

use super::{
    effect::Effect,
    line::UserLine,
    plan::{FieldRef, NewField, UserOp},
    planner::Planner,
    problem::Problem,
};
use crate::{
    command::{dates::parse_time, refs::parse_flag},
    error::{FileError, LineError, LineProblem},
};

/// `user_info_data.dataformat` of a text area (`FORMAT_HTML`).
const FORMAT_HTML: i64 = 1;

/// A profile field the file names, resolved.
#[derive(Debug, Clone)]
pub(super) struct FileField {
    /// The field the ops name.
    reference: FieldRef,
    /// Its `datatype`.
    datatype: String,
    /// The options of a menu.
    options: Option<Vec<String>>,
}

impl Planner<'_> {
    /// Resolves the header's profile fields, creating the missing ones when allowed.
    pub(super) fn resolve_fields(
        &mut self,
        shortnames: &[String],
    ) -> Result<Vec<Effect>, FileError> {
        let snapshot = self.snapshot;
        let mut missing = Vec::new();
        for shortname in shortnames {
            // Moodle's shortnames are compared as written; a header's case may differ.
            let defined = snapshot
                .fields
                .iter()
                .find(|field| field.shortname == *shortname)
                .or_else(|| {
                    snapshot
                        .fields
                        .iter()
                        .find(|field| field.shortname.eq_ignore_ascii_case(shortname))
                });
            match defined {
                Some(field) => {
                    self.fields.insert(
                        shortname.clone(),
                        FileField {
                            reference: FieldRef::Existing(field.id),
                            datatype: field.datatype.clone(),
                            options: (field.datatype == "menu").then(|| {
                                field
                                    .param1
                                    .as_deref()
                                    .unwrap_or("")
                                    .lines()
                                    .map(|option| option.trim().to_owned())
                                    .filter(|option| !option.is_empty())
                                    .collect()
                            }),
                        },
                    );
                }
                None => missing.push(shortname.clone()),
            }
        }
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        if !self.settings.create_profile_fields {
            return Err(FileError::UnknownProfileFields {
                shortnames: missing
                    .iter()
                    .map(|shortname| format!("\"{shortname}\" (column profile_field_{shortname})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut effects = Vec::new();
        let category = self.settings.profile_field_category.clone();
        let categoryid = snapshot.category.as_ref().map(|category| category.id);
        if categoryid.is_none() {
            self.ops.push(UserOp::CreateCategory {
                name: category.clone(),
                sortorder: snapshot.max_category_sortorder + 1,
            });
        }
        let last_sortorder = if categoryid.is_some() {
            snapshot.max_field_sortorder
        } else {
            0
        };
        for (slot, shortname) in missing.into_iter().enumerate() {
            let sortorder = last_sortorder + 1 + slot as i64;
            self.ops.push(UserOp::CreateField {
                slot,
                field: NewField {
                    shortname: shortname.clone(),
                    categoryid,
                    sortorder,
                },
            });
            self.fields.insert(
                shortname.clone(),
                FileField {
                    reference: FieldRef::New(slot),
                    datatype: "text".into(),
                    options: None,
                },
            );
            effects.push(Effect::ProfileFieldCreated {
                shortname,
                category: category.clone(),
            });
        }
        Ok(effects)
    }

    /// The profile values of `line` as stored: checked against their field's type.
    pub(super) fn profile_values(
        &self,
        line: &UserLine,
    ) -> Result<Vec<(FieldRef, String, i64)>, LineError> {
        let mut values = Vec::new();
        for (shortname, value) in &line.profile {
            let Some(field) = self.fields.get(shortname) else {
                continue;
            };
            let column = format!("profile_field_{shortname}");
            let (data, format) = match field.datatype.as_str() {
                "checkbox" => {
                    let flag = parse_flag(value)
                        .map_err(|problem| LineError::in_column(&column, value, problem))?;
                    (if flag { "1" } else { "0" }.to_owned(), 0)
                }
                "menu" => {
                    let options = field.options.as_deref().unwrap_or_default();
                    match options.iter().find(|option| option.as_str() == value) {
                        Some(option) => (option.clone(), 0),
                        None => {
                            return Err(LineError::in_column(
                                &column,
                                value,
                                Problem::NotAnOption {
                                    value: value.clone(),
                                    field: shortname.clone(),
                                    options: options.join(", "),
                                },
                            ));
                        }
                    }
                }
                "datetime" => match parse_time(value) {
                    Some(time) => (time.resolve(&self.snapshot.site.zone).to_string(), 0),
                    None => {
                        return Err(LineError::in_column(
                            &column,
                            value,
                            LineProblem::NotADate {
                                value: value.clone(),
                            },
                        ));
                    }
                },
                "textarea" => (value.clone(), FORMAT_HTML),
                _ => (value.clone(), 0),
            };
            values.push((field.reference, data, format));
        }
        Ok(values)
    }

    /// The shortname of `reference` as the header writes it.
    pub(super) fn shortname_of(&self, reference: FieldRef) -> String {
        self.fields
            .iter()
            .find(|(_, field)| field.reference == reference)
            .map(|(shortname, _)| shortname.clone())
            .unwrap_or_default()
    }
}
