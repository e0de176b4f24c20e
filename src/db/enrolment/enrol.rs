//! Steps 2 and 4 of Moodle's cohort sync for one method: its cohort's members enrolled (or
//! their suspended enrolments reactivated), then given the method's role; step 6 follows
//! ([`super::groups`]).

use sqlx::any::AnyRow;

use super::{
    follow::{COMPONENT, Instance, Touched},
    site::SiteSettings,
};
use crate::{
    db::{
        DbError, Tx,
        database::{Context, int, query},
        dialect::{placeholders, row_placeholders},
        journal::{Event, Kind, Place, assigned_other, enrol_other},
        sql::{CHUNK, INSERT_ROWS, bind_all},
    },
    outcome::CourseEnrolments,
};

impl Tx {
    /// Steps 2, 4 and 6 of `enrol_cohort_sync` for one method.
    pub(super) async fn enrol_instance(
        &mut self,
        instance: &Instance,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        if instance.enabled {
            // Step 2: `enrol_user()` for members without an enrolment…
            self.create_enrolments(instance, site, now, course).await?;
            // …and `update_user_enrol(ENROL_USER_ACTIVE)` for suspended ones (dirty users).
            self.reactivate_enrolments(instance, site, now, course, touched)
                .await?;
            // Step 4: `role_assign()` of the method's role to active enrolments (dirty users).
            self.assign_roles(instance, site, now, course, touched)
                .await?;
        }
        // Step 6, `groups_sync_with_enrolment()`: the memberships the method gave in another
        // group of the course than its own go, then its enrolments join its group.
        let Some(group) = instance.group else {
            return Ok(());
        };
        self.remove_misplaced_members(instance, group, now, course)
            .await?;
        if group > 0 {
            self.add_group_members(instance, group, site, now, course)
                .await?;
        }
        Ok(())
    }

    /// Step 2's first half: `enrol_user()` for the members of the method's cohort without an
    /// enrolment in it.
    async fn create_enrolments(
        &mut self,
        instance: &Instance,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
    ) -> Result<(), DbError> {
        let missing = self.missing_enrolments(instance).await?;
        // Insert-or-ignore: an enrolment Moodle made meanwhile is not an error.
        let mut created = 0;
        for chunk in missing.chunks(INSERT_ROWS) {
            let mut sql = self.dialect.insert_ignore(&format!(
                "{{user_enrolments}} (enrolid, userid, status, timestart, timeend, modifierid, \
                 timecreated, timemodified) VALUES {}",
                row_placeholders(chunk.len(), 8)
            ));
            // The new rows' ids, for their `user_enrolment_created`: returned by the
            // insert where the backend can, read back otherwise.
            let returning = self.journal.on() && self.dialect.returns_id();
            if returning {
                sql.push_str(" RETURNING id, userid");
            }
            let mut statement = query(sql);
            for user in chunk {
                statement = statement
                    .bind(instance.id)
                    .bind(*user)
                    .bind(0_i64)
                    .bind(0_i64)
                    .bind(0_i64)
                    .bind(site.admin)
                    .bind(now)
                    .bind(now);
            }
            let doing = "enrolling cohort members";
            if returning {
                let rows = statement
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?;
                created += rows.len() as u64;
                self.log_enrolments(Kind::UserEnrolmentCreated, instance, &rows)?;
                continue;
            }
            created += statement
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?
                .rows_affected();
            if self.journal.on() {
                let sql = self.dialect.sql(&format!(
                    "SELECT id, userid FROM {{user_enrolments}} WHERE enrolid = ? AND userid IN ({}) \
                     AND timecreated = ? ORDER BY userid",
                    placeholders(chunk.len())
                ));
                let rows = bind_all(query(sql).bind(instance.id), chunk)
                    .bind(now)
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?;
                self.log_enrolments(Kind::UserEnrolmentCreated, instance, &rows)?;
            }
        }
        course.enrolments_created += usize::try_from(created).unwrap_or(0);
        if created > 0 {
            self.caches.enrolments_changed(instance.courseid);
        }
        Ok(())
    }

    /// Step 2's second half: `update_user_enrol(ENROL_USER_ACTIVE)` for the members whose
    /// enrolment in the method is suspended (dirty users).
    async fn reactivate_enrolments(
        &mut self,
        instance: &Instance,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let suspended = self.suspended_members(instance).await?;
        for chunk in suspended.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "UPDATE {{user_enrolments}} SET status = 0, modifierid = ?, timemodified = ? \
                 WHERE enrolid = ? AND userid IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(
                query(sql).bind(site.admin).bind(now).bind(instance.id),
                chunk,
            )
            .execute(&mut *self.transaction)
            .await
            .doing("reactivating enrolments")?;
            if self.journal.on() {
                let sql = self.dialect.sql(&format!(
                    "SELECT id, userid FROM {{user_enrolments}} WHERE enrolid = ? AND userid IN ({}) \
                     ORDER BY userid",
                    placeholders(chunk.len())
                ));
                let rows = bind_all(query(sql).bind(instance.id), chunk)
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing("reading reactivated enrolments")?;
                self.log_enrolments(Kind::UserEnrolmentUpdated, instance, &rows)?;
            }
        }
        course.enrolments_reactivated += suspended.len();
        if !suspended.is_empty() {
            self.caches.enrolments_changed(instance.courseid);
        }
        touched.dirty_users.extend(&suspended);
        Ok(())
    }

    /// Step 4: `role_assign()` of the method's role to its active enrolments (dirty users).
    /// Moodle runs it after its step 3 has unenrolled or suspended the users who left the
    /// cohort, so only current members get the role.
    async fn assign_roles(
        &mut self,
        instance: &Instance,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let Some(context) = self.role_context(instance).await? else {
            return Ok(());
        };
        let sql = self.dialect.sql(&format!(
            "SELECT ue.userid, {} FROM {{user_enrolments}} ue JOIN {{user}} u ON u.id = ue.userid \
             JOIN {{cohort_members}} cm ON cm.cohortid = ? AND cm.userid = ue.userid \
             WHERE ue.enrolid = ? AND ue.status = 0 AND NOT EXISTS \
             (SELECT 1 FROM {{role_assignments}} ra WHERE ra.contextid = ? AND ra.userid = ue.userid \
             AND ra.roleid = ? AND ra.component = ? AND ra.itemid = ?) ORDER BY ue.userid",
            self.dialect.int("u.deleted")
        ));
        let users = self
            .live_users(
                query(sql)
                    .bind(instance.cohort)
                    .bind(instance.id)
                    .bind(context)
                    .bind(instance.roleid)
                    .bind(COMPONENT)
                    .bind(instance.id),
                "finding missing roles",
            )
            .await?;
        for chunk in users.chunks(INSERT_ROWS) {
            let mut sql = self.dialect.sql(&format!(
                "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, modifierid, \
                 component, itemid, sortorder) VALUES {}",
                row_placeholders(chunk.len(), 8)
            ));
            // The new assignments' ids, for their `role_assigned`: returned by the
            // insert where the backend can, read back otherwise (by user first, the
            // index that serves it).
            let returning = self.journal.on() && self.dialect.returns_id();
            if returning {
                sql.push_str(" RETURNING id, userid");
            }
            let mut statement = query(sql);
            for user in chunk {
                statement = statement
                    .bind(instance.roleid)
                    .bind(context)
                    .bind(*user)
                    .bind(now)
                    .bind(site.admin)
                    .bind(COMPONENT)
                    .bind(instance.id)
                    .bind(0_i64);
            }
            let doing = "assigning roles";
            let rows = if returning {
                statement
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?
            } else {
                statement
                    .execute(&mut *self.transaction)
                    .await
                    .doing(doing)?;
                if !self.journal.on() {
                    continue;
                }
                let sql = self.dialect.sql(&format!(
                    "SELECT id, userid FROM {{role_assignments}} WHERE userid IN ({}) AND contextid = ? \
                     AND roleid = ? AND component = ? AND itemid = ? ORDER BY userid",
                    placeholders(chunk.len())
                ));
                bind_all(query(sql), chunk)
                    .bind(context)
                    .bind(instance.roleid)
                    .bind(COMPONENT)
                    .bind(instance.id)
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?
            };
            for row in &rows {
                self.journal.push(Event {
                    kind: Kind::RoleAssigned,
                    place: Place::Context(context),
                    objectid: Some(instance.roleid),
                    relateduserid: Some(int(row, 1).doing(doing)?),
                    other: Some(assigned_other(
                        int(row, 0).doing(doing)?,
                        COMPONENT,
                        instance.id,
                    )),
                });
            }
        }
        course.roles_assigned += users.len();
        if !users.is_empty() {
            self.caches
                .course_role_changed(instance.roleid, instance.courseid);
        }
        touched.dirty_users.extend(&users);
        Ok(())
    }

    /// Members of the method's cohort (not deleted) with no enrolment in it: step 2's first
    /// half.
    pub(super) async fn missing_enrolments(
        &mut self,
        instance: &Instance,
    ) -> Result<Vec<i64>, DbError> {
        let sql = self.dialect.sql(&format!(
            "SELECT cm.userid, {} FROM {{cohort_members}} cm JOIN {{user}} u ON u.id = cm.userid \
             LEFT JOIN {{user_enrolments}} ue ON ue.enrolid = ? AND ue.userid = cm.userid \
             WHERE cm.cohortid = ? AND ue.id IS NULL ORDER BY cm.userid",
            self.dialect.int("u.deleted")
        ));
        self.live_users(
            query(sql).bind(instance.id).bind(instance.cohort),
            "finding members to enrol",
        )
        .await
    }

    /// Members of the method's cohort (not deleted) whose enrolment in it is suspended: step
    /// 2's second half.
    pub(super) async fn suspended_members(
        &mut self,
        instance: &Instance,
    ) -> Result<Vec<i64>, DbError> {
        let sql = self.dialect.sql(&format!(
            "SELECT ue.userid, {} FROM {{user_enrolments}} ue \
             JOIN {{cohort_members}} cm ON cm.cohortid = ? AND cm.userid = ue.userid \
             JOIN {{user}} u ON u.id = ue.userid \
             WHERE ue.enrolid = ? AND ue.status = 1 ORDER BY ue.userid",
            self.dialect.int("u.deleted")
        ));
        self.live_users(
            query(sql).bind(instance.cohort).bind(instance.id),
            "finding suspended members",
        )
        .await
    }

    /// The course context a method's role is assigned in, when the method gives a role that
    /// exists (step 4 joins the role table).
    async fn role_context(&mut self, instance: &Instance) -> Result<Option<i64>, DbError> {
        if instance.roleid <= 0 {
            return Ok(None);
        }
        let sql = self.dialect.sql(
            "SELECT ctx.id FROM {context} ctx JOIN {role} r ON r.id = ? \
             WHERE ctx.contextlevel = 50 AND ctx.instanceid = ?",
        );
        let row = query(sql)
            .bind(instance.roleid)
            .bind(instance.courseid)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading a course context")?;
        row.map(|row| int(&row, 0))
            .transpose()
            .doing("reading a course context")
    }

    /// Logs an event of `kind` for each enrolment `statement` reads (`id`, `userid`) in a
    /// cohort method.
    fn log_enrolments(
        &mut self,
        kind: Kind,
        instance: &Instance,
        rows: &[AnyRow],
    ) -> Result<(), DbError> {
        let doing = "reading enrolments";
        for row in rows {
            self.journal.push(Event {
                kind,
                place: Place::Course(instance.courseid),
                objectid: Some(int(row, 0).doing(doing)?),
                relateduserid: Some(int(row, 1).doing(doing)?),
                other: Some(enrol_other("cohort")),
            });
        }
        Ok(())
    }
}
