//! The lines about a live account: deleted as Moodle's `delete_user` deletes it, suspended or
//! unsuspended, or updated with the values that differ (protected fields and passwords left as
//! `[users]` says).

use super::{
    effect::Effect,
    line::{UserField, UserLine},
    password::PasswordFormat,
    plan::{FieldRef, NOT_CACHED, TO_BE_GENERATED, UserChanges, UserOp, deleted_email},
    planner::{INTERNAL_AUTHS, Planner, hash_secret},
};
use crate::{error::LineError, outcome::FieldChange};

impl Planner<'_> {
    /// Deletes account `index`.
    pub(super) fn delete(&mut self, index: usize) -> Result<Vec<Effect>, LineError> {
        self.guard(index)?;
        let label = self.accounts[index].label();
        let (username, email) = {
            let account = &self.accounts[index].account;
            (
                account.get(UserField::Username).to_owned(),
                account.get(UserField::Email).to_owned(),
            )
        };
        self.ops.push(UserOp::Delete {
            user: self.accounts[index].reference,
            username: username.clone(),
            email,
        });
        // The model follows what Moodle writes: the username is freed, the idnumber cleared,
        // the email replaced by the username's MD5.
        self.set(index, UserField::Username, String::new());
        self.set(index, UserField::Idnumber, String::new());
        self.set(index, UserField::Email, deleted_email(&username));
        let state = &mut self.accounts[index];
        state.account.deleted = true;
        state.former = Some(username);
        state.profile.clear();
        Ok(vec![Effect::UserDeleted { user: label }])
    }

    /// Suspends account `index` (`suspend`), or lifts its suspension.
    pub(super) fn suspend(
        &mut self,
        index: usize,
        suspend: bool,
    ) -> Result<Vec<Effect>, LineError> {
        let label = self.accounts[index].label();
        if self.accounts[index].account.suspended == suspend {
            return Ok(vec![if suspend {
                Effect::AlreadySuspended { user: label }
            } else {
                Effect::NotSuspended { user: label }
            }]);
        }
        self.guard(index)?;
        self.accounts[index].account.suspended = suspend;
        self.ops.push(UserOp::Update {
            user: self.accounts[index].reference,
            changes: UserChanges {
                suspended: Some(suspend),
                ..UserChanges::default()
            },
        });
        Ok(vec![if suspend {
            Effect::UserSuspended { user: label }
        } else {
            Effect::UserUnsuspended { user: label }
        }])
    }

    /// Updates account `index` with the values of `line` that differ from it, but for those
    /// `[users] protected_fields` keeps; nothing is written when no value differs.
    pub(super) fn update(
        &mut self,
        index: usize,
        line: &UserLine,
    ) -> Result<Vec<Effect>, LineError> {
        self.check_free(Some(index), line)?;
        let mut update = Update::default();
        self.account_changes(index, line, &mut update)?;
        self.profile_changes(index, line, &mut update)?;
        let Update {
            changes,
            profile,
            report,
            protected,
        } = update;
        if report.is_empty() {
            return Ok(vec![Effect::UserUnchanged {
                user: self.accounts[index].label(),
                protected,
            }]);
        }
        self.guard(index)?;
        self.write_update(index, changes, profile);
        Ok(vec![Effect::UserUpdated {
            user: self.accounts[index].label(),
            changes: report,
            protected,
        }])
    }

    /// What `line` changes in account `index`'s own fields, password and suspension.
    fn account_changes(
        &mut self,
        index: usize,
        line: &UserLine,
        update: &mut Update,
    ) -> Result<(), LineError> {
        let settings = self.settings;
        let current = &self.accounts[index].account;
        let Update {
            changes,
            report,
            protected,
            ..
        } = update;
        for (field, value) in &line.fields {
            let old = current.get(*field);
            if old == value {
                continue;
            }
            if settings.is_protected(field.name()) {
                protected.push(field.name().to_owned());
                continue;
            }
            if *field == UserField::Auth {
                self.check_auth(value, true)?;
            }
            report.push(FieldChange {
                field: field.name().into(),
                from: old.to_owned(),
                to: value.clone(),
            });
            changes.fields.push((*field, value.clone()));
        }
        // The method the account will have: changed by this line, or as it is.
        let new_auth = changes
            .fields
            .iter()
            .find(|(field, _)| *field == UserField::Auth)
            .map(|(_, auth)| auth.clone());
        if let Some(secret) = &line.password {
            let auth = new_auth.as_deref().unwrap_or(current.get(UserField::Auth));
            if settings.is_protected("password") {
                protected.push("password".into());
            } else if INTERNAL_AUTHS.contains(&auth)
                && !self
                    .passwords
                    .verify(self.line, &secret.0, &current.password)
            {
                let format =
                    PasswordFormat::for_version(self.snapshot.site.version, settings.password_cost);
                changes.password =
                    Some(hash_secret(&mut self.passwords, self.line, format, secret)?);
                report.push(FieldChange {
                    field: "password".into(),
                    from: String::new(),
                    to: "(changed)".into(),
                });
            }
        }
        // As Moodle's upload: an account moved to a method that checks passwords elsewhere
        // stores `not cached`, whatever password it had.
        if let Some(auth) = new_auth.as_deref()
            && !INTERNAL_AUTHS.contains(&auth)
            && current.password != NOT_CACHED
        {
            changes.password = Some(NOT_CACHED.into());
        }
        if line.suspend && !current.suspended {
            changes.suspended = Some(true);
            report.push(FieldChange {
                field: "suspended".into(),
                from: "0".into(),
                to: "1".into(),
            });
        }
        Ok(())
    }

    /// What `line` changes in account `index`'s profile values.
    fn profile_changes(
        &self,
        index: usize,
        line: &UserLine,
        update: &mut Update,
    ) -> Result<(), LineError> {
        for (field, data, dataformat) in self.profile_values(line)? {
            let shortname = self.shortname_of(field);
            let old = self.accounts[index].profile.get(&field);
            if old == Some(&data) {
                continue;
            }
            if self
                .settings
                .is_protected(&format!("profile_field_{shortname}"))
            {
                update.protected.push(format!("profile_field_{shortname}"));
                continue;
            }
            update.report.push(FieldChange {
                field: format!("profile_field_{shortname}"),
                from: old.cloned().unwrap_or_default(),
                to: data.clone(),
            });
            update.profile.push((field, data, dataformat));
        }
        Ok(())
    }

    /// Applies an update's changes to the model and lists its writes: the account's row, the
    /// preferences its new password settles, the password's time and the profile values.
    fn write_update(
        &mut self,
        index: usize,
        changes: UserChanges,
        profile: Vec<(FieldRef, String, i64)>,
    ) {
        let reference = self.accounts[index].reference;
        for (field, value) in &changes.fields {
            self.set(index, *field, value.clone());
        }
        let mut unset = Vec::new();
        // A hash stored for a manual account is stamped with its time.
        let stamp = changes
            .password
            .as_ref()
            .is_some_and(|password| password != NOT_CACHED)
            && self.accounts[index].account.get(UserField::Auth) == "manual";
        if let Some(password) = &changes.password {
            // Moodle's cron must not generate a password any more: the file gave one, or the
            // method keeps none ("no need to create password any more").
            if self.accounts[index].account.password == TO_BE_GENERATED {
                unset.push("create_password");
            }
            if password == NOT_CACHED {
                unset.push("auth_forcepasswordchange");
            }
            self.accounts[index].account.password = password.clone();
        }
        if let Some(suspended) = changes.suspended {
            self.accounts[index].account.suspended = suspended;
        }
        let touches_user =
            !changes.fields.is_empty() || changes.password.is_some() || changes.suspended.is_some();
        if touches_user {
            self.ops.push(UserOp::Update {
                user: reference,
                changes,
            });
        } else {
            // Moodle's profile API bumps nothing in `user`; an update through the user API
            // does. A line is one update: its timemodified moves with any change.
            self.ops.push(UserOp::Update {
                user: reference,
                changes: UserChanges::default(),
            });
        }
        for name in unset {
            self.ops.push(UserOp::UnsetPreference {
                user: reference,
                name,
            });
        }
        if stamp {
            self.stamp_password(reference, "manual");
        }
        for (field, data, dataformat) in profile {
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
    }
}

/// What an update line changes in an account, gathered before the model changes.
#[derive(Default)]
struct Update {
    /// The account's own changes.
    changes: UserChanges,
    /// The profile values to store: field, data, `dataformat`.
    profile: Vec<(FieldRef, String, i64)>,
    /// The changes as the report lists them.
    report: Vec<FieldChange>,
    /// The columns whose values differ but that `[users] protected_fields` keeps.
    protected: Vec<String>,
}
