//! Deleting an account as Moodle's `delete_user` does: the events it logs first, the rows
//! that go, and the name the account keeps.

use crate::command::user::{deleted_email, deleted_username_prefix};
use crate::db::{
    DbError, Tx,
    journal::{Event, Kind, Place, json_string},
    sql::{Context, int, query, text},
};

impl Tx {
    /// Deletes an account as Moodle's `delete_user` does: its memberships, enrolments, roles,
    /// preferences and profile data are removed; the row stays, marked deleted, with its
    /// username rewritten (unique), its email replaced by the MD5 of its username and its
    /// idnumber cleared.
    pub(super) async fn delete_user(
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
