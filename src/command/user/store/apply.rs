//! Applying a user plan's writes inside the file's transaction, in order, as Moodle's
//! `user_create_user`, `user_update_user`, `delete_user` and profile API write them: see
//! docs/user-files.md. Each op's write is in `write`, an account's deletion in `deletion`.

use super::write::PendingInserts;
use crate::command::user::{FieldRef, UserOp, UserRef};
use crate::db::{DbError, Touched, Tx};

impl Tx {
    /// Carries out a plan's writes, in order. `now` is the Unix time stamped on the rows.
    /// Returns the accounts whose access Moodle must reload (deleted ones lost their roles) and
    /// those whose preferences were set or removed.
    pub async fn apply_user_ops(&mut self, ops: &[UserOp], now: i64) -> Result<Touched, DbError> {
        let mut created = Created::default();
        let mut touched = Touched::default();
        let mut pending = PendingInserts::default();
        for op in ops {
            match op {
                UserOp::CreateCategory { name, sortorder } => {
                    created.category = Some(self.create_category(name, *sortorder).await?);
                }
                UserOp::CreateField { slot, field } => {
                    debug_assert_eq!(*slot, created.fields.len());
                    let categoryid = field.categoryid.or(created.category).unwrap_or(1);
                    created
                        .fields
                        .push(self.create_field(field, categoryid).await?);
                }
                UserOp::Create { slot, user } => {
                    debug_assert_eq!(*slot, created.users.len());
                    created.users.push(self.create_user(user, now).await?);
                }
                UserOp::Update { user, changes } => {
                    self.update_user(created.user(user), changes, now).await?;
                }
                UserOp::Delete {
                    user,
                    username,
                    email,
                } => {
                    let id = created.user(user);
                    self.flush_inserts(&mut pending).await?;
                    self.note_account_deletion(id).await?;
                    self.delete_user(id, username, email, now).await?;
                    touched.dirty_users.insert(id);
                }
                UserOp::SetProfile {
                    user,
                    field,
                    data,
                    dataformat,
                    exists,
                } => {
                    let userid = created.user(user);
                    let fieldid = created.field(field);
                    if *exists {
                        // The row may be one this file inserted: write those first.
                        self.flush_inserts(&mut pending).await?;
                        self.update_profile_value(userid, fieldid, data, *dataformat)
                            .await?;
                    } else {
                        pending
                            .data
                            .push((userid, fieldid, data.clone(), *dataformat));
                    }
                }
                UserOp::UnsetPreference { user, name } => {
                    let id = created.user(user);
                    self.flush_inserts(&mut pending).await?;
                    self.unset_preference(id, name).await?;
                    touched.changed_preferences.insert(id);
                }
                UserOp::SetPreference { user, name, value } => {
                    let id = created.user(user);
                    pending.preferences.push((id, name, value.clone()));
                    touched.changed_preferences.insert(id);
                }
                UserOp::StampPreference { user, name } => {
                    let id = created.user(user);
                    let new = matches!(user, UserRef::New(_));
                    self.stamp_preference(id, new, name, now, &mut pending)
                        .await?;
                    touched.changed_preferences.insert(id);
                }
            }
        }
        self.flush_inserts(&mut pending).await?;
        Ok(touched)
    }
}

/// The ids of the rows a plan's writes created so far, that later ops name by their slot.
#[derive(Default)]
struct Created {
    /// Accounts, by `UserRef::New` slot.
    users: Vec<i64>,
    /// Profile fields, by `FieldRef::New` slot.
    fields: Vec<i64>,
    /// The profile field category, once created.
    category: Option<i64>,
}

impl Created {
    /// The id of the account `reference` names.
    fn user(&self, reference: &UserRef) -> i64 {
        match *reference {
            UserRef::Existing(id) => id,
            UserRef::New(slot) => self.users[slot],
        }
    }

    /// The id of the profile field `reference` names.
    fn field(&self, reference: &FieldRef) -> i64 {
        match *reference {
            FieldRef::Existing(id) => id,
            FieldRef::New(slot) => self.fields[slot],
        }
    }
}
