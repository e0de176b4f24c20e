//! Deleting an enrolment method as Moodle's `enrol_plugin::delete_instance` does: the group
//! memberships, role assignments and enrolments it gave, then the course presence of the users
//! it leaves with no enrolment in the course, then its row; and the events Moodle logs.

use std::collections::BTreeSet;

use crate::db::{
    DbError, Touched, Tx,
    journal::{Event, Kind, Place, enrol_other},
    sql::{CHUNK, Context, bind_all, placeholders, query},
};

/// What an error of the deletion says it was doing.
const DOING: &str = "deleting an enrolment method";

impl Tx {
    /// Deletes an enrolment method the way `enrol_plugin::delete_instance` does: each user is
    /// unenrolled (the group memberships and role assignments the method gave go first, then
    /// the enrolment; for a user left with no enrolment in the course, every role assignment in
    /// the course and its sub-contexts and every group membership in the course go too), then
    /// the method's row. Users and the course context are marked dirty.
    pub(super) async fn delete_instance(
        &mut self,
        id: i64,
        enrol: &str,
        courseid: i64,
        now: i64,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let component = format!("enrol_{enrol}");
        let users = self
            .ids(
                query(
                    self.dialect
                        .sql("SELECT userid FROM {user_enrolments} WHERE enrolid = ?"),
                )
                .bind(id),
                DOING,
            )
            .await?;

        self.remove_method_group_members(id, &component, courseid, now)
            .await?;
        let role_users = self
            .ids(
                query(self.dialect.sql(
                    "SELECT DISTINCT userid FROM {role_assignments} WHERE component = ? AND itemid = ?",
                ))
                .bind(component.clone())
                .bind(id),
                DOING,
            )
            .await?;
        self.log_unassigned(
            query(self.dialect.sql(
                "SELECT id, userid, roleid, contextid, component, itemid FROM {role_assignments} \
                 WHERE component = ? AND itemid = ? ORDER BY userid, id",
            ))
            .bind(component.clone())
            .bind(id),
            DOING,
        )
        .await?;
        let enrolments = self.enrolment_rows("enrolid", id, DOING).await?;
        query(
            self.dialect
                .sql("DELETE FROM {role_assignments} WHERE component = ? AND itemid = ?"),
        )
        .bind(component)
        .bind(id)
        .execute(&mut *self.transaction)
        .await
        .doing(DOING)?;
        query(
            self.dialect
                .sql("DELETE FROM {user_enrolments} WHERE enrolid = ?"),
        )
        .bind(id)
        .execute(&mut *self.transaction)
        .await
        .doing(DOING)?;

        // Users with no enrolment left in the course lose the rest of their course presence.
        let gone = self.users_without_enrolment(&users, courseid).await?;
        let context = self.course_context(courseid).await?;
        if let Some((contextid, path)) = &context
            && !gone.is_empty()
        {
            self.unassign_course_roles(&gone, *contextid, path).await?;
        }
        self.remove_course_group_members(&gone, courseid, now)
            .await?;

        for enrolment in &enrolments {
            let event = enrolment.deleted(gone.contains(&enrolment.userid));
            self.journal.push(event);
        }
        query(self.dialect.sql("DELETE FROM {enrol} WHERE id = ?"))
            .bind(id)
            .execute(&mut *self.transaction)
            .await
            .doing(DOING)?;
        self.journal.push(Event {
            kind: Kind::EnrolInstanceDeleted,
            place: Place::Course(courseid),
            objectid: Some(id),
            relateduserid: None,
            other: Some(enrol_other(enrol)),
        });
        if !users.is_empty() || !role_users.is_empty() {
            // The roles the method gave went with its enrolments, in the same course: what
            // drops the course's contacts for the one drops them for the other.
            self.caches.enrolments_changed(courseid);
        }
        touched.dirty_users.extend(users);
        touched.dirty_users.extend(role_users);
        if let Some((_, path)) = context {
            touched.dirty_contexts.insert(path);
        }
        Ok(())
    }

    /// Removes the group memberships method `id` (of `component`) gave in course `courseid`,
    /// logging each removal.
    async fn remove_method_group_members(
        &mut self,
        id: i64,
        component: &str,
        courseid: i64,
        now: i64,
    ) -> Result<(), DbError> {
        // Memberships are looked for in the course's groups: no index serves a search by
        // component and item alone.
        let (member_groups, members) = self
            .group_members(
                query(self.dialect.sql(
                    "SELECT DISTINCT groupid, userid FROM {groups_members} WHERE component = ? AND itemid = ? \
                     AND groupid IN (SELECT id FROM {groups} WHERE courseid = ?)",
                ))
                .bind(component.to_owned())
                .bind(id)
                .bind(courseid),
                DOING,
            )
            .await?;
        self.caches.members_changed(members);
        self.log_ungrouped(
            query(self.dialect.sql(
                "SELECT gm.groupid, gm.userid, g.courseid FROM {groups_members} gm \
                 JOIN {groups} g ON g.id = gm.groupid AND g.courseid = ? \
                 WHERE gm.component = ? AND gm.itemid = ? ORDER BY gm.userid, gm.groupid",
            ))
            .bind(courseid)
            .bind(component.to_owned())
            .bind(id),
            DOING,
        )
        .await?;
        for chunk in member_groups.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "DELETE FROM {{groups_members}} WHERE component = ? AND itemid = ? AND groupid IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql).bind(component.to_owned()).bind(id), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing(DOING)?;
        }
        self.touch_groups(&member_groups, now).await?;
        Ok(())
    }

    /// Which of `users` have no enrolment left in course `courseid`.
    async fn users_without_enrolment(
        &mut self,
        users: &[i64],
        courseid: i64,
    ) -> Result<Vec<i64>, DbError> {
        let mut still_enrolled = BTreeSet::new();
        for chunk in users.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "SELECT DISTINCT ue.userid FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
                 WHERE e.courseid = ? AND ue.userid IN ({})",
                placeholders(chunk.len())
            ));
            still_enrolled.extend(
                self.ids(bind_all(query(sql).bind(courseid), chunk), DOING)
                    .await?,
            );
        }
        let gone = users
            .iter()
            .copied()
            .filter(|user| !still_enrolled.contains(user))
            .collect();
        Ok(gone)
    }

    /// Removes every role assignment of `gone` in the course context `contextid` (at `path`)
    /// and its sub-contexts, logging each.
    async fn unassign_course_roles(
        &mut self,
        gone: &[i64],
        contextid: i64,
        path: &str,
    ) -> Result<(), DbError> {
        // The course context and its sub-contexts (activities, blocks), read once.
        let mut contexts = self
            .ids(
                query(
                    self.dialect
                        .sql("SELECT id FROM {context} WHERE path LIKE ?"),
                )
                .bind(format!("{path}/%")),
                DOING,
            )
            .await?;
        contexts.push(contextid);
        for users in gone.chunks(CHUNK) {
            for contexts in contexts.chunks(CHUNK) {
                let which = format!(
                    "FROM {{role_assignments}} WHERE userid IN ({}) AND contextid IN ({})",
                    placeholders(users.len()),
                    placeholders(contexts.len())
                );
                let sql = self.dialect.sql(&format!(
                    "SELECT id, userid, roleid, contextid, component, itemid {which} ORDER BY userid, id"
                ));
                self.log_unassigned(bind_all(bind_all(query(sql), users), contexts), DOING)
                    .await?;
                let sql = self.dialect.sql(&format!("DELETE {which}"));
                bind_all(bind_all(query(sql), users), contexts)
                    .execute(&mut *self.transaction)
                    .await
                    .doing(DOING)?;
            }
        }
        Ok(())
    }

    /// Removes every group membership of `gone` in course `courseid`, logging each.
    async fn remove_course_group_members(
        &mut self,
        gone: &[i64],
        courseid: i64,
        now: i64,
    ) -> Result<(), DbError> {
        for chunk in gone.chunks(CHUNK) {
            let in_course = format!(
                "FROM {{groups_members}} WHERE userid IN ({}) AND groupid IN (SELECT id FROM {{groups}} WHERE courseid = ?)",
                placeholders(chunk.len())
            );
            let sql = self
                .dialect
                .sql(&format!("SELECT DISTINCT groupid, userid {in_course}"));
            let (emptied, members) = self
                .group_members(bind_all(query(sql), chunk).bind(courseid), DOING)
                .await?;
            self.caches.members_changed(members);
            let sql = self.dialect.sql(&format!(
                "SELECT gm.groupid, gm.userid, {courseid} {} ORDER BY gm.userid, gm.groupid",
                in_course.replace(
                    "FROM {groups_members} WHERE",
                    "FROM {groups_members} gm WHERE"
                )
            ));
            self.log_ungrouped(bind_all(query(sql), chunk).bind(courseid), DOING)
                .await?;
            let sql = self.dialect.sql(&format!("DELETE {in_course}"));
            bind_all(query(sql), chunk)
                .bind(courseid)
                .execute(&mut *self.transaction)
                .await
                .doing(DOING)?;
            self.touch_groups(&emptied, now).await?;
        }
        Ok(())
    }
}
