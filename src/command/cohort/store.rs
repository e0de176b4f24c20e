//! Cohorts in the database: reading the rows a cohort file refers to (in bulk, a few queries
//! per thousand keys), and applying a plan's writes inside the file's transaction, with
//! memberships inserted and deleted in batches.
//!
//! Rows are written as Moodle's cohort API writes them (`cohort_add_cohort`,
//! `cohort_update_cohort`, `cohort_add_member`, `cohort_remove_member`, `cohort_delete_cohort`):
//! see docs/moodle-database.md.

use std::collections::{BTreeSet, HashMap};

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;

use crate::command::{
    cohort::{
        CategoryRow, CohortChanges, CohortOp, CohortRef, CohortRow, Snapshot, UserRow, Wanted,
    },
    refs::{CohortIdentifier, UserIdentifier},
};
use crate::db::{
    DbError, Touched, Tx,
    journal::{Event, Kind, Place},
    sql::{
        CHUNK, Context, INSERT_ROWS, Keys, ONE_PASS_ABOVE, bind_all, insert_id, int, optional_int,
        optional_text, placeholders, query, row_placeholders, set_vec, text,
    },
};

/// Moodle's `FORMAT_HTML`, the cohort API's default description format.
const FORMAT_HTML: i64 = 1;
/// `enrol.status` of a disabled enrolment method.
const ENROL_INSTANCE_DISABLED: i64 = 1;

impl Tx {
    /// Reads every row `wanted` refers to, and the accounts of the members of the cohorts
    /// it syncs (matched by `cohorts_by`). The cohorts read are locked until the file's
    /// transaction ends ([`crate::db::Dialect::lock_rows`]).
    pub async fn cohort_snapshot(
        &mut self,
        wanted: &Wanted,
        users_by: UserIdentifier,
        cohorts_by: CohortIdentifier,
    ) -> Result<Snapshot, DbError> {
        let mut snapshot = Snapshot {
            system_context: self.system_context().await?,
            users: self.users(&wanted.users, users_by).await?,
            ..Snapshot::default()
        };

        let ids: Vec<i64> = wanted.cohort_ids.iter().copied().collect();
        let cohorts = self
            .read_cohorts(
                &ids,
                &set_vec(&wanted.cohort_names),
                &set_vec(&wanted.cohort_idnumbers),
            )
            .await?;

        let cohort_ids: Vec<i64> = cohorts.iter().map(|cohort| cohort.id).collect();
        let select = "SELECT cohortid, userid FROM {cohort_members}";
        for row in self
            .select_in(
                select,
                "cohortid",
                Keys::Ids(&cohort_ids),
                "",
                "reading members",
            )
            .await?
        {
            let cohort = int(&row, 0).doing("reading members")?;
            let user = int(&row, 1).doing("reading members")?;
            snapshot.members.entry(cohort).or_default().insert(user);
        }
        let select =
            "SELECT customint1, COUNT(*) FROM {enrol} WHERE enrol = 'cohort' AND status = 0 AND";
        let rows = self
            .select_in(
                select,
                "customint1",
                Keys::Ids(&cohort_ids),
                " GROUP BY customint1",
                "reading bindings",
            )
            .await?;
        for row in rows {
            let cohort = int(&row, 0).doing("reading bindings")?;
            let count = int(&row, 1).doing("reading bindings")?;
            snapshot
                .bindings
                .insert(cohort, usize::try_from(count).unwrap_or(0));
        }

        let contexts: Vec<i64> = cohorts
            .iter()
            .map(|cohort| cohort.contextid)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        snapshot.categories = self.categories(wanted, &contexts).await?;

        // The members a sync may remove are named in the report by their accounts.
        let synced_members: Vec<i64> = cohorts
            .iter()
            .filter(|cohort| {
                cohort
                    .key(cohorts_by)
                    .is_some_and(|key| wanted.synced_cohorts.contains(&key))
            })
            .filter_map(|cohort| snapshot.members.get(&cohort.id))
            .flatten()
            .copied()
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        if !synced_members.is_empty() {
            let select = format!(
                "SELECT id, username, idnumber, email, firstname, lastname, {}, mnethostid FROM {{user}}",
                self.dialect.int("deleted")
            );
            for row in self
                .select_in(
                    &select,
                    "id",
                    Keys::Ids(&synced_members),
                    "",
                    "reading members' accounts",
                )
                .await?
            {
                let (user, _, _) = user_row(&row).doing("reading members' accounts")?;
                snapshot.member_users.insert(user.id, user);
            }
        }
        snapshot.cohorts = cohorts;
        Ok(snapshot)
    }

    /// The cohorts with any of these ids, names or idnumbers, by id, locked until the file's
    /// transaction ends.
    pub(crate) async fn read_cohorts(
        &mut self,
        ids: &[i64],
        names: &[String],
        idnumbers: &[String],
    ) -> Result<Vec<CohortRow>, DbError> {
        let select = format!(
            "SELECT id, contextid, name, idnumber, description, {}, component FROM {{cohort}}",
            self.dialect.int("visible")
        );
        let lock = self.dialect.lock_rows();
        let mut cohorts: HashMap<i64, CohortRow> = HashMap::new();
        for (column, keys) in [
            ("id", Keys::Ids(ids)),
            ("name", Keys::Texts(names)),
            ("idnumber", Keys::Texts(idnumbers)),
        ] {
            for row in self
                .select_in(&select, column, keys, lock, "reading cohorts")
                .await?
            {
                let cohort = cohort_row(&row).doing("reading cohorts")?;
                cohorts.insert(cohort.id, cohort);
            }
        }
        let mut cohorts: Vec<CohortRow> = cohorts.into_values().collect();
        cohorts.sort_by_key(|cohort| cohort.id);
        Ok(cohorts)
    }

    async fn system_context(&mut self) -> Result<i64, DbError> {
        let sql = self
            .dialect
            .sql("SELECT id FROM {context} WHERE contextlevel = 10");
        let row = query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading the system context")?;
        match row {
            Some(row) => int(&row, 0).doing("reading the system context"),
            None => Ok(1),
        }
    }

    /// The non-deleted users of this site whose key is wanted.
    ///
    /// A few keys are looked up by key lists, filtered on the key column alone so that its
    /// index serves them whatever the planner's statistics: with `deleted = 0` in the `WHERE`
    /// clause, planners without fresh statistics pick the `deleted` index (every row matches),
    /// and `deleted` and the MNet host are checked here instead. Many keys, and emails (no
    /// index serves a case-insensitive match, and SQL's `LOWER` differs between backends), are
    /// matched here in one pass over the table: without statistics PostgreSQL would scan the
    /// table for each long key list.
    pub(crate) async fn users(
        &mut self,
        wanted: &BTreeSet<String>,
        by: UserIdentifier,
    ) -> Result<Vec<UserRow>, DbError> {
        let host = self.local_host().await?;
        let select = format!(
            "SELECT id, username, idnumber, email, firstname, lastname, {}, mnethostid FROM {{user}}",
            self.dialect.int("deleted")
        );
        let texts = set_vec(wanted);
        let ids: Vec<i64> = wanted.iter().filter_map(|key| key.parse().ok()).collect();
        let lookup = match by {
            UserIdentifier::Id => Some(("id", Keys::Ids(&ids))),
            UserIdentifier::Idnumber => Some(("idnumber", Keys::Texts(&texts))),
            UserIdentifier::Username => Some(("username", Keys::Texts(&texts))),
            UserIdentifier::Email => None,
        };
        let mut rows = Vec::new();
        match lookup {
            Some((column, keys)) if wanted.len() <= ONE_PASS_ABOVE => {
                for row in self
                    .select_in(&select, column, keys, "", "reading users")
                    .await?
                {
                    rows.push(user_row(&row).doing("reading users")?);
                }
            }
            _ => {
                // Streamed: only the wanted rows are kept, never the whole table.
                let sql = self.dialect.sql(&select);
                let mut stream = query(sql).fetch(&mut *self.transaction);
                while let Some(row) = stream.try_next().await.doing("reading users")? {
                    let user = user_row(&row).doing("reading users")?;
                    if wanted.contains(&user.0.key(by)) {
                        rows.push(user);
                    }
                }
            }
        }
        Ok(rows
            .into_iter()
            .filter(|(_, deleted, mnethost)| *deleted == 0 && *mnethost == host)
            .map(|(user, _, _)| user)
            .collect())
    }

    /// `$CFG->mnet_localhost_id`: users of other MNet hosts never match.
    pub(super) async fn local_host(&mut self) -> Result<i64, DbError> {
        let sql = self
            .dialect
            .sql("SELECT value FROM {config} WHERE name = 'mnet_localhost_id'");
        let row = query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading the site's MNet host")?;
        Ok(match row {
            Some(row) => text(&row, 0)
                .doing("reading the site's MNet host")?
                .trim()
                .parse()
                .unwrap_or(1),
            None => 1,
        })
    }

    /// The categories wanted by id or idnumber, and those whose context holds a loaded cohort.
    async fn categories(
        &mut self,
        wanted: &Wanted,
        contexts: &[i64],
    ) -> Result<Vec<CategoryRow>, DbError> {
        let select = "SELECT cc.id, cc.name, cc.idnumber, ctx.id FROM {course_categories} cc \
                      LEFT JOIN {context} ctx ON ctx.contextlevel = 40 AND ctx.instanceid = cc.id";
        let ids: Vec<i64> = wanted.category_ids.iter().copied().collect();
        let idnumbers = set_vec(&wanted.category_idnumbers);
        let mut categories: HashMap<i64, CategoryRow> = HashMap::new();
        for (column, keys) in [
            ("cc.id", Keys::Ids(&ids)),
            ("cc.idnumber", Keys::Texts(&idnumbers)),
            ("ctx.id", Keys::Ids(contexts)),
        ] {
            for row in self
                .select_in(select, column, keys, "", "reading categories")
                .await?
            {
                let category = CategoryRow {
                    id: int(&row, 0).doing("reading categories")?,
                    name: text(&row, 1).doing("reading categories")?,
                    idnumber: optional_text(&row, 2).doing("reading categories")?,
                    contextid: optional_int(&row, 3).doing("reading categories")?,
                };
                categories.insert(category.id, category);
            }
        }
        let mut categories: Vec<CategoryRow> = categories.into_values().collect();
        categories.sort_by_key(|category| category.id);
        Ok(categories)
    }

    /// Carries out a plan's writes, in order. `now` is the Unix time stamped on the rows.
    /// Returns the cohorts whose members changed (or that were deleted), for the enrolments
    /// that follow them, and the course contexts whose methods a deletion disabled.
    pub async fn apply_cohort_ops(
        &mut self,
        ops: &[CohortOp],
        now: i64,
    ) -> Result<Touched, DbError> {
        let mut created: Vec<i64> = Vec::new();
        let mut touched = BTreeSet::new();
        let mut dirty_contexts = BTreeSet::new();
        let mut pending = Pending::None;
        for op in ops {
            let resolve = |reference: &CohortRef| match *reference {
                CohortRef::Existing(id) => id,
                CohortRef::New(slot) => created[slot],
            };
            match op {
                CohortOp::AddMember { cohort, user } => {
                    let cohort = resolve(cohort);
                    touched.insert(cohort);
                    if !matches!(pending, Pending::Add(_)) {
                        self.flush(&mut pending, now).await?;
                        pending = Pending::Add(Vec::new());
                    }
                    if let Pending::Add(rows) = &mut pending {
                        rows.push((cohort, *user));
                    }
                }
                CohortOp::RemoveMember { cohort, user } => {
                    let cohort = resolve(cohort);
                    touched.insert(cohort);
                    if !matches!(pending, Pending::Remove(_)) {
                        self.flush(&mut pending, now).await?;
                        pending = Pending::Remove(Vec::new());
                    }
                    if let Pending::Remove(rows) = &mut pending {
                        rows.push((cohort, *user));
                    }
                }
                CohortOp::Create { slot, cohort } => {
                    self.flush(&mut pending, now).await?;
                    debug_assert_eq!(*slot, created.len());
                    let statement = query(self.dialect.insert_returning_id(
                        "INSERT INTO {cohort} (contextid, name, idnumber, description, descriptionformat, visible, \
                         component, timecreated, timemodified, theme) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
                    ))
                    .bind(cohort.contextid)
                    .bind(cohort.name.clone())
                    .bind(cohort.idnumber.clone())
                    .bind(cohort.description.clone())
                    .bind(FORMAT_HTML)
                    .bind(i64::from(cohort.visible))
                    .bind(cohort.component.clone())
                    .bind(now)
                    .bind(now);
                    let id = insert_id(self, statement).await?;
                    created.push(id);
                    self.cohort_moved(id, cohort.contextid);
                    self.log_cohort(Kind::CohortCreated, id).await?;
                }
                CohortOp::Update { cohort, changes } => {
                    let cohort = resolve(cohort);
                    self.flush(&mut pending, now).await?;
                    self.update_cohort(cohort, changes, now).await?;
                    if let Some(context) = changes.contextid {
                        self.cohort_moved(cohort, context);
                    }
                    self.log_cohort(Kind::CohortUpdated, cohort).await?;
                }
                CohortOp::RemoveAllMembers { cohort } => {
                    let cohort = resolve(cohort);
                    touched.insert(cohort);
                    self.flush(&mut pending, now).await?;
                    if self.journal.on() {
                        // `cohort_remove_member` for each member.
                        let sql = self
                            .dialect
                            .sql("SELECT userid FROM {cohort_members} WHERE cohortid = ? ORDER BY userid");
                        let members = self
                            .ids(query(sql).bind(cohort), "emptying a cohort")
                            .await?;
                        self.log_members(Kind::CohortMemberRemoved, cohort, &members)
                            .await?;
                    }
                    query(
                        self.dialect
                            .sql("DELETE FROM {cohort_members} WHERE cohortid = ?"),
                    )
                    .bind(cohort)
                    .execute(&mut *self.transaction)
                    .await
                    .doing("emptying a cohort")?;
                }
                CohortOp::Delete { cohort } => {
                    let cohort = resolve(cohort);
                    touched.insert(cohort);
                    self.flush(&mut pending, now).await?;
                    dirty_contexts.extend(self.delete_cohort(cohort, now).await?);
                }
            }
        }
        self.flush(&mut pending, now).await?;
        Ok(Touched {
            cohorts: touched,
            dirty_contexts,
            ..Touched::default()
        })
    }

    async fn flush(&mut self, pending: &mut Pending, now: i64) -> Result<(), DbError> {
        match std::mem::replace(pending, Pending::None) {
            Pending::None => Ok(()),
            Pending::Add(rows) => {
                for chunk in rows.chunks(INSERT_ROWS) {
                    // Insert-or-ignore: a membership that appeared since the file was planned
                    // (added in Moodle meanwhile) is not an error.
                    let sql = self.dialect.insert_ignore(&format!(
                        "{{cohort_members}} (cohortid, userid, timeadded) VALUES {}",
                        row_placeholders(chunk.len(), 3)
                    ));
                    let mut statement = query(sql);
                    for (cohort, user) in chunk {
                        statement = statement.bind(*cohort).bind(*user).bind(now);
                    }
                    statement
                        .execute(&mut *self.transaction)
                        .await
                        .doing("adding members")?;
                }
                if self.journal.on() {
                    for (cohort, user) in rows {
                        self.log_members(Kind::CohortMemberAdded, cohort, &[user])
                            .await?;
                    }
                }
                Ok(())
            }
            Pending::Remove(rows) => {
                let mut by_cohort: HashMap<i64, Vec<i64>> = HashMap::new();
                for (cohort, user) in rows {
                    by_cohort.entry(cohort).or_default().push(user);
                }
                for (cohort, users) in by_cohort {
                    for chunk in users.chunks(CHUNK) {
                        let sql = self.dialect.sql(&format!(
                            "DELETE FROM {{cohort_members}} WHERE cohortid = ? AND userid IN ({})",
                            placeholders(chunk.len())
                        ));
                        bind_all(query(sql).bind(cohort), chunk)
                            .execute(&mut *self.transaction)
                            .await
                            .doing("removing members")?;
                    }
                    self.log_members(Kind::CohortMemberRemoved, cohort, &users)
                        .await?;
                }
                Ok(())
            }
        }
    }

    async fn update_cohort(
        &mut self,
        cohort: i64,
        changes: &CohortChanges,
        now: i64,
    ) -> Result<(), DbError> {
        let mut assignments = Vec::new();
        let mut texts: Vec<Option<String>> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        // Text and integer values are bound in two groups, so the SET list is built in that order.
        for (column, value) in [
            ("name", changes.name.clone()),
            ("idnumber", changes.idnumber.clone()),
            ("description", changes.description.clone()),
            ("component", changes.component.clone()),
        ] {
            if value.is_some() {
                assignments.push(format!("{column} = ?"));
                texts.push(value);
            }
        }
        for (column, value) in [
            ("contextid", changes.contextid),
            ("visible", changes.visible.map(i64::from)),
        ] {
            if let Some(value) = value {
                assignments.push(format!("{column} = ?"));
                numbers.push(value);
            }
        }
        assignments.push("timemodified = ?".into());
        let sql = self.dialect.sql(&format!(
            "UPDATE {{cohort}} SET {} WHERE id = ?",
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
            .bind(now)
            .bind(cohort)
            .execute(&mut *self.transaction)
            .await
            .doing("updating a cohort")?;
        Ok(())
    }

    /// Deletes a cohort as `cohort_delete_cohort` does (memberships, then the row) and disables
    /// the `cohort` enrolment methods bound to it. Their enrolments are then unenrolled or
    /// suspended by Moodle's cohort sync task, following the site's `unenrolaction`. Returns
    /// the context paths of the courses whose methods were disabled, whose access Moodle must
    /// reload (as `update_status()`, or the `delete_instance()` of Moodle's observer, marks
    /// them).
    async fn delete_cohort(&mut self, cohort: i64, now: i64) -> Result<Vec<String>, DbError> {
        let doing = "reading a deleted cohort's courses";
        let sql = self.dialect.sql(
            "SELECT DISTINCT ctx.path FROM {context} ctx JOIN {enrol} e ON e.courseid = ctx.instanceid \
             WHERE ctx.contextlevel = 50 AND e.enrol = 'cohort' AND e.customint1 = ? AND e.status = 0",
        );
        let mut paths = Vec::new();
        for row in query(sql)
            .bind(cohort)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            paths.push(text(&row, 0).doing(doing)?);
        }
        let place = self.cohort_place(cohort).await?;
        if self.journal.on() {
            // The methods about to be disabled: `enrol_instance_updated` each.
            let sql = self.dialect.sql(
                "SELECT id, courseid, enrol FROM {enrol} WHERE enrol = 'cohort' AND customint1 = ? AND status = 0 ORDER BY id",
            );
            let doing = "reading a deleted cohort's enrolment methods";
            for row in query(sql)
                .bind(cohort)
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                self.journal.push(Event {
                    kind: Kind::EnrolInstanceUpdated,
                    place: Place::Course(int(&row, 1).doing(doing)?),
                    objectid: Some(int(&row, 0).doing(doing)?),
                    relateduserid: None,
                    other: Some(crate::db::journal::enrol_other(
                        &text(&row, 2).doing(doing)?,
                    )),
                });
            }
        }
        query(
            self.dialect
                .sql("DELETE FROM {cohort_members} WHERE cohortid = ?"),
        )
        .bind(cohort)
        .execute(&mut *self.transaction)
        .await
        .doing("deleting a cohort's members")?;
        query(self.dialect.sql(
            "UPDATE {enrol} SET status = ?, timemodified = ? WHERE enrol = 'cohort' AND customint1 = ? AND status = 0",
        ))
        .bind(ENROL_INSTANCE_DISABLED)
        .bind(now)
        .bind(cohort)
        .execute(&mut *self.transaction)
        .await
        .doing("disabling a deleted cohort's enrolment methods")?;
        query(self.dialect.sql("DELETE FROM {cohort} WHERE id = ?"))
            .bind(cohort)
            .execute(&mut *self.transaction)
            .await
            .doing("deleting a cohort")?;
        self.journal.push(Event {
            kind: Kind::CohortDeleted,
            place,
            objectid: Some(cohort),
            relateduserid: None,
            other: None,
        });
        Ok(paths)
    }

    /// Logs a cohort event (`cohort_created`, `cohort_updated`) in the cohort's context.
    async fn log_cohort(&mut self, kind: Kind, cohort: i64) -> Result<(), DbError> {
        if !self.journal.on() {
            return Ok(());
        }
        let place = self.cohort_place(cohort).await?;
        self.journal.push(Event {
            kind,
            place,
            objectid: Some(cohort),
            relateduserid: None,
            other: None,
        });
        Ok(())
    }

    /// Logs a member added to or removed from a cohort, one event per user.
    async fn log_members(&mut self, kind: Kind, cohort: i64, users: &[i64]) -> Result<(), DbError> {
        if !self.journal.on() {
            return Ok(());
        }
        let place = self.cohort_place(cohort).await?;
        self.journal
            .push_each(kind, place, Some(cohort), users.iter().copied(), None);
        Ok(())
    }
}

/// Membership writes waiting to be sent as one batch.
enum Pending {
    None,
    Add(Vec<(i64, i64)>),
    Remove(Vec<(i64, i64)>),
}

fn cohort_row(row: &AnyRow) -> Result<CohortRow, sqlx::Error> {
    Ok(CohortRow {
        id: int(row, 0)?,
        contextid: int(row, 1)?,
        name: text(row, 2)?,
        idnumber: optional_text(row, 3)?,
        description: optional_text(row, 4)?,
        visible: int(row, 5)? != 0,
        component: text(row, 6)?,
    })
}

/// A user row with its `deleted` flag and MNet host.
fn user_row(row: &AnyRow) -> Result<(UserRow, i64, i64), sqlx::Error> {
    let user = UserRow {
        id: int(row, 0)?,
        username: text(row, 1)?,
        idnumber: text(row, 2)?,
        email: text(row, 3)?,
        firstname: text(row, 4)?,
        lastname: text(row, 5)?,
    };
    Ok((user, int(row, 6)?, int(row, 7)?))
}
