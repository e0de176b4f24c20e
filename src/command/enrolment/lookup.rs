//! How the enrolment planner finds what a line names: the user, the course, the role and the
//! course's method of the line's plugin, each error naming the column as the header writes it;
//! and how the report names a role.

use super::{
    plan::{ENABLED, EnrolCourse, MethodRow},
    planner::Planner,
    problem::Problem,
};
use crate::{
    command::{
        binding::RoleRow,
        cohort::UserRow,
        refs::{CourseIdentifier, RoleIdentifier},
    },
    error::{LineError, LineProblem},
    outcome::RoleLabel,
};

impl<'a> Planner<'a> {
    pub(super) fn find_user(&self, value: &str) -> Result<&'a UserRow, LineError> {
        let identifier = self.settings.user_identifier;
        let by = identifier.name();
        let key = identifier
            .normalize(value)
            .map_err(|problem| LineError::in_column(&self.header.user, value, problem))?;
        match self.users.get(&key).map(Vec::as_slice).unwrap_or_default() {
            [] => Err(LineError::in_column(
                &self.header.user,
                value,
                LineProblem::UnknownUser {
                    value: value.to_owned(),
                    by,
                },
            )),
            [index] => Ok(&self.snapshot.users[*index]),
            several => Err(LineError::in_column(
                &self.header.user,
                value,
                LineProblem::AmbiguousUser {
                    value: value.to_owned(),
                    by,
                    ids: several.iter().map(|&i| self.snapshot.users[i].id).collect(),
                },
            )),
        }
    }

    pub(super) fn find_course(&self, value: &str) -> Result<&'a EnrolCourse, LineError> {
        let by = self.settings.course_identifier.name();
        let key = match self.settings.course_identifier {
            CourseIdentifier::Id => value
                .parse::<i64>()
                .map_or_else(|_| value.to_owned(), |id| id.to_string()),
            _ => value.to_owned(),
        };
        match self
            .courses
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            [] => Err(LineError::in_column(
                &self.header.course,
                value,
                LineProblem::UnknownCourse {
                    value: value.to_owned(),
                    by,
                },
            )),
            [index] => Ok(&self.snapshot.courses[*index]),
            several => Err(LineError::in_column(
                &self.header.course,
                value,
                LineProblem::AmbiguousCourse {
                    value: value.to_owned(),
                    by,
                    ids: several
                        .iter()
                        .map(|&i| self.snapshot.courses[i].id)
                        .collect(),
                },
            )),
        }
    }

    pub(super) fn find_role(&self, key: &str) -> Result<&'a RoleRow, LineError> {
        let by = self.settings.role_identifier;
        self.snapshot
            .roles
            .iter()
            .find(|role| match by {
                RoleIdentifier::Id => key.parse() == Ok(role.id),
                RoleIdentifier::Shortname => role.shortname.eq_ignore_ascii_case(key),
            })
            .ok_or_else(|| {
                LineError::in_column(
                    &self.header.role,
                    key,
                    LineProblem::UnknownRole {
                        value: key.to_owned(),
                        by: by.name(),
                    },
                )
            })
    }

    /// The course's first enabled method of plugin `enrol`, by sort order.
    pub(super) fn enabled_method(
        &self,
        course: &EnrolCourse,
        enrol: &str,
    ) -> Result<&'a MethodRow, LineError> {
        let of_plugin: Vec<&'a MethodRow> = self
            .methods
            .get(&course.id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|method| method.enrol == enrol)
            .collect();
        of_plugin
            .iter()
            .copied()
            .find(|method| method.status == ENABLED)
            .ok_or_else(|| self.no_method(course, enrol, !of_plugin.is_empty()))
    }

    /// The course's method of plugin `enrol` the user is enrolled by (the first of them by
    /// sort order when none).
    pub(super) fn method_of(
        &self,
        course: &EnrolCourse,
        enrol: &str,
        user: i64,
    ) -> Result<&'a MethodRow, LineError> {
        let enrolled = self.enrolments.get(&(course.id, user));
        let of_plugin: Vec<&'a MethodRow> = self
            .methods
            .get(&course.id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|method| method.enrol == enrol)
            .collect();
        of_plugin
            .iter()
            .copied()
            .find(|method| enrolled.is_some_and(|enrolments| enrolments.contains_key(&method.id)))
            .or_else(|| of_plugin.first().copied())
            .ok_or_else(|| self.no_method(course, enrol, false))
    }

    fn no_method(&self, course: &EnrolCourse, enrol: &str, disabled: bool) -> LineError {
        LineError::in_column(
            &self.header.enrol,
            enrol,
            Problem::NoMethod {
                course: course.shortname.clone(),
                enrol: enrol.to_owned(),
                state: if disabled { "enabled " } else { "" },
            },
        )
    }

    pub(super) fn role_name(&self, roleid: i64) -> String {
        self.role_label_of(roleid).shortname
    }

    pub(super) fn role_label_of(&self, roleid: i64) -> RoleLabel {
        self.snapshot
            .roles
            .iter()
            .find(|role| role.id == roleid)
            .map(role_label)
            .unwrap_or(RoleLabel {
                id: roleid,
                shortname: format!("id {roleid}"),
            })
    }
}

/// How the report names a role.
pub(super) fn role_label(role: &RoleRow) -> RoleLabel {
    RoleLabel {
        id: role.id,
        shortname: role.shortname.clone(),
    }
}
