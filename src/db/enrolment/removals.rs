//! Access removed at once when members leave a bound cohort, a cohort is deleted or a method
//! disabled (steps 3 and 5 of Moodle's sync, under the site's unenrol action), and what
//! Moodle's task will still remove, counted for the report.

use std::collections::BTreeSet;

use super::{
    follow::{COMPONENT, Instance, Touched},
    site::SiteSettings,
};
use crate::{
    db::{
        DbError, Tx,
        database::{Context, int, query},
        dialect::placeholders,
        journal::{Event, Kind, Place, enrol_other, unassigned_other},
        sql::{CHUNK, bind_all},
    },
    outcome::{CourseEnrolments, UnenrolAction},
};

impl Tx {
    /// What removes access at once, as Moodle's observers do when a member leaves a bound
    /// cohort, a cohort is deleted or a method disabled, under the site's unenrol action:
    /// step 3 of Moodle's sync with "unenrol" read as "suspend" (the unenrolment itself, which
    /// deletes grades and group memberships, stays with Moodle's task, which still finds the
    /// user outside the cohort), then its step 5 (the method's roles of inactive enrolments,
    /// every role of a disabled method) unless the action keeps roles.
    pub(super) async fn remove_access(
        &mut self,
        instance: &Instance,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        if site.unenrol_action == UnenrolAction::Keep {
            return Ok(());
        }
        let doing = "suspending enrolments of users no longer in the cohort";
        // Step 3: active enrolments of users outside the cohort (a deleted cohort has none).
        let sql = self.dialect.sql(
            "SELECT ue.id, ue.userid FROM {user_enrolments} ue \
             LEFT JOIN {cohort_members} cm ON cm.cohortid = ? AND cm.userid = ue.userid \
             WHERE ue.enrolid = ? AND ue.status = 0 AND cm.id IS NULL ORDER BY ue.userid",
        );
        let rows = query(sql)
            .bind(instance.cohort)
            .bind(instance.id)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?;
        let mut suspended = Vec::with_capacity(rows.len());
        for row in rows {
            suspended.push((int(&row, 0).doing(doing)?, int(&row, 1).doing(doing)?));
        }
        let ids: Vec<i64> = suspended.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "UPDATE {{user_enrolments}} SET status = 1, modifierid = ?, timemodified = ? \
                 WHERE id IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql).bind(site.admin).bind(now), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
        }
        for (id, user) in &suspended {
            self.journal.push(Event {
                kind: Kind::UserEnrolmentUpdated,
                place: Place::Course(instance.courseid),
                objectid: Some(*id),
                relateduserid: Some(*user),
                other: Some(enrol_other("cohort")),
            });
        }
        course.enrolments_suspended += suspended.len();
        if !suspended.is_empty() {
            self.caches.enrolments_changed(instance.courseid);
        }
        touched
            .dirty_users
            .extend(suspended.iter().map(|(_, user)| *user));

        // Step 5: the roles the method gave to enrolments no longer active, or every role it
        // gave when it is disabled.
        if site.unenrol_action == UnenrolAction::Suspend {
            return Ok(());
        }
        let doing = "removing cohort-sync roles";
        let sql = self.dialect.sql(
            "SELECT ra.id, ra.userid, ra.roleid, ra.contextid FROM {role_assignments} ra \
             JOIN {enrol} e ON e.id = ra.itemid \
             LEFT JOIN {user_enrolments} ue ON ue.enrolid = e.id AND ue.userid = ra.userid AND ue.status = 0 \
             WHERE ra.component = ? AND ra.itemid = ? AND (ue.id IS NULL OR e.status <> 0) \
             ORDER BY ra.userid, ra.id",
        );
        let rows = query(sql)
            .bind(COMPONENT)
            .bind(instance.id)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?;
        let mut removed = Vec::with_capacity(rows.len());
        let mut roles = BTreeSet::new();
        for row in rows {
            let (id, user, role) = (
                int(&row, 0).doing(doing)?,
                int(&row, 1).doing(doing)?,
                int(&row, 2).doing(doing)?,
            );
            removed.push((id, user));
            roles.insert(role);
            self.journal.push(Event {
                kind: Kind::RoleUnassigned,
                place: Place::Context(int(&row, 3).doing(doing)?),
                objectid: Some(role),
                relateduserid: Some(user),
                other: Some(unassigned_other(id, COMPONENT, instance.id)),
            });
        }
        let ids: Vec<i64> = removed.iter().map(|(id, _)| *id).collect();
        self.delete_ids("role_assignments", &ids, doing).await?;
        course.roles_removed += removed.len();
        for role in roles {
            self.caches.course_role_changed(role, instance.courseid);
        }
        touched
            .dirty_users
            .extend(removed.iter().map(|(_, user)| *user));
        Ok(())
    }

    /// What Moodle's task will remove for one method: step 3 (enrolments of users no longer in
    /// the cohort) and step 5 (cohort-sync roles of inactive enrolments or disabled methods).
    pub(super) async fn count_removals(
        &mut self,
        instance: &Instance,
        action: UnenrolAction,
        course: &mut CourseEnrolments,
    ) -> Result<(), DbError> {
        let active_only = if action == UnenrolAction::Unenrol {
            ""
        } else {
            " AND ue.status = 0"
        };
        let sql = self.dialect.sql(&format!(
            "SELECT COUNT(*) FROM {{user_enrolments}} ue \
             LEFT JOIN {{cohort_members}} cm ON cm.cohortid = ? AND cm.userid = ue.userid \
             WHERE ue.enrolid = ? AND cm.id IS NULL{active_only}"
        ));
        course.pending_unenrolments += self
            .count(
                query(sql).bind(instance.cohort).bind(instance.id),
                "counting pending removals",
            )
            .await?;
        if action != UnenrolAction::Suspend {
            // Under "suspend and remove roles", step 3 also removes the roles of the members
            // it suspends.
            let leavers = if action == UnenrolAction::SuspendNoRoles {
                " OR NOT EXISTS (SELECT 1 FROM {cohort_members} cm WHERE cm.cohortid = ? AND cm.userid = ra.userid)"
            } else {
                ""
            };
            let sql = if instance.enabled {
                self.dialect.sql(&format!(
                    "SELECT COUNT(*) FROM {{role_assignments}} ra WHERE ra.component = ? AND ra.itemid = ? \
                     AND (NOT EXISTS (SELECT 1 FROM {{user_enrolments}} ue WHERE ue.enrolid = ra.itemid \
                     AND ue.userid = ra.userid AND ue.status = 0){leavers})"
                ))
            } else {
                self.dialect.sql(
                    "SELECT COUNT(*) FROM {role_assignments} ra WHERE ra.component = ? AND ra.itemid = ?",
                )
            };
            let mut statement = query(sql).bind(COMPONENT).bind(instance.id);
            if instance.enabled && !leavers.is_empty() {
                statement = statement.bind(instance.cohort);
            }
            course.pending_role_removals += self
                .count(statement, "counting pending role removals")
                .await?;
        }
        Ok(())
    }
}
