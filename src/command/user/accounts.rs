//! The user planner's model of the accounts: each account as the file sees it so far, the
//! indexes that find accounts by username, idnumber and email, and how a line finds the account
//! it is about, or learns that its username and idnumber are free.

use std::collections::HashMap;

use super::{
    line::{UserField, UserLine},
    plan::{Account, FieldRef, UserRef, deleted_email, username_char},
    planner::Planner,
    problem::Problem,
};
use crate::{
    command::refs::UserIdentifier,
    error::{LineError, LineProblem},
    outcome::AccountLabel,
};

/// An account as the file sees it so far.
#[derive(Debug, Clone)]
pub(super) struct State {
    /// The account the ops name.
    pub(super) reference: UserRef,
    /// Its fields, as the lines so far left them.
    pub(super) account: Account,
    /// The username of an account this file deleted (its new one is chosen when written).
    pub(super) former: Option<String>,
    /// Profile values by field.
    pub(super) profile: HashMap<FieldRef, String>,
}

impl State {
    /// How the report names the account.
    pub(super) fn label(&self) -> AccountLabel {
        AccountLabel {
            id: match self.reference {
                UserRef::Existing(id) => Some(id),
                UserRef::New(_) => None,
            },
            username: match (&self.former, self.account.get(UserField::Username)) {
                (Some(former), "") => former.clone(),
                (_, username) => username.to_owned(),
            },
            idnumber: self.account.get(UserField::Idnumber).to_owned(),
        }
    }
}

/// How a line found its account.
pub(super) enum Found {
    /// A live account.
    Live(usize),
    /// No live account; maybe a deleted one to revive.
    None { deleted: Option<usize> },
}

impl Planner<'_> {
    /// Adds an account to the model and its indexes; returns its index.
    pub(super) fn insert(&mut self, state: State) -> usize {
        let index = self.accounts.len();
        let account = &state.account;
        index_add(
            &mut self.by_username,
            account.get(UserField::Username),
            index,
        );
        index_add(
            &mut self.by_idnumber,
            account.get(UserField::Idnumber),
            index,
        );
        index_add(
            &mut self.by_email,
            &account.get(UserField::Email).to_lowercase(),
            index,
        );
        self.accounts.push(state);
        index
    }

    /// Sets a field of account `index`, keeping the indexes true.
    pub(super) fn set(&mut self, index: usize, field: UserField, value: String) {
        let old = self.accounts[index].account.get(field).to_owned();
        let map = match field {
            UserField::Username => Some((&mut self.by_username, old.clone(), value.clone())),
            UserField::Idnumber => Some((&mut self.by_idnumber, old.clone(), value.clone())),
            UserField::Email => {
                Some((&mut self.by_email, old.to_lowercase(), value.to_lowercase()))
            }
            _ => None,
        };
        if let Some((map, old, new)) = map {
            index_remove(map, &old, index);
            index_add(map, &new, index);
        }
        self.accounts[index].account.set(field, value);
    }

    /// The live accounts `map` holds under `key`.
    fn live(&self, map: &HashMap<String, Vec<usize>>, key: &str) -> Vec<usize> {
        map.get(key)
            .map(|indexes| {
                indexes
                    .iter()
                    .copied()
                    .filter(|&index| !self.accounts[index].account.deleted)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The live accounts whose `by` field is `key`.
    fn lookup(&self, by: UserIdentifier, key: &str) -> Vec<usize> {
        match by {
            UserIdentifier::Idnumber => self.live(&self.by_idnumber, key),
            UserIdentifier::Email => self.live(&self.by_email, &key.to_lowercase()),
            UserIdentifier::Username | UserIdentifier::Id => self.live(&self.by_username, key),
        }
    }

    /// The live account whose `by` field is `key`, if any; several is an error in `column`.
    fn one(&self, by: UserIdentifier, key: &str, column: &str) -> Result<Option<usize>, LineError> {
        match self.lookup(by, key).as_slice() {
            [] => Ok(None),
            [index] => Ok(Some(*index)),
            many => Err(LineError::in_column(
                column,
                key,
                LineProblem::AmbiguousUser {
                    value: key.to_owned(),
                    by: by.name(),
                    ids: many.iter().filter_map(|&index| self.id_of(index)).collect(),
                },
            )),
        }
    }

    /// The id of account `index`; `None` for an account this file creates.
    pub(super) fn id_of(&self, index: usize) -> Option<i64> {
        match self.accounts[index].reference {
            UserRef::Existing(id) => Some(id),
            UserRef::New(_) => None,
        }
    }

    /// How an error names account `index`: its label, id (or that an earlier line created
    /// it), and whether it is deleted.
    pub(super) fn holder(&self, index: usize) -> String {
        let state = &self.accounts[index];
        let mut text = format!("account {}", state.label());
        match state.reference {
            UserRef::Existing(id) => text.push_str(&format!(" (id {id})")),
            UserRef::New(_) => text.push_str(" (created by an earlier line)"),
        }
        if state.account.deleted {
            text.push_str(", deleted");
        }
        text
    }

    /// Finds the account a line is about.
    pub(super) fn find(&self, line: &UserLine) -> Result<Found, LineError> {
        let key = line.key(self.settings.identifier);
        let by_key = match &key {
            Some((by, value)) => self.one(*by, value, by.name())?,
            None => None,
        };
        let username = line.get(UserField::Username);
        if let Some(old) = line
            .oldusername
            .as_deref()
            .filter(|old| Some(*old) != username)
        {
            let by_old = self.one(UserIdentifier::Username, old, "oldusername")?;
            return match (by_old, by_key) {
                (Some(a), Some(b)) if a != b => {
                    let (by, value) = key.expect("found by key");
                    Err(LineError::line(Problem::UserConflict {
                        first: format!("oldusername \"{old}\" ({})", self.holder(a)),
                        second: format!("{by} \"{value}\" ({})", self.holder(b)),
                    }))
                }
                (Some(index), _) | (None, Some(index)) => Ok(Found::Live(index)),
                (None, None) => Err(LineError::in_column(
                    "oldusername",
                    old,
                    Problem::NothingToRename {
                        value: old.to_owned(),
                    },
                )),
            };
        }
        // With another identifier, a username on the line names the same account or is free.
        if let (Some(index), Some(username)) = (by_key, username)
            && let Some((by, value)) = &key
            && *by != UserIdentifier::Username
        {
            let holders = self.lookup(UserIdentifier::Username, username);
            if let Some(&other) = holders.iter().find(|&&other| other != index) {
                return Err(LineError::line(Problem::UserConflict {
                    first: format!("{by} \"{value}\" ({})", self.holder(index)),
                    second: format!("username \"{username}\" ({})", self.holder(other)),
                }));
            }
        }
        if let Some(index) = by_key {
            return Ok(Found::Live(index));
        }
        Ok(Found::None {
            deleted: self.deleted_match(line),
        })
    }

    /// The deleted account a line names, if any: by its username as Moodle rewrote it (the
    /// email becomes the MD5 of the username), or by an idnumber or username a deletion left
    /// in place. The most recently changed wins.
    fn deleted_match(&self, line: &UserLine) -> Option<usize> {
        let mut candidates = Vec::new();
        if let Some(username) = line.get(UserField::Username) {
            candidates.extend(
                self.by_email
                    .get(&deleted_email(username))
                    .into_iter()
                    .flatten(),
            );
            candidates.extend(self.by_username.get(username).into_iter().flatten());
        }
        if let Some(idnumber) = line.get(UserField::Idnumber) {
            candidates.extend(self.by_idnumber.get(idnumber).into_iter().flatten());
        }
        candidates
            .into_iter()
            .copied()
            .filter(|&index| self.accounts[index].account.deleted)
            .max_by_key(|&index| {
                let account = &self.accounts[index].account;
                (account.timemodified, account.id)
            })
    }

    /// Checks that no other account holds the username or idnumber `line` gives account
    /// `index` (`None`: an account to create).
    pub(super) fn check_free(
        &self,
        index: Option<usize>,
        line: &UserLine,
    ) -> Result<(), LineError> {
        if let Some(username) = line.get(UserField::Username) {
            let holder = self
                .by_username
                .get(username)
                .into_iter()
                .flatten()
                .copied()
                .find(|&other| Some(other) != index);
            if let Some(other) = holder {
                return Err(LineError::in_column(
                    "username",
                    username,
                    Problem::UsernameTaken {
                        value: username.to_owned(),
                        holder: self.holder(other),
                    },
                ));
            }
            if !self.snapshot.site.extended_username_chars
                && let Some(bad) = username.chars().find(|c| !username_char(*c))
            {
                return Err(LineError::in_column(
                    "username",
                    username,
                    LineProblem::InvalidValue {
                        value: username.to_owned(),
                        expected: if bad.is_ascii() {
                            "a valid username: lowercase letters a-z, digits and - . _ @ only (the site's extendedusernamechars is off)"
                        } else {
                            "a valid username: lowercase letters a-z without accents, digits and - . _ @ only (the site's extendedusernamechars is off)"
                        },
                    },
                ));
            }
        }
        if let Some(idnumber) = line.get(UserField::Idnumber) {
            let holder = self
                .live(&self.by_idnumber, idnumber)
                .into_iter()
                .find(|&other| Some(other) != index);
            if let Some(other) = holder {
                return Err(LineError::in_column(
                    "idnumber",
                    idnumber,
                    Problem::UserIdnumberTaken {
                        value: idnumber.to_owned(),
                        holder: self.holder(other),
                    },
                ));
            }
        }
        Ok(())
    }
}

fn index_add(map: &mut HashMap<String, Vec<usize>>, key: &str, index: usize) {
    if !key.is_empty() {
        map.entry(key.to_owned()).or_default().push(index);
    }
}

fn index_remove(map: &mut HashMap<String, Vec<usize>>, key: &str, index: usize) {
    if let Some(indexes) = map.get_mut(key) {
        indexes.retain(|&other| other != index);
        if indexes.is_empty() {
            map.remove(key);
        }
    }
}
