//! The writes of a user plan's ops, one function each, as Moodle's `user_create_user`,
//! `user_update_user`, profile API and preference functions write them, and the events they
//! log. Profile values and preferences are gathered and inserted in batches.

use std::collections::HashMap;

use crate::command::user::{NewField, NewUser, UserChanges, UserField};
use crate::db::{
    DbError, Tx,
    journal::{Event, Kind, Place},
    schema::insert_context,
    sql::{Context, INSERT_ROWS, insert_id, int, query, row_placeholders},
};

/// `CONTEXT_USER`.
const CONTEXT_USER: i64 = 30;
/// Moodle's `FORMAT_HTML`: the description format of accounts and created fields.
const FORMAT_HTML: i64 = 1;
/// `PROFILE_VISIBLE_ALL`: Moodle's form default for a new profile field.
const PROFILE_VISIBLE_ALL: i64 = 2;

impl Tx {
    /// Creates the profile field category `name`; returns its id.
    pub(super) async fn create_category(
        &mut self,
        name: &str,
        sortorder: i64,
    ) -> Result<i64, DbError> {
        let statement = query(self.dialect.insert_returning_id(
            "INSERT INTO {user_info_category} (name, sortorder) VALUES (?, ?)",
        ))
        .bind(name.to_owned())
        .bind(sortorder);
        insert_id(self, statement).await
    }

    /// Creates a profile field in category `categoryid`; returns its id.
    pub(super) async fn create_field(
        &mut self,
        field: &NewField,
        categoryid: i64,
    ) -> Result<i64, DbError> {
        // A text field as Moodle's form creates it by default: display size 30,
        // maximum length 2048, not a password, no link.
        let statement = query(self.dialect.insert_returning_id(
            "INSERT INTO {user_info_field} (shortname, name, datatype, description, descriptionformat, \
             categoryid, sortorder, required, locked, visible, forceunique, signup, defaultdata, \
             defaultdataformat, param1, param2, param3, param4, param5) \
             VALUES (?, ?, 'text', '', ?, ?, ?, 0, 0, ?, 0, 0, '', 0, '30', '2048', '0', '', '')",
        ))
        .bind(field.shortname.clone())
        .bind(field.shortname.clone())
        .bind(FORMAT_HTML)
        .bind(categoryid)
        .bind(field.sortorder)
        .bind(PROFILE_VISIBLE_ALL);
        insert_id(self, statement).await
    }

    /// Inserts an account and its user context, and logs `user_created` (and
    /// `user_password_updated` for a hash); returns its id.
    pub(super) async fn create_user(&mut self, user: &NewUser, now: i64) -> Result<i64, DbError> {
        let field = |field: UserField| user.fields[field as usize].clone();
        let description = Some(field(UserField::Description)).filter(|d| !d.is_empty());
        let statement = query(self.dialect.insert_returning_id(
            "INSERT INTO {user} (auth, confirmed, policyagreed, deleted, suspended, mnethostid, username, \
             password, idnumber, firstname, lastname, email, phone1, phone2, institution, department, \
             address, city, country, lang, calendartype, timezone, description, descriptionformat, \
             maildisplay, mailformat, maildigest, autosubscribe, trackforums, timecreated, timemodified) \
             VALUES (?, 1, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(field(UserField::Auth))
        .bind(i64::from(user.suspended))
        .bind(user.mnethostid)
        .bind(field(UserField::Username))
        .bind(user.password.clone())
        .bind(field(UserField::Idnumber))
        .bind(field(UserField::Firstname))
        .bind(field(UserField::Lastname))
        .bind(field(UserField::Email))
        .bind(field(UserField::Phone1))
        .bind(field(UserField::Phone2))
        .bind(field(UserField::Institution))
        .bind(field(UserField::Department))
        .bind(field(UserField::Address))
        .bind(field(UserField::City))
        .bind(field(UserField::Country))
        .bind(field(UserField::Lang))
        .bind(user.calendartype.clone())
        .bind(user.timezone.clone())
        .bind(description)
        .bind(FORMAT_HTML)
        .bind(user.preferences[0])
        .bind(user.preferences[1])
        .bind(user.preferences[2])
        .bind(user.preferences[3])
        .bind(user.preferences[4])
        .bind(now)
        .bind(now);
        let id = insert_id(self, statement).await?;
        insert_context(self, CONTEXT_USER, id, "/1").await?;
        self.log_user(Kind::UserCreated, id);
        if is_hash(&user.password) {
            self.log_password(id);
        }
        Ok(id)
    }

    /// Changes an account's row and bumps its `timemodified`, and logs `user_updated` (and
    /// `user_password_updated` for a new hash).
    pub(super) async fn update_user(
        &mut self,
        id: i64,
        changes: &UserChanges,
        now: i64,
    ) -> Result<(), DbError> {
        let mut assignments: Vec<String> = Vec::new();
        let mut texts: Vec<Option<String>> = Vec::new();
        for (field, value) in &changes.fields {
            assignments.push(format!("{} = ?", field.name()));
            // Moodle's `user.description` is NULL when empty.
            texts.push(if *field == UserField::Description && value.is_empty() {
                None
            } else {
                Some(value.clone())
            });
        }
        if let Some(password) = &changes.password {
            assignments.push("password = ?".into());
            texts.push(Some(password.clone()));
        }
        let mut numbers: Vec<i64> = Vec::new();
        if let Some(suspended) = changes.suspended {
            assignments.push("suspended = ?".into());
            numbers.push(i64::from(suspended));
        }
        if changes.revive {
            assignments.push("deleted = 0".into());
        }
        assignments.push("timemodified = ?".into());
        numbers.push(now);
        let sql = self.dialect.sql(&format!(
            "UPDATE {{user}} SET {} WHERE id = ?",
            assignments.join(", ")
        ));
        let mut statement = query(sql);
        for value in texts {
            statement = statement.bind(value);
        }
        for value in numbers {
            statement = statement.bind(value);
        }
        statement
            .bind(id)
            .execute(&mut *self.transaction)
            .await
            .doing("updating an account")?;
        self.log_user(Kind::UserUpdated, id);
        if changes.password.as_deref().is_some_and(is_hash) {
            self.log_password(id);
        }
        Ok(())
    }

    /// Updates a stored profile value of account `userid`.
    pub(super) async fn update_profile_value(
        &mut self,
        userid: i64,
        fieldid: i64,
        data: &str,
        dataformat: i64,
    ) -> Result<(), DbError> {
        query(self.dialect.sql(
            "UPDATE {user_info_data} SET data = ?, dataformat = ? WHERE userid = ? AND fieldid = ?",
        ))
        .bind(data.to_owned())
        .bind(dataformat)
        .bind(userid)
        .bind(fieldid)
        .execute(&mut *self.transaction)
        .await
        .doing("saving a profile field")?;
        Ok(())
    }

    /// Removes preference `name` of account `id`.
    pub(super) async fn unset_preference(
        &mut self,
        id: i64,
        name: &'static str,
    ) -> Result<(), DbError> {
        query(
            self.dialect
                .sql("DELETE FROM {user_preferences} WHERE userid = ? AND name = ?"),
        )
        .bind(id)
        .bind(name)
        .execute(&mut *self.transaction)
        .await
        .doing("removing a user preference")?;
        Ok(())
    }

    /// Sets preference `name` of account `id` (`new`: created by this file) to `now`: the row
    /// this file is about to insert, the account's row, or a new one.
    pub(super) async fn stamp_preference(
        &mut self,
        id: i64,
        new: bool,
        name: &'static str,
        now: i64,
        pending: &mut PendingInserts,
    ) -> Result<(), DbError> {
        let value = now.to_string();
        match pending.stamped.get(&(id, name)) {
            Some(&(flushes, index)) if flushes == pending.flushes => {
                pending.preferences[index].2 = value;
                return Ok(());
            }
            None if new => {
                pending
                    .stamped
                    .insert((id, name), (pending.flushes, pending.preferences.len()));
                pending.preferences.push((id, name, value));
                return Ok(());
            }
            // Written already, or an account that may have it.
            _ => {}
        }
        let doing = "setting a user preference";
        let found = query(
            self.dialect
                .sql("SELECT id FROM {user_preferences} WHERE userid = ? AND name = ?"),
        )
        .bind(id)
        .bind(name)
        .fetch_optional(&mut *self.transaction)
        .await
        .doing(doing)?;
        match found {
            Some(row) => {
                query(
                    self.dialect
                        .sql("UPDATE {user_preferences} SET value = ? WHERE id = ?"),
                )
                .bind(value)
                .bind(int(&row, 0).doing(doing)?)
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
            }
            None => {
                pending
                    .stamped
                    .insert((id, name), (pending.flushes, pending.preferences.len()));
                pending.preferences.push((id, name, value));
            }
        }
        Ok(())
    }

    /// Writes the profile values and preferences waiting to be inserted, a few hundred rows
    /// per statement.
    pub(super) async fn flush_inserts(
        &mut self,
        pending: &mut PendingInserts,
    ) -> Result<(), DbError> {
        for chunk in std::mem::take(&mut pending.data).chunks(INSERT_ROWS) {
            let sql = self.dialect.sql(&format!(
                "INSERT INTO {{user_info_data}} (userid, fieldid, data, dataformat) VALUES {}",
                row_placeholders(chunk.len(), 4)
            ));
            let mut statement = query(sql);
            for (userid, fieldid, data, dataformat) in chunk {
                statement = statement
                    .bind(*userid)
                    .bind(*fieldid)
                    .bind(data.clone())
                    .bind(*dataformat);
            }
            statement
                .execute(&mut *self.transaction)
                .await
                .doing("saving profile fields")?;
        }
        pending.flushes += 1;
        for chunk in std::mem::take(&mut pending.preferences).chunks(INSERT_ROWS) {
            let sql = self.dialect.sql(&format!(
                "INSERT INTO {{user_preferences}} (userid, name, value) VALUES {}",
                row_placeholders(chunk.len(), 3)
            ));
            let mut statement = query(sql);
            for (userid, name, value) in chunk {
                statement = statement.bind(*userid).bind(*name).bind(value.clone());
            }
            statement
                .execute(&mut *self.transaction)
                .await
                .doing("setting user preferences")?;
        }
        Ok(())
    }
}

impl Tx {
    /// Logs a user event (`user_created`, `user_updated`) in the account's context.
    fn log_user(&mut self, kind: Kind, id: i64) {
        self.journal.push(Event {
            kind,
            place: Place::User(id),
            objectid: Some(id),
            relateduserid: Some(id),
            other: None,
        });
    }

    /// Logs `user_password_updated`, as `update_internal_user_password` does.
    fn log_password(&mut self, id: i64) {
        self.journal.push(Event {
            kind: Kind::UserPasswordUpdated,
            place: Place::User(id),
            objectid: None,
            relateduserid: Some(id),
            other: Some(r#"{"forgottenreset":false}"#.into()),
        });
    }
}

/// Whether a stored password is a hash (crypt's `$…` formats) rather than one of Moodle's
/// markers (`to be generated`, `not cached`, empty).
fn is_hash(password: &str) -> bool {
    password.starts_with('$')
}

/// Rows waiting to be inserted in batches: profile values and user preferences of accounts.
#[derive(Default)]
pub(super) struct PendingInserts {
    /// Profile values: user id, field id, `data`, `dataformat`.
    pub(super) data: Vec<(i64, i64, String, i64)>,
    /// Preferences: user id, name, value.
    pub(super) preferences: Vec<(i64, &'static str, String)>,
    /// How many times they were written.
    flushes: usize,
    /// The preferences stamped by this file, by account and name: the flush count when they
    /// were queued and their index in `preferences` (queued since the last write when the
    /// count is the current one).
    stamped: HashMap<(i64, &'static str), (usize, usize)>,
}
