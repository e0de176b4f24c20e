//! What the lines of a user file do: its effects, how the report words them, and what
//! they count for the totals.

use serde::Serialize;

use crate::outcome::{AccountLabel, FieldChange, LineEffect, shorten, verb};

/// One thing a line of a user file did, or found already done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A custom profile field was created (`[users] create_profile_fields`).
    ProfileFieldCreated {
        /// Its shortname.
        shortname: String,
        /// Its category.
        category: String,
    },
    /// An account was created, with its user context.
    UserCreated {
        /// The account.
        user: AccountLabel,
        /// Its authentication method.
        auth: String,
        /// What its password is.
        password: PasswordSet,
        /// Whether it has an email (Moodle mails generated passwords).
        has_email: bool,
        /// Whether it was created suspended.
        suspended: bool,
    },
    /// A deleted account matched the line and was left deleted (`[users] revive_deleted` is
    /// off): the line created a new account.
    DeletedAccountLeft {
        /// The deleted account.
        user: AccountLabel,
    },
    /// Some fields of an account were changed.
    UserUpdated {
        /// The account.
        user: AccountLabel,
        /// What changed (passwords are never shown).
        changes: Vec<FieldChange>,
        /// Columns whose different values were not applied: `[users] protected_fields`.
        protected: Vec<String>,
    },
    /// The account already was as the line says.
    UserUnchanged {
        /// The account.
        user: AccountLabel,
        /// Columns whose different values were not applied: `[users] protected_fields`.
        protected: Vec<String>,
    },
    /// A deleted account was brought back (`[users] revive_deleted`).
    UserRevived {
        /// The account.
        user: AccountLabel,
        /// The values it was given.
        changes: Vec<FieldChange>,
    },
    /// An account was suspended.
    UserSuspended {
        /// The account.
        user: AccountLabel,
    },
    /// An account's suspension was lifted.
    UserUnsuspended {
        /// The account.
        user: AccountLabel,
    },
    /// The account already was suspended.
    AlreadySuspended {
        /// The account.
        user: AccountLabel,
    },
    /// The account was not suspended.
    NotSuspended {
        /// The account.
        user: AccountLabel,
    },
    /// An account was deleted as Moodle deletes them.
    UserDeleted {
        /// The account, as it was named before.
        user: AccountLabel,
    },
    /// The account was already deleted.
    AlreadyDeleted {
        /// The account.
        user: AccountLabel,
    },
}

/// What the lines of a user file did, counted; the report's totals and the ledger's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Accounts created.
    pub users_created: usize,
    /// Accounts updated.
    pub users_updated: usize,
    /// Deleted accounts revived.
    pub users_revived: usize,
    /// Accounts suspended.
    pub users_suspended: usize,
    /// Suspensions lifted.
    pub users_unsuspended: usize,
    /// Accounts deleted.
    pub users_deleted: usize,
    /// Custom profile fields created.
    pub profile_fields_created: usize,
}

impl LineEffect for Effect {
    type Counts = Counts;

    fn is_change(&self) -> bool {
        !matches!(
            self,
            Effect::DeletedAccountLeft { .. }
                | Effect::UserUnchanged { .. }
                | Effect::AlreadySuspended { .. }
                | Effect::NotSuspended { .. }
                | Effect::AlreadyDeleted { .. }
        )
    }

    fn count(&self, counts: &mut Counts) {
        match self {
            Effect::ProfileFieldCreated { .. } => counts.profile_fields_created += 1,
            Effect::UserCreated { .. } => counts.users_created += 1,
            Effect::UserUpdated { .. } => counts.users_updated += 1,
            Effect::UserRevived { .. } => counts.users_revived += 1,
            Effect::UserSuspended { .. } => counts.users_suspended += 1,
            Effect::UserUnsuspended { .. } => counts.users_unsuspended += 1,
            Effect::UserDeleted { .. } => counts.users_deleted += 1,
            Effect::DeletedAccountLeft { .. }
            | Effect::UserUnchanged { .. }
            | Effect::AlreadySuspended { .. }
            | Effect::NotSuspended { .. }
            | Effect::AlreadyDeleted { .. } => {}
        }
    }

    fn describe(&self, simulation: bool) -> String {
        let verb = |done: &str, would: &str| verb(simulation, done, would);
        match self {
            Effect::ProfileFieldCreated {
                shortname,
                category,
            } => format!(
                "{} text profile field {shortname} in category \"{category}\"",
                verb("created", "would create")
            ),
            Effect::UserCreated {
                user,
                auth,
                password,
                has_email,
                suspended,
            } => {
                let password = match password {
                PasswordSet::Hashed => "password from the file".to_owned(),
                PasswordSet::ToBeGenerated if *has_email => {
                    "Moodle's cron will generate a password and mail it".to_owned()
                }
                PasswordSet::ToBeGenerated => {
                    "no email: Moodle's cron cannot mail the password it generates; give an email or a password".to_owned()
                }
                PasswordSet::NotCached => format!("password checked by {auth}"),
                PasswordSet::None => "no password".to_owned(),
            };
                format!(
                    "{} account {user} (auth {auth}{}; {password})",
                    verb("created", "would create"),
                    if *suspended { ", suspended" } else { "" }
                )
            }
            Effect::DeletedAccountLeft { user } => {
                format!("deleted account {user} left deleted ([users] revive_deleted is off)")
            }
            Effect::UserUpdated {
                user,
                changes,
                protected,
            } => format!(
                "{} account {user}: {}{}",
                verb("updated", "would update"),
                describe_changes(changes),
                describe_protected(protected)
            ),
            Effect::UserUnchanged { user, protected } => {
                format!(
                    "account {user} already as given{}",
                    describe_protected(protected)
                )
            }
            Effect::UserRevived { user, changes } => {
                let mut text =
                    format!("{} deleted account {user}", verb("revived", "would revive"));
                if !changes.is_empty() {
                    text.push_str(": ");
                    text.push_str(&describe_changes(changes));
                }
                text
            }
            Effect::UserSuspended { user } => {
                format!("{} account {user}", verb("suspended", "would suspend"))
            }
            Effect::UserUnsuspended { user } => format!(
                "{} the suspension of account {user}",
                verb("lifted", "would lift")
            ),
            Effect::AlreadySuspended { user } => format!("account {user} already suspended"),
            Effect::NotSuspended { user } => format!("account {user} not suspended"),
            Effect::UserDeleted { user } => format!(
                "{} account {user} (memberships, enrolments, roles and profile data removed)",
                verb("deleted", "would delete")
            ),
            Effect::AlreadyDeleted { user } => format!("account {user} already deleted"),
        }
    }

    fn heading(&self) -> &'static str {
        "Before the first line ([users] create_profile_fields)"
    }
}

/// What was stored as the password of a created account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordSet {
    /// The file's password, hashed as Moodle verifies it.
    Hashed,
    /// `to be generated` with the `create_password` preference: Moodle's cron generates a
    /// password and mails it.
    ToBeGenerated,
    /// `not cached`: the authentication plugin checks passwords elsewhere.
    NotCached,
    /// Nothing (an internal method, such as `nologin`, that logs no one in by password).
    None,
}

fn describe_changes(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|change| {
            format!(
                "{} \"{}\" → \"{}\"",
                change.field,
                shorten(&change.from),
                shorten(&change.to)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_protected(protected: &[String]) -> String {
    if protected.is_empty() {
        String::new()
    } else {
        format!(
            " (different {} kept: protected by [users] protected_fields)",
            protected.join(", ")
        )
    }
}
