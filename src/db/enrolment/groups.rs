//! Step 6 of Moodle's cohort sync for one method, `groups_sync_with_enrolment()`: the
//! memberships it gave in another group than its own removed, and its enrolled users added
//! to its group.

use std::collections::BTreeSet;

use super::{
    follow::{COMPONENT, Instance},
    site::SiteSettings,
};
use crate::{
    db::{
        DbError, Tx,
        database::{Context, int, query},
        dialect::row_placeholders,
        journal::{Event, Kind, Place, member_other},
        sql::INSERT_ROWS,
    },
    outcome::{CourseEnrolments, UnenrolAction},
};

impl Tx {
    /// The memberships the method gave its enrolled users in another group of the course
    /// than its own `group` go.
    pub(super) async fn remove_misplaced_members(
        &mut self,
        instance: &Instance,
        group: i64,
        now: i64,
        course: &mut CourseEnrolments,
    ) -> Result<(), DbError> {
        let sql = self.dialect.sql(
            "SELECT gm.id, gm.groupid, gm.userid FROM {groups_members} gm \
             JOIN {groups} g ON g.id = gm.groupid AND g.courseid = ? \
             JOIN {user_enrolments} ue ON ue.enrolid = ? AND ue.userid = gm.userid \
             WHERE gm.component = ? AND gm.itemid = ? AND gm.groupid <> ?",
        );
        let rows = query(sql)
            .bind(instance.courseid)
            .bind(instance.id)
            .bind(COMPONENT)
            .bind(instance.id)
            .bind(group)
            .fetch_all(&mut *self.transaction)
            .await
            .doing("regrouping")?;
        let mut misplaced = Vec::new();
        let mut groups = BTreeSet::new();
        let mut members = Vec::new();
        for row in rows {
            misplaced.push(int(&row, 0).doing("regrouping")?);
            let (group, member) = (
                int(&row, 1).doing("regrouping")?,
                int(&row, 2).doing("regrouping")?,
            );
            groups.insert(group);
            members.push(member);
            self.journal.push(Event {
                kind: Kind::GroupMemberRemoved,
                place: Place::Course(instance.courseid),
                objectid: Some(group),
                relateduserid: Some(member),
                other: None,
            });
        }
        self.caches.members_changed(members);
        self.delete_ids("groups_members", &misplaced, "regrouping")
            .await?;
        course.group_members_removed += misplaced.len();
        self.touch_groups(&groups.into_iter().collect::<Vec<_>>(), now)
            .await?;
        Ok(())
    }

    /// Every enrolment of the method (any status; under the unenrol action, only those of
    /// current members, the others being gone by then) joins its `group`, if that group is
    /// one of the course's.
    pub(super) async fn add_group_members(
        &mut self,
        instance: &Instance,
        group: i64,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
    ) -> Result<(), DbError> {
        let members_only = if site.unenrol_action == UnenrolAction::Unenrol {
            "JOIN {cohort_members} cm ON cm.cohortid = ? AND cm.userid = ue.userid "
        } else {
            ""
        };
        let sql = self.dialect.sql(&format!(
            "SELECT ue.userid, {} FROM {{user_enrolments}} ue JOIN {{user}} u ON u.id = ue.userid \
             JOIN {{groups}} g ON g.id = ? AND g.courseid = ? {members_only}\
             LEFT JOIN {{groups_members}} gm ON gm.groupid = g.id AND gm.userid = ue.userid \
             WHERE ue.enrolid = ? AND gm.id IS NULL ORDER BY ue.userid",
            self.dialect.int("u.deleted")
        ));
        let mut statement = query(sql).bind(group).bind(instance.courseid);
        if !members_only.is_empty() {
            statement = statement.bind(instance.cohort);
        }
        let users = self
            .live_users(statement.bind(instance.id), "finding missing group members")
            .await?;
        // Insert-or-ignore: a membership Moodle made meanwhile is not an error.
        let mut added = 0;
        for chunk in users.chunks(INSERT_ROWS) {
            let sql = self.dialect.insert_ignore(&format!(
                "{{groups_members}} (groupid, userid, timeadded, component, itemid) VALUES {}",
                row_placeholders(chunk.len(), 5)
            ));
            let mut statement = query(sql);
            for user in chunk {
                statement = statement
                    .bind(group)
                    .bind(*user)
                    .bind(now)
                    .bind(COMPONENT)
                    .bind(instance.id);
            }
            added += statement
                .execute(&mut *self.transaction)
                .await
                .doing("adding group members")?
                .rows_affected();
        }
        if added > 0 {
            self.journal.push_each(
                Kind::GroupMemberAdded,
                Place::Course(instance.courseid),
                Some(group),
                users.iter().copied(),
                member_other(COMPONENT, instance.id).as_deref(),
            );
            self.touch_groups(&[group], now).await?;
            // Insert-or-ignore does not say which rows it skipped: a user Moodle added
            // meanwhile has their key dropped too, which only costs Moodle a read.
            self.caches.members_changed(users.iter().copied());
        }
        course.group_members_added += usize::try_from(added).unwrap_or(0);
        Ok(())
    }
}
