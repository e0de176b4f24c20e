//! The user planner: its state, the dispatch of a line to what its command does, and the
//! checks and password choices several commands share. Its parts are beside it: the model of
//! the accounts (`accounts.rs`), the profile fields (`profile.rs`), the lines that create or
//! revive an account (`create.rs`) and those that change a live one (`change.rs`).

use std::collections::HashMap;

use super::{
    accounts::{Found, State},
    effect::{Effect, PasswordSet},
    line::{Secret, UserCmd, UserLine, UserSettings},
    password::{PasswordFormat, Passwords},
    plan::{
        FieldRef, NOT_CACHED, PASSWORD_UPDATE_TIME, Snapshot, TO_BE_GENERATED, UserOp, UserRef,
    },
    problem::Problem,
    profile::FileField,
};
use crate::{
    command::refs::UserIdentifier,
    error::{LineError, LineProblem},
};

/// Authentication plugins that keep the password in Moodle's `user` table; every other plugin
/// checks it elsewhere (LDAP, CAS…), and Moodle stores `not cached` instead.
pub(super) const INTERNAL_AUTHS: [&str; 4] = ["manual", "email", "nologin", "webservice"];

/// Lines applied in file order to a model of the accounts they touch.
pub(super) struct Planner<'a> {
    pub(super) settings: &'a UserSettings,
    pub(super) snapshot: &'a Snapshot,
    /// The accounts the file may touch, loaded or created by it; the indexes below point
    /// into it.
    pub(super) accounts: Vec<State>,
    /// Accounts, deleted or not, by username.
    pub(super) by_username: HashMap<String, Vec<usize>>,
    /// Accounts, deleted or not, by idnumber.
    pub(super) by_idnumber: HashMap<String, Vec<usize>>,
    /// Accounts, deleted or not, by email in lowercase.
    pub(super) by_email: HashMap<String, Vec<usize>>,
    /// The file's profile fields, by shortname as the header writes it.
    pub(super) fields: HashMap<String, FileField>,
    /// How many accounts the file creates so far: the slot of the next one.
    pub(super) created: usize,
    /// The writes so far, in order.
    pub(super) ops: Vec<UserOp>,
    /// Where hashes and checks come from.
    pub(super) passwords: Passwords,
    /// The number of the line being planned.
    pub(super) line: usize,
}

impl<'a> Planner<'a> {
    /// A planner whose model holds the snapshot's accounts and their profile values.
    pub(super) fn new(
        snapshot: &'a Snapshot,
        settings: &'a UserSettings,
        passwords: Passwords,
    ) -> Self {
        let mut planner = Planner {
            settings,
            snapshot,
            accounts: Vec::new(),
            by_username: HashMap::new(),
            by_idnumber: HashMap::new(),
            by_email: HashMap::new(),
            fields: HashMap::new(),
            created: 0,
            ops: Vec::new(),
            passwords,
            line: 0,
        };
        for account in &snapshot.accounts {
            let profile = snapshot
                .fields
                .iter()
                .filter_map(|field| {
                    snapshot
                        .data
                        .get(&(account.id, field.id))
                        .map(|data| (FieldRef::Existing(field.id), data.clone()))
                })
                .collect();
            planner.insert(State {
                reference: UserRef::Existing(account.id),
                account: account.clone(),
                former: None,
                profile,
            });
        }
        planner
    }

    /// Applies `line`: finds its account, then deletes, suspends or unsuspends, updates,
    /// revives or creates one as its command says. A line changes the model only when it
    /// succeeds.
    pub(super) fn apply(&mut self, line: &UserLine) -> Result<Vec<Effect>, LineError> {
        let found = self.find(line)?;
        let delete = line.cmd == UserCmd::Del || (line.cmd == UserCmd::Add && line.delete);
        match found {
            Found::Live(index) => {
                if delete {
                    self.delete(index)
                } else {
                    match line.cmd {
                        UserCmd::Suspend => self.suspend(index, true),
                        UserCmd::Unsuspend => self.suspend(index, false),
                        _ => self.update(index, line),
                    }
                }
            }
            Found::None { deleted } => {
                if delete && let Some(index) = deleted {
                    return Ok(vec![Effect::AlreadyDeleted {
                        user: self.accounts[index].label(),
                    }]);
                }
                if delete || line.cmd != UserCmd::Add {
                    let (by, value) = line
                        .key(self.settings.identifier)
                        .unwrap_or((UserIdentifier::Username, String::new()));
                    return Err(LineError::in_column(
                        by.name(),
                        value.clone(),
                        LineProblem::UnknownUser {
                            value,
                            by: by.name(),
                        },
                    ));
                }
                match deleted {
                    Some(index) if self.settings.revive_deleted => self.revive(index, line),
                    _ => self.create(line, deleted),
                }
            }
        }
    }

    /// Refuses to touch site administrators and the guest account.
    pub(super) fn guard(&self, index: usize) -> Result<(), LineError> {
        let Some(id) = self.id_of(index) else {
            return Ok(());
        };
        let role = if self.snapshot.site.admins.contains(&id) {
            "a site administrator"
        } else if id == self.snapshot.site.guest {
            "the guest account"
        } else {
            return Ok(());
        };
        Err(LineError::line(Problem::ProtectedAccount {
            user: self.holder(index),
            role,
        }))
    }

    /// Refuses an authentication method the site does not have installed (`column`: the line
    /// names it in its `auth` column).
    pub(super) fn check_auth(&self, auth: &str, column: bool) -> Result<(), LineError> {
        let Some(installed) = &self.snapshot.site.auths else {
            return Ok(());
        };
        if installed.contains(auth) {
            return Ok(());
        }
        let problem = Problem::UnknownAuth {
            value: auth.to_owned(),
            installed: installed.iter().cloned().collect::<Vec<_>>().join(", "),
        };
        Err(if column {
            LineError::in_column("auth", auth, problem)
        } else {
            LineError::line(problem)
        })
    }

    /// The password to store for an account with `auth`: the hash of the given one, Moodle's
    /// marker for its cron to generate one, or Moodle's marker for external authentication.
    pub(super) fn password_for(
        &mut self,
        auth: &str,
        given: Option<&Secret>,
    ) -> Result<(String, PasswordSet), LineError> {
        if !INTERNAL_AUTHS.contains(&auth) {
            return Ok((NOT_CACHED.into(), PasswordSet::NotCached));
        }
        match given {
            Some(secret) => Ok((self.hash(secret)?, PasswordSet::Hashed)),
            None if matches!(auth, "manual" | "email") => {
                Ok((TO_BE_GENERATED.into(), PasswordSet::ToBeGenerated))
            }
            None => Ok((String::new(), PasswordSet::None)),
        }
    }

    /// The hash Moodle writes for `secret` at the site's version.
    pub(super) fn hash(&mut self, secret: &Secret) -> Result<String, LineError> {
        let format =
            PasswordFormat::for_version(self.snapshot.site.version, self.settings.password_cost);
        hash_secret(&mut self.passwords, self.line, format, secret)
    }

    /// As `auth_plugin_manual::user_update_password`: a manual account given a password has
    /// the time it was stored.
    pub(super) fn stamp_password(&mut self, user: UserRef, auth: &str) {
        if auth == "manual" {
            self.ops.push(UserOp::StampPreference {
                user,
                name: PASSWORD_UPDATE_TIME,
            });
        }
    }
}

/// The hash of `secret` for `line`, from `passwords`; a line error when it is too long.
pub(super) fn hash_secret(
    passwords: &mut Passwords,
    line: usize,
    format: PasswordFormat,
    secret: &Secret,
) -> Result<String, LineError> {
    let hash = if secret.0.len() <= format.max_bytes() {
        passwords.hash(line, format, &secret.0)
    } else {
        None
    };
    hash.ok_or_else(|| {
        LineError::in_column(
            "password",
            "***",
            Problem::PasswordTooLong {
                bytes: secret.0.len(),
                max: format.max_bytes(),
            },
        )
    })
}
