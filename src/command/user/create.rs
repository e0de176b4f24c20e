//! The `add` lines that find no live account: a new account created as Moodle's
//! `user_create_user` creates it, or, when `[users] revive_deleted` allows, the deleted account
//! the line names brought back.

use std::collections::HashMap;

use super::{
    accounts::State,
    effect::{Effect, PasswordSet},
    line::{UserField, UserLine},
    plan::{Account, NewUser, TO_BE_GENERATED, UserChanges, UserOp, UserRef},
    planner::Planner,
    problem::Problem,
};
use crate::{error::LineError, outcome::FieldChange};

impl Planner<'_> {
    /// Creates the account `line` describes; `deleted`: a deleted account it names, left as it
    /// is.
    pub(super) fn create(
        &mut self,
        line: &UserLine,
        deleted: Option<usize>,
    ) -> Result<Vec<Effect>, LineError> {
        let missing: Vec<&str> = [
            UserField::Username,
            UserField::Firstname,
            UserField::Lastname,
        ]
        .into_iter()
        .filter(|field| line.get(*field).is_none())
        .map(UserField::name)
        .collect();
        if !missing.is_empty() {
            return Err(LineError::line(Problem::MissingToCreate {
                missing: join_and(&missing),
            }));
        }
        self.check_free(None, line)?;
        let site = &self.snapshot.site;
        let auth = line
            .get(UserField::Auth)
            .unwrap_or(&self.settings.default_auth)
            .to_owned();
        self.check_auth(&auth, line.get(UserField::Auth).is_some())?;
        let profile = self.profile_values(line)?;
        let (password, password_set) = self.password_for(&auth, line.password.as_ref())?;

        let mut fields: [String; 15] = Default::default();
        for (field, value) in &line.fields {
            fields[*field as usize] = value.clone();
        }
        fields[UserField::Auth as usize] = auth.clone();
        if line.get(UserField::Lang).is_none() {
            fields[UserField::Lang as usize] = site.lang.clone();
        }
        if line.get(UserField::Country).is_none() {
            fields[UserField::Country as usize] = site.country.clone().unwrap_or_default();
        }
        if line.get(UserField::City).is_none() {
            fields[UserField::City as usize] = site.city.clone().unwrap_or_default();
        }
        let slot = self.created;
        self.created += 1;
        let reference = UserRef::New(slot);
        let user = NewUser {
            fields: fields.clone(),
            password: password.clone(),
            suspended: line.suspend,
            mnethostid: site.mnethost,
            calendartype: site.calendartype.clone(),
            timezone: site.timezone.clone(),
            preferences: site.preferences,
        };
        self.ops.push(UserOp::Create {
            slot,
            user: Box::new(user),
        });
        if password == TO_BE_GENERATED {
            self.ops.push(UserOp::SetPreference {
                user: reference,
                name: "create_password",
                value: "1".into(),
            });
        }
        if password_set == PasswordSet::Hashed {
            self.stamp_password(reference, &auth);
        }
        let mut state = State {
            reference,
            former: None,
            account: Account {
                id: 0,
                fields,
                password,
                suspended: line.suspend,
                deleted: false,
                timemodified: 0,
            },
            profile: HashMap::new(),
        };
        for (field, data, dataformat) in profile {
            state.profile.insert(field, data.clone());
            self.ops.push(UserOp::SetProfile {
                user: reference,
                field,
                data,
                dataformat,
                exists: false,
            });
        }
        let has_email = !state.account.get(UserField::Email).is_empty();
        let label = state.label();
        self.insert(state);
        let mut effects = vec![Effect::UserCreated {
            user: label,
            auth,
            password: password_set,
            has_email,
            suspended: line.suspend,
        }];
        if let Some(index) = deleted {
            effects.push(Effect::DeletedAccountLeft {
                user: self.accounts[index].label(),
            });
        }
        Ok(effects)
    }

    /// Brings back deleted account `index` with the values `line` gives.
    pub(super) fn revive(
        &mut self,
        index: usize,
        line: &UserLine,
    ) -> Result<Vec<Effect>, LineError> {
        self.guard(index)?;
        self.check_free(Some(index), line)?;
        let auth = line
            .get(UserField::Auth)
            .unwrap_or(self.accounts[index].account.get(UserField::Auth))
            .to_owned();
        self.check_auth(&auth, line.get(UserField::Auth).is_some())?;
        let profile = self.profile_values(line)?;
        // Every value the line gives is set, protected or not: the deletion rewrote the
        // username, idnumber and email, and removed the profile data.
        let mut changes = UserChanges {
            revive: true,
            ..UserChanges::default()
        };
        let mut report = Vec::new();
        for (field, value) in &line.fields {
            let old = self.accounts[index].account.get(*field).to_owned();
            if old != *value {
                report.push(FieldChange {
                    field: field.name().into(),
                    from: old,
                    to: value.clone(),
                });
                changes.fields.push((*field, value.clone()));
                self.set(index, *field, value.clone());
            }
        }
        let mut stamp = false;
        if line.password.is_some() {
            let (password, set) = self.password_for(&auth, line.password.as_ref())?;
            stamp = set == PasswordSet::Hashed;
            changes.password = Some(password.clone());
            self.accounts[index].account.password = password;
            report.push(FieldChange {
                field: "password".into(),
                from: String::new(),
                to: "(set)".into(),
            });
        }
        if self.accounts[index].account.suspended != line.suspend {
            changes.suspended = Some(line.suspend);
            self.accounts[index].account.suspended = line.suspend;
        }
        self.accounts[index].account.deleted = false;
        let reference = self.accounts[index].reference;
        self.ops.push(UserOp::Update {
            user: reference,
            changes,
        });
        if stamp {
            self.stamp_password(reference, &auth);
        }
        for (field, data, dataformat) in profile {
            report.push(FieldChange {
                field: format!("profile_field_{}", self.shortname_of(field)),
                from: String::new(),
                to: data.clone(),
            });
            let exists = self.accounts[index]
                .profile
                .insert(field, data.clone())
                .is_some();
            self.ops.push(UserOp::SetProfile {
                user: reference,
                field,
                data,
                dataformat,
                exists,
            });
        }
        Ok(vec![Effect::UserRevived {
            user: self.accounts[index].label(),
            changes: report,
        }])
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
