//! User accounts in the database: reading the accounts, profile fields and site settings a user
//! file refers to, and applying a plan's writes inside the file's transaction, as Moodle's
//! `user_create_user`, `user_update_user`, `delete_user` and profile API write them: see
//! docs/user-files.md.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;

use crate::command::{
    dates::SiteZone,
    user::{
        Account, CategoryRow, FieldRef, ProfileField, SiteDefaults, Snapshot, UserChanges,
        UserField, UserOp, UserRef, UserSettings, Wanted, deleted_email, deleted_username_prefix,
    },
};
use crate::db::{
    DbError, Touched, Tx,
    journal::{Event, Kind, Place, json_string},
    schema::insert_context,
    sql::{
        Context, INSERT_ROWS, Keys, ONE_PASS_ABOVE, insert_id, int, optional_text, placeholders,
        query, row_placeholders, set_vec, text,
    },
};

/// `CONTEXT_USER`.
const CONTEXT_USER: i64 = 30;
/// Moodle's `FORMAT_HTML`: the description format of accounts and created fields.
const FORMAT_HTML: i64 = 1;
/// `PROFILE_VISIBLE_ALL`: Moodle's form default for a new profile field.
const PROFILE_VISIBLE_ALL: i64 = 2;

/// The `user` columns read, in [`UserField::ALL`] order, then the rest.
const ACCOUNT_COLUMNS: &str = "id, username, firstname, lastname, email, idnumber, auth, lang, city, country, \
     institution, department, phone1, phone2, address, description, password";

impl Tx {
    /// Reads the site settings, the accounts `wanted` may match (deleted ones too), the profile
    /// field definitions and the loaded accounts' profile data.
    pub async fn user_snapshot(
        &mut self,
        wanted: &Wanted,
        settings: &UserSettings,
    ) -> Result<Snapshot, DbError> {
        let site = self.site_defaults().await?;
        let accounts = self.accounts(wanted, site.mnethost).await?;
        let doing = "reading profile fields";
        let sql = self
            .dialect
            .sql("SELECT id, shortname, datatype, param1 FROM {user_info_field} ORDER BY id");
        let mut fields = Vec::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            fields.push(ProfileField {
                id: int(&row, 0).doing(doing)?,
                shortname: text(&row, 1).doing(doing)?,
                datatype: text(&row, 2).doing(doing)?,
                param1: optional_text(&row, 3).doing(doing)?,
            });
        }
        let ids: Vec<i64> = accounts.iter().map(|account| account.id).collect();
        let mut data = HashMap::new();
        for row in self
            .select_in(
                "SELECT userid, fieldid, data FROM {user_info_data}",
                "userid",
                Keys::Ids(&ids),
                "",
                "reading profile data",
            )
            .await?
        {
            data.insert(
                (
                    int(&row, 0).doing("reading profile data")?,
                    int(&row, 1).doing("reading profile data")?,
                ),
                text(&row, 2).doing("reading profile data")?,
            );
        }
        let doing = "reading profile field categories";
        let sql = self
            .dialect
            .sql("SELECT id, name, sortorder FROM {user_info_category} ORDER BY sortorder, id");
        let mut category = None;
        let mut max_category_sortorder = 0;
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            max_category_sortorder = max_category_sortorder.max(int(&row, 2).doing(doing)?);
            let row = CategoryRow {
                id: int(&row, 0).doing(doing)?,
                name: text(&row, 1).doing(doing)?,
            };
            if category.is_none() && row.name == settings.profile_field_category {
                category = Some(row);
            }
        }
        let max_field_sortorder = match &category {
            None => 0,
            Some(category) => {
                let sql = self.dialect.sql(
                    "SELECT COALESCE(MAX(sortorder), 0) FROM {user_info_field} WHERE categoryid = ?",
                );
                let row = query(sql)
                    .bind(category.id)
                    .fetch_one(&mut *self.transaction)
                    .await
                    .doing("reading profile fields")?;
                int(&row, 0).doing("reading profile fields")?
            }
        };
        Ok(Snapshot {
            site,
            accounts,
            fields,
            data,
            category,
            max_category_sortorder,
            max_field_sortorder,
        })
    }

    /// The settings Moodle creates accounts with, with Moodle's fallbacks for missing rows.
    async fn site_defaults(&mut self) -> Result<SiteDefaults, DbError> {
        let doing = "reading the site's settings";
        let names = [
            "mnet_localhost_id",
            "lang",
            "calendartype",
            "country",
            "defaultcity",
            "forcetimezone",
            "extendedusernamechars",
            "defaultpreference_maildisplay",
            "defaultpreference_mailformat",
            "defaultpreference_maildigest",
            "defaultpreference_autosubscribe",
            "defaultpreference_trackforums",
            "siteadmins",
            "siteguest",
            "version",
        ];
        let sql = self.dialect.sql(&format!(
            "SELECT name, value FROM {{config}} WHERE name IN ({})",
            placeholders(names.len())
        ));
        let mut statement = query(sql);
        for name in names {
            statement = statement.bind(name);
        }
        let mut config = BTreeMap::new();
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            config.insert(text(&row, 0).doing(doing)?, text(&row, 1).doing(doing)?);
        }
        let value = |name: &str| {
            config
                .get(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let number = |name: &str, default: i64| {
            value(name)
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        let defaults = SiteDefaults::default();

        let sql = self
            .dialect
            .sql("SELECT plugin FROM {config_plugins} WHERE name = 'version'");
        let mut auths = BTreeSet::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            if let Some(auth) = text(&row, 0).doing(doing)?.strip_prefix("auth_") {
                auths.insert(auth.to_owned());
            }
        }
        let zone = SiteZone::from_config(&self.config_values(&SiteZone::SETTINGS).await?);
        Ok(SiteDefaults {
            zone,
            mnethost: number("mnet_localhost_id", 1),
            lang: value("lang").unwrap_or(defaults.lang),
            calendartype: value("calendartype").unwrap_or(defaults.calendartype),
            country: value("country").filter(|country| country != "0"),
            city: value("defaultcity"),
            timezone: value("forcetimezone")
                .filter(|zone| zone != "99")
                .unwrap_or(defaults.timezone),
            extended_username_chars: value("extendedusernamechars").is_some_and(|v| v != "0"),
            preferences: [
                number("defaultpreference_maildisplay", defaults.preferences[0]),
                number("defaultpreference_mailformat", defaults.preferences[1]),
                number("defaultpreference_maildigest", defaults.preferences[2]),
                number("defaultpreference_autosubscribe", defaults.preferences[3]),
                number("defaultpreference_trackforums", defaults.preferences[4]),
            ],
            auths: (!auths.is_empty()).then_some(auths),
            admins: value("siteadmins")
                .map(|list| {
                    list.split(',')
                        .filter_map(|id| id.trim().parse().ok())
                        .collect()
                })
                .unwrap_or(defaults.admins),
            guest: number("siteguest", defaults.guest),
            // `2025100600.02`: the date and the day's release, then the weekly build.
            version: value("version").and_then(|version| {
                version
                    .split('.')
                    .next()
                    .and_then(|whole| whole.parse().ok())
            }),
        })
    }

    /// The local accounts, deleted or not, that hold a wanted username, idnumber or email.
    /// As for cohort files, keys are looked up on their column alone (so its index serves) and
    /// the host is checked here; many keys, and emails matched without regard to case, are
    /// matched in one streamed pass over the table.
    async fn accounts(&mut self, wanted: &Wanted, host: i64) -> Result<Vec<Account>, DbError> {
        let select = format!(
            "SELECT {ACCOUNT_COLUMNS}, {}, {}, timemodified, mnethostid FROM {{user}}",
            self.dialect.int("suspended"),
            self.dialect.int("deleted"),
        );
        let usernames = set_vec(&wanted.usernames);
        let idnumbers = set_vec(&wanted.idnumbers);
        let deleted_emails = set_vec(&wanted.deleted_emails);
        let keys = usernames.len() + idnumbers.len() + deleted_emails.len();
        let mut found: BTreeMap<i64, Account> = BTreeMap::new();
        if wanted.emails.is_empty() && keys <= ONE_PASS_ABOVE {
            for (column, keys) in [
                ("username", &usernames),
                ("idnumber", &idnumbers),
                ("email", &deleted_emails),
            ] {
                for row in self
                    .select_in(&select, column, Keys::Texts(keys), "", "reading accounts")
                    .await?
                {
                    let (account, mnethost) = account_row(&row).doing("reading accounts")?;
                    if mnethost == host {
                        found.insert(account.id, account);
                    }
                }
            }
        } else {
            let sql = self.dialect.sql(&select);
            let mut stream = query(sql).fetch(&mut *self.transaction);
            while let Some(row) = stream.try_next().await.doing("reading accounts")? {
                let (account, mnethost) = account_row(&row).doing("reading accounts")?;
                let email = account.get(UserField::Email);
                let wanted = wanted.usernames.contains(account.get(UserField::Username))
                    || wanted.idnumbers.contains(account.get(UserField::Idnumber))
                    || wanted.deleted_emails.contains(email)
                    || wanted.emails.contains(&email.to_lowercase());
                if wanted && mnethost == host {
                    found.insert(account.id, account);
                }
            }
        }
        Ok(found.into_values().collect())
    }

    /// Carries out a plan's writes, in order. `now` is the Unix time stamped on the rows.
    /// Returns the accounts whose access Moodle must reload (deleted ones lost their roles) and
    /// those whose preferences were set or removed.
    pub async fn apply_user_ops(&mut self, ops: &[UserOp], now: i64) -> Result<Touched, DbError> {
        let mut users: Vec<i64> = Vec::new();
        let mut fields: Vec<i64> = Vec::new();
        let mut category: Option<i64> = None;
        let mut touched = Touched::default();
        let mut pending = PendingInserts::default();
        for op in ops {
            let user_id = |reference: &UserRef| match *reference {
                UserRef::Existing(id) => id,
                UserRef::New(slot) => users[slot],
            };
            match op {
                UserOp::CreateCategory { name, sortorder } => {
                    let statement = query(self.dialect.insert_returning_id(
                        "INSERT INTO {user_info_category} (name, sortorder) VALUES (?, ?)",
                    ))
                    .bind(name.clone())
                    .bind(*sortorder);
                    category = Some(insert_id(self, statement).await?);
                }
                UserOp::CreateField { slot, field } => {
                    debug_assert_eq!(*slot, fields.len());
                    let categoryid = field.categoryid.or(category).unwrap_or(1);
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
                    fields.push(insert_id(self, statement).await?);
                }
                UserOp::Create { slot, user } => {
                    debug_assert_eq!(*slot, users.len());
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
                    users.push(id);
                    self.log_user(Kind::UserCreated, id);
                    if is_hash(&user.password) {
                        self.log_password(id);
                    }
                }
                UserOp::Update { user, changes } => {
                    let id = user_id(user);
                    self.update_user(id, changes, now).await?;
                    self.log_user(Kind::UserUpdated, id);
                    if changes.password.as_deref().is_some_and(is_hash) {
                        self.log_password(id);
                    }
                }
                UserOp::Delete {
                    user,
                    username,
                    email,
                } => {
                    let id = user_id(user);
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
                    let userid = user_id(user);
                    let fieldid = match *field {
                        FieldRef::Existing(id) => id,
                        FieldRef::New(slot) => fields[slot],
                    };
                    if *exists {
                        // The row may be one this file inserted: write those first.
                        self.flush_inserts(&mut pending).await?;
                        query(self.dialect.sql(
                            "UPDATE {user_info_data} SET data = ?, dataformat = ? WHERE userid = ? AND fieldid = ?",
                        ))
                        .bind(data.clone())
                        .bind(*dataformat)
                        .bind(userid)
                        .bind(fieldid)
                        .execute(&mut *self.transaction)
                        .await
                        .doing("saving a profile field")?;
                    } else {
                        pending
                            .data
                            .push((userid, fieldid, data.clone(), *dataformat));
                    }
                }
                UserOp::UnsetPreference { user, name } => {
                    self.flush_inserts(&mut pending).await?;
                    query(
                        self.dialect
                            .sql("DELETE FROM {user_preferences} WHERE userid = ? AND name = ?"),
                    )
                    .bind(user_id(user))
                    .bind(*name)
                    .execute(&mut *self.transaction)
                    .await
                    .doing("removing a user preference")?;
                    touched.changed_preferences.insert(user_id(user));
                }
                UserOp::SetPreference { user, name, value } => {
                    pending
                        .preferences
                        .push((user_id(user), name, value.clone()));
                    touched.changed_preferences.insert(user_id(user));
                }
                UserOp::StampPreference { user, name } => {
                    let id = user_id(user);
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

    /// Writes the profile values and preferences waiting to be inserted, a few hundred rows
    /// per statement.
    async fn flush_inserts(&mut self, pending: &mut PendingInserts) -> Result<(), DbError> {
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

    /// Sets preference `name` of account `id` (`new`: created by this file) to `now`: the row
    /// this file is about to insert, the account's row, or a new one.
    async fn stamp_preference(
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

    async fn update_user(
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
        Ok(())
    }

    /// Deletes an account as Moodle's `delete_user` does: its memberships, enrolments, roles,
    /// preferences and profile data are removed; the row stays, marked deleted, with its
    /// username rewritten (unique), its email replaced by the MD5 of its username and its
    /// idnumber cleared.
    async fn delete_user(
        &mut self,
        id: i64,
        username: &str,
        email: &str,
        now: i64,
    ) -> Result<(), DbError> {
        let doing = "deleting an account";
        self.log_account_deletion(id, doing).await?;
        for table in [
            "cohort_members",
            "groups_members",
            "user_enrolments",
            "role_assignments",
            "user_preferences",
            "user_info_data",
        ] {
            query(
                self.dialect
                    .sql(&format!("DELETE FROM {{{table}}} WHERE userid = ?")),
            )
            .bind(id)
            .execute(&mut *self.transaction)
            .await
            .doing(doing)?;
        }
        // Moodle: "Workaround for bulk deletes of users with the same email address": the
        // name's time stamp is incremented until no account holds it (any host).
        let prefix = deleted_username_prefix(username, email, id, now);
        let mut stamp = now;
        let name = loop {
            let name = format!("{prefix}.{stamp}");
            let row = query(
                self.dialect
                    .sql("SELECT COUNT(*) FROM {user} WHERE username = ?"),
            )
            .bind(name.clone())
            .fetch_one(&mut *self.transaction)
            .await
            .doing(doing)?;
            if int(&row, 0).doing(doing)? == 0 {
                break name;
            }
            stamp += 1;
        };
        query(self.dialect.sql(
            "UPDATE {user} SET deleted = 1, username = ?, email = ?, idnumber = '', picture = 0, \
             timemodified = ? WHERE id = ?",
        ))
        .bind(name)
        .bind(deleted_email(username))
        .bind(now)
        .bind(id)
        .execute(&mut *self.transaction)
        .await
        .doing(doing)?;
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

    /// Logs what `delete_user` logs before the account's rows go: each enrolment's
    /// unenrolment (`group_member_removed`, `role_unassigned`, `user_enrolment_deleted`, the
    /// last one of each course marked so), the roles left (`role_unassign_all`), then
    /// `user_deleted` with the account as it was.
    async fn log_account_deletion(&mut self, id: i64, doing: &'static str) -> Result<(), DbError> {
        if !self.journal.on() {
            return Ok(());
        }
        self.log_ungrouped(
            query(self.dialect.sql(
                "SELECT gm.groupid, gm.userid, g.courseid FROM {groups_members} gm \
                 JOIN {groups} g ON g.id = gm.groupid WHERE gm.userid = ? ORDER BY gm.groupid",
            ))
            .bind(id),
            doing,
        )
        .await?;
        self.log_unassigned(
            query(self.dialect.sql(
                "SELECT id, userid, roleid, contextid, component, itemid FROM {role_assignments} \
                 WHERE userid = ? ORDER BY id",
            ))
            .bind(id),
            doing,
        )
        .await?;
        let enrolments = self.enrolment_rows("userid", id, doing).await?;
        for (index, enrolment) in enrolments.iter().enumerate() {
            let last = enrolments
                .get(index + 1)
                .is_none_or(|next| next.courseid != enrolment.courseid);
            let event = enrolment.deleted(last);
            self.journal.push(event);
        }
        let sql = self
            .dialect
            .sql("SELECT username, email, idnumber, picture, mnethostid FROM {user} WHERE id = ?");
        let row = query(sql)
            .bind(id)
            .fetch_one(&mut *self.transaction)
            .await
            .doing(doing)?;
        let other = format!(
            r#"{{"username":{},"email":{},"idnumber":{},"picture":"{}","mnethostid":"{}"}}"#,
            json_string(&text(&row, 0).doing(doing)?),
            json_string(&text(&row, 1).doing(doing)?),
            json_string(&text(&row, 2).doing(doing)?),
            int(&row, 3).doing(doing)?,
            int(&row, 4).doing(doing)?,
        );
        self.journal.push(Event {
            kind: Kind::UserDeleted,
            place: Place::User(id),
            objectid: Some(id),
            relateduserid: Some(id),
            other: Some(other),
        });
        Ok(())
    }
}

/// Whether a stored password is a hash (crypt's `$…` formats) rather than one of Moodle's
/// markers (`to be generated`, `not cached`, empty).
fn is_hash(password: &str) -> bool {
    password.starts_with('$')
}

/// Rows waiting to be inserted in batches: profile values and user preferences of accounts.
#[derive(Default)]
struct PendingInserts {
    data: Vec<(i64, i64, String, i64)>,
    preferences: Vec<(i64, &'static str, String)>,
    /// How many times they were written.
    flushes: usize,
    /// The preferences stamped by this file, by account and name: the flush count when they
    /// were queued and their index in `preferences` (queued since the last write when the
    /// count is the current one).
    stamped: HashMap<(i64, &'static str), (usize, usize)>,
}

/// An account row and its MNet host.
fn account_row(row: &AnyRow) -> Result<(Account, i64), sqlx::Error> {
    let mut fields: [String; 15] = Default::default();
    for (index, field) in fields.iter_mut().enumerate() {
        *field = optional_text(row, index + 1)?.unwrap_or_default();
    }
    let account = Account {
        id: int(row, 0)?,
        fields,
        password: text(row, 16)?,
        suspended: int(row, 17)? != 0,
        deleted: int(row, 18)? != 0,
        timemodified: int(row, 19)?,
    };
    Ok((account, int(row, 20)?))
}
