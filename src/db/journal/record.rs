//! What the write sites call to record events: the journal opened for a file, where a
//! cohort's events happen, and the rows about to be deleted read for their events.

use sqlx::{Any, any::AnyArguments, query::Query};

use super::{
    event::{Event, Journal, Place},
    kind::Kind,
    other::{EnrolmentRow, unassigned_other},
};
use crate::db::{
    DbError, Tx,
    database::{Context, int, query, text},
    enrolment::main_admin,
};

impl Tx {
    /// Starts recording events for this file, when `write_logs` is set and the site's
    /// standard log store is enabled.
    pub async fn open_journal(&mut self, write_logs: bool) -> Result<(), DbError> {
        self.journal = Journal::default();
        if !write_logs {
            return Ok(());
        }
        let doing = "reading the site's log settings";
        let sql = self.dialect.sql(
            "SELECT value FROM {config_plugins} WHERE plugin = 'tool_log' AND name = 'enabled_stores'",
        );
        let stores = match query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            Some(row) => text(&row, 0).doing(doing)?,
            None => String::new(),
        };
        if !stores
            .split(',')
            .any(|store| store.trim() == "logstore_standard")
        {
            return Ok(());
        }
        let sql = self
            .dialect
            .sql("SELECT value FROM {config} WHERE name = 'siteadmins'");
        let siteadmins = match query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            Some(row) => Some(text(&row, 0).doing(doing)?),
            None => None,
        };
        self.journal = Journal {
            on: true,
            admin: main_admin(siteadmins.as_deref()),
            ..Journal::default()
        };
        Ok(())
    }

    /// Where a cohort's events happen: its context (read once per cohort and file).
    pub(crate) async fn cohort_place(&mut self, cohort: i64) -> Result<Place, DbError> {
        if let Some(context) = self.journal.cohorts.get(&cohort) {
            return Ok(Place::Context(*context));
        }
        let doing = "reading a cohort's context";
        let sql = self
            .dialect
            .sql("SELECT contextid FROM {cohort} WHERE id = ?");
        let row = query(sql)
            .bind(cohort)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?;
        let context = match row {
            Some(row) => int(&row, 0).doing(doing)?,
            None => 0,
        };
        self.journal.cohorts.insert(cohort, context);
        Ok(Place::Context(context))
    }

    /// Logs `role_unassigned` for the role assignments `statement` reads (`id`, `userid`,
    /// `roleid`, `contextid`, `component`, `itemid`), about to be deleted.
    pub(crate) async fn log_unassigned(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<(), DbError> {
        if !self.journal.on {
            return Ok(());
        }
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            let id = int(&row, 0).doing(doing)?;
            let component = text(&row, 4).doing(doing)?;
            let itemid = int(&row, 5).doing(doing)?;
            self.journal.events.push(Event {
                kind: Kind::RoleUnassigned,
                place: Place::Context(int(&row, 3).doing(doing)?),
                objectid: Some(int(&row, 2).doing(doing)?),
                relateduserid: Some(int(&row, 1).doing(doing)?),
                other: Some(unassigned_other(id, &component, itemid)),
            });
        }
        Ok(())
    }

    /// Logs `group_member_removed` for the memberships `statement` reads (`groupid`,
    /// `userid`, the group's `courseid`), about to be deleted.
    pub(crate) async fn log_ungrouped(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<(), DbError> {
        if !self.journal.on {
            return Ok(());
        }
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            self.journal.events.push(Event {
                kind: Kind::GroupMemberRemoved,
                place: Place::Course(int(&row, 2).doing(doing)?),
                objectid: Some(int(&row, 0).doing(doing)?),
                relateduserid: Some(int(&row, 1).doing(doing)?),
                other: None,
            });
        }
        Ok(())
    }

    /// Reads the enrolments about to be deleted whose `column` (of `user_enrolments`: `enrolid`
    /// or `userid`) is `id`, by course, when the journal is on (none otherwise).
    pub(crate) async fn enrolment_rows(
        &mut self,
        column: &'static str,
        id: i64,
        doing: &'static str,
    ) -> Result<Vec<EnrolmentRow>, DbError> {
        if !self.journal.on {
            return Ok(Vec::new());
        }
        let sql = self.dialect.sql(&format!(
            "SELECT {} FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
             WHERE ue.{column} = ? ORDER BY e.courseid, ue.userid, ue.id",
            EnrolmentRow::COLUMNS
        ));
        query(sql)
            .bind(id)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
            .iter()
            .map(EnrolmentRow::read)
            .collect::<Result<_, _>>()
            .doing(doing)
    }

    /// Reads the enrolments `ids` about to be deleted, when the journal is on (none
    /// otherwise).
    pub(crate) async fn enrolment_rows_by_id(
        &mut self,
        ids: &[i64],
        doing: &'static str,
    ) -> Result<Vec<EnrolmentRow>, DbError> {
        if !self.journal.on {
            return Ok(Vec::new());
        }
        let mut rows = Vec::new();
        for chunk in ids.chunks(crate::db::sql::CHUNK) {
            let sql = self.dialect.sql(&format!(
                "SELECT {} FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
                 WHERE ue.id IN ({}) ORDER BY ue.id",
                EnrolmentRow::COLUMNS,
                crate::db::dialect::placeholders(chunk.len())
            ));
            for row in crate::db::sql::bind_all(query(sql), chunk)
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                rows.push(EnrolmentRow::read(&row).doing(doing)?);
            }
        }
        Ok(rows)
    }

    /// Remembers where a cohort now is (created, or moved to another context).
    pub(crate) fn cohort_moved(&mut self, cohort: i64, context: i64) {
        if self.journal.on {
            self.journal.cohorts.insert(cohort, context);
        }
    }
}
