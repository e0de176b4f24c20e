//! Making an enrolment plan's writes in the file's transaction, as Moodle's APIs would:
//! `groups_create_group`, `groups_remove_member`, `role_unassign`, `unenrol_user`,
//! `enrol_user`, `update_user_enrol`, `role_assign`, `groups_add_member`. Rows of one kind are
//! written together, in multi-row statements; each write notes what it changes for Moodle's
//! caches and the event Moodle would log. See docs/enrolment-files.md.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::any::AnyRow;

use crate::command::enrolment::{
    AssignmentWrite, Cleared, EnrolmentWrite, GroupRef, MemberWrite, NewGroup, Writes,
};
use crate::db::{
    DbError, Touched, Tx,
    journal::{Event, Kind, Place, assigned_other, enrol_other, member_other, unassigned_other},
    main_admin,
    sql::{
        CHUNK, Context, INSERT_ROWS, bind_all, insert_id, int, placeholders, query,
        row_placeholders, text,
    },
};

impl Tx {
    /// Carries out an enrolment plan's writes and returns what they touched: the users whose
    /// access Moodle must reload.
    pub async fn apply_enrolment_writes(
        &mut self,
        writes: &Writes,
        now: i64,
    ) -> Result<Touched, DbError> {
        let mut touched = Touched::default();
        if writes.is_empty() {
            return Ok(touched);
        }
        let admin = main_admin(
            self.config_values(&["siteadmins"])
                .await?
                .get("siteadmins")
                .map(String::as_str),
        );
        let mut groups = Vec::new();
        for group in &writes.groups {
            debug_assert_eq!(group.slot, groups.len());
            groups.push(self.create_course_group(group, now).await?);
        }
        let group_id = |group: GroupRef| match group {
            GroupRef::Existing(id) => id,
            GroupRef::New(slot) => groups[slot],
        };
        self.remove_members(&writes.members_removed, &group_id, now)
            .await?;
        self.unassign_roles(&writes.unassigned, &mut touched)
            .await?;
        self.unenrol_users(&writes.unenrolled, &writes.cleared, &mut touched)
            .await?;
        self.enrol_users(&writes.enrolled, admin, now).await?;
        self.update_enrolments(&writes.changed, admin, now, &mut touched)
            .await?;
        self.assign_roles_by_hand(&writes.assigned, admin, now, &mut touched)
            .await?;
        self.add_members(&writes.members_added, &group_id, now)
            .await?;
        self.clear_subcontexts(&writes.cleared, &mut touched)
            .await?;
        Ok(touched)
    }

    /// `groups_create_group`: a group of a course and a name; returns its id.
    async fn create_course_group(&mut self, group: &NewGroup, now: i64) -> Result<i64, DbError> {
        // `visibility` and `participation` keep their defaults (0 and 1), as Moodle stores them.
        let statement = query(self.dialect.insert_returning_id(
            "INSERT INTO {groups} (courseid, idnumber, name, descriptionformat, picture, \
             timecreated, timemodified) VALUES (?, '', ?, 0, 0, ?, ?)",
        ))
        .bind(group.courseid)
        .bind(group.name.clone())
        .bind(now)
        .bind(now);
        let id = insert_id(self, statement).await?;
        self.caches.group_created(group.courseid);
        self.journal.push(Event {
            kind: Kind::GroupCreated,
            place: Place::Course(group.courseid),
            objectid: Some(id),
            relateduserid: None,
            other: None,
        });
        Ok(id)
    }

    /// `groups_remove_member` for each membership.
    async fn remove_members(
        &mut self,
        members: &[MemberWrite],
        group_id: &impl Fn(GroupRef) -> i64,
        now: i64,
    ) -> Result<(), DbError> {
        if members.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = members.iter().filter_map(|member| member.id).collect();
        self.delete_ids("groups_members", &ids, "removing group members")
            .await?;
        let mut touched_groups = BTreeSet::new();
        for member in members {
            let group = group_id(member.group);
            touched_groups.insert(group);
            self.journal.push(Event {
                kind: Kind::GroupMemberRemoved,
                place: Place::Course(member.courseid),
                objectid: Some(group),
                relateduserid: Some(member.userid),
                other: None,
            });
        }
        self.caches
            .members_changed(members.iter().map(|member| member.userid));
        let touched_groups: Vec<i64> = touched_groups.into_iter().collect();
        self.touch_groups(&touched_groups, now).await
    }

    /// `role_unassign` for each assignment (dirty users).
    async fn unassign_roles(
        &mut self,
        assignments: &[AssignmentWrite],
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let ids: Vec<i64> = assignments.iter().filter_map(|row| row.id).collect();
        self.delete_ids("role_assignments", &ids, "unassigning roles")
            .await?;
        for row in assignments {
            self.journal.push(Event {
                kind: Kind::RoleUnassigned,
                place: Place::Context(row.contextid),
                objectid: Some(row.roleid),
                relateduserid: Some(row.userid),
                other: Some(unassigned_other(
                    row.id.unwrap_or(0),
                    &row.component,
                    row.itemid,
                )),
            });
            self.caches.course_role_changed(row.roleid, row.courseid);
            touched.dirty_users.insert(row.userid);
        }
        Ok(())
    }

    /// `unenrol_user`'s deletion of each enrolment (its roles and memberships went before).
    async fn unenrol_users(
        &mut self,
        enrolments: &[EnrolmentWrite],
        cleared: &[Cleared],
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        if enrolments.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = enrolments.iter().filter_map(|row| row.id).collect();
        let last: BTreeSet<(i64, i64)> = cleared
            .iter()
            .map(|cleared| (cleared.courseid, cleared.userid))
            .collect();
        for row in self
            .enrolment_rows_by_id(&ids, "reading enrolments to delete")
            .await?
        {
            let lastenrol = last.contains(&(row.courseid, row.userid));
            self.journal.push(row.deleted(lastenrol));
        }
        self.delete_ids("user_enrolments", &ids, "unenrolling users")
            .await?;
        for row in enrolments {
            self.caches.enrolments_changed(row.courseid);
            touched.dirty_users.insert(row.userid);
        }
        Ok(())
    }

    /// `enrol_user` for each new enrolment: active or not, its dates, the main
    /// administrator as the modifier.
    async fn enrol_users(
        &mut self,
        enrolments: &[EnrolmentWrite],
        admin: i64,
        now: i64,
    ) -> Result<(), DbError> {
        for chunk in enrolments.chunks(INSERT_ROWS) {
            let sql = self.dialect.sql(&format!(
                "INSERT INTO {{user_enrolments}} (enrolid, userid, status, timestart, timeend, \
                 modifierid, timecreated, timemodified) VALUES {}",
                row_placeholders(chunk.len(), 8)
            ));
            let mut statement = query(sql);
            for row in chunk {
                statement = statement
                    .bind(row.enrolid)
                    .bind(row.userid)
                    .bind(row.status)
                    .bind(row.start)
                    .bind(row.end)
                    .bind(admin)
                    .bind(now)
                    .bind(now);
            }
            statement
                .execute(&mut *self.transaction)
                .await
                .doing("enrolling users")?;
            if self.journal.on() {
                let ids = self
                    .ids_of(
                        "SELECT id, enrolid, userid FROM {user_enrolments}",
                        "enrolid",
                        chunk.iter().map(|row| (row.enrolid, row.userid)),
                        "reading new enrolments",
                    )
                    .await?;
                for row in chunk {
                    self.journal.push(Event {
                        kind: Kind::UserEnrolmentCreated,
                        place: Place::Course(row.courseid),
                        objectid: ids.get(&(row.enrolid, row.userid)).copied(),
                        relateduserid: Some(row.userid),
                        other: Some(enrol_other(&row.enrol)),
                    });
                }
            }
        }
        for row in enrolments {
            self.caches.enrolments_changed(row.courseid);
        }
        Ok(())
    }

    /// `update_user_enrol` for each changed enrolment (status, dates); a new status makes the
    /// user reload their access.
    async fn update_enrolments(
        &mut self,
        enrolments: &[EnrolmentWrite],
        admin: i64,
        now: i64,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        // Enrolments given the same values are changed together, a chunk of ids at a time.
        let mut alike: BTreeMap<(i64, i64, i64), Vec<i64>> = BTreeMap::new();
        for row in enrolments {
            let Some(id) = row.id else { continue };
            alike
                .entry((row.status, row.start, row.end))
                .or_default()
                .push(id);
        }
        for ((status, start, end), ids) in alike {
            for chunk in ids.chunks(CHUNK) {
                let sql = self.dialect.sql(&format!(
                    "UPDATE {{user_enrolments}} SET status = ?, timestart = ?, timeend = ?, \
                     modifierid = ?, timemodified = ? WHERE id IN ({})",
                    placeholders(chunk.len())
                ));
                bind_all(
                    query(sql)
                        .bind(status)
                        .bind(start)
                        .bind(end)
                        .bind(admin)
                        .bind(now),
                    chunk,
                )
                .execute(&mut *self.transaction)
                .await
                .doing("updating enrolments")?;
            }
        }
        for row in enrolments {
            self.journal.push(Event {
                kind: Kind::UserEnrolmentUpdated,
                place: Place::Course(row.courseid),
                objectid: row.id,
                relateduserid: Some(row.userid),
                other: Some(enrol_other(&row.enrol)),
            });
            self.caches.enrolments_changed(row.courseid);
            if row.status_changed {
                touched.dirty_users.insert(row.userid);
            }
        }
        Ok(())
    }

    /// `role_assign` by hand (component `''`, item 0) for each new assignment (dirty users).
    async fn assign_roles_by_hand(
        &mut self,
        assignments: &[AssignmentWrite],
        admin: i64,
        now: i64,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        for chunk in assignments.chunks(INSERT_ROWS) {
            let sql = self.dialect.sql(&format!(
                "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, \
                 modifierid, component, itemid, sortorder) VALUES {}",
                row_placeholders(chunk.len(), 8)
            ));
            let mut statement = query(sql);
            for row in chunk {
                statement = statement
                    .bind(row.roleid)
                    .bind(row.contextid)
                    .bind(row.userid)
                    .bind(now)
                    .bind(admin)
                    .bind(row.component.clone())
                    .bind(row.itemid)
                    .bind(0_i64);
            }
            statement
                .execute(&mut *self.transaction)
                .await
                .doing("assigning roles")?;
            if self.journal.on() {
                let ids = self
                    .assignment_ids(chunk, "reading new role assignments")
                    .await?;
                for row in chunk {
                    let id = ids
                        .get(&(row.contextid, row.userid, row.roleid))
                        .copied()
                        .unwrap_or(0);
                    self.journal.push(Event {
                        kind: Kind::RoleAssigned,
                        place: Place::Context(row.contextid),
                        objectid: Some(row.roleid),
                        relateduserid: Some(row.userid),
                        other: Some(assigned_other(id, &row.component, row.itemid)),
                    });
                }
            }
        }
        for row in assignments {
            self.caches.course_role_changed(row.roleid, row.courseid);
            touched.dirty_users.insert(row.userid);
        }
        Ok(())
    }

    /// `groups_add_member` by hand (component `''`, item 0) for each new membership.
    async fn add_members(
        &mut self,
        members: &[MemberWrite],
        group_id: &impl Fn(GroupRef) -> i64,
        now: i64,
    ) -> Result<(), DbError> {
        let mut touched_groups = BTreeSet::new();
        for chunk in members.chunks(INSERT_ROWS) {
            let sql = self.dialect.sql(&format!(
                "INSERT INTO {{groups_members}} (groupid, userid, timeadded, component, itemid) \
                 VALUES {}",
                row_placeholders(chunk.len(), 5)
            ));
            let mut statement = query(sql);
            for member in chunk {
                statement = statement
                    .bind(group_id(member.group))
                    .bind(member.userid)
                    .bind(now)
                    .bind(member.component.clone())
                    .bind(member.itemid);
            }
            statement
                .execute(&mut *self.transaction)
                .await
                .doing("adding group members")?;
        }
        for member in members {
            let group = group_id(member.group);
            touched_groups.insert(group);
            self.journal.push(Event {
                kind: Kind::GroupMemberAdded,
                place: Place::Course(member.courseid),
                objectid: Some(group),
                relateduserid: Some(member.userid),
                other: member_other(&member.component, member.itemid),
            });
        }
        if !members.is_empty() {
            self.caches
                .members_changed(members.iter().map(|member| member.userid));
        }
        let touched_groups: Vec<i64> = touched_groups.into_iter().collect();
        self.touch_groups(&touched_groups, now).await
    }

    /// The last enrolment in a course gone: the user's role assignments in the course's
    /// sub-contexts go too (`role_unassign_all` with sub-contexts).
    async fn clear_subcontexts(
        &mut self,
        cleared: &[Cleared],
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let doing = "unassigning roles in a course's activities";
        let mut by_course: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for course in cleared {
            by_course
                .entry(course.context)
                .or_default()
                .push(course.userid);
        }
        let below = self.dialect.concat("course.path", "'/%'");
        for (context, users) in by_course {
            for chunk in users.chunks(CHUNK) {
                let select = self.dialect.sql(&format!(
                    "SELECT ra.id, ra.roleid, ra.contextid, ra.component, ra.itemid, ra.userid \
                     FROM {{role_assignments}} ra JOIN {{context}} ctx ON ctx.id = ra.contextid \
                     JOIN {{context}} course ON course.id = ? \
                     WHERE ra.userid IN ({}) AND ctx.path LIKE {below}",
                    placeholders(chunk.len())
                ));
                let rows = bind_all(query(select).bind(context), chunk)
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?;
                let mut ids = Vec::new();
                for row in &rows {
                    let id = int(row, 0).doing(doing)?;
                    let user = int(row, 5).doing(doing)?;
                    ids.push(id);
                    self.journal.push(Event {
                        kind: Kind::RoleUnassigned,
                        place: Place::Context(int(row, 2).doing(doing)?),
                        objectid: Some(int(row, 1).doing(doing)?),
                        relateduserid: Some(user),
                        other: Some(unassigned_other(
                            id,
                            &text(row, 3).doing(doing)?,
                            int(row, 4).doing(doing)?,
                        )),
                    });
                    touched.dirty_users.insert(user);
                }
                self.delete_ids("role_assignments", &ids, doing).await?;
            }
        }
        Ok(())
    }

    /// The ids of the rows `select` reads (`id`, `column`, `userid`) for `pairs` of
    /// (`column` value, user), by pair.
    async fn ids_of(
        &mut self,
        select: &str,
        column: &'static str,
        pairs: impl Iterator<Item = (i64, i64)>,
        doing: &'static str,
    ) -> Result<HashMap<(i64, i64), i64>, DbError> {
        let mut by_key: HashMap<i64, Vec<i64>> = HashMap::new();
        for (key, user) in pairs {
            by_key.entry(key).or_default().push(user);
        }
        let mut ids = HashMap::new();
        for (key, users) in by_key {
            for chunk in users.chunks(CHUNK) {
                let sql = self.dialect.sql(&format!(
                    "{select} WHERE {column} = ? AND userid IN ({})",
                    placeholders(chunk.len())
                ));
                let rows: Vec<AnyRow> = bind_all(query(sql).bind(key), chunk)
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?;
                for row in rows {
                    ids.insert(
                        (int(&row, 1).doing(doing)?, int(&row, 2).doing(doing)?),
                        int(&row, 0).doing(doing)?,
                    );
                }
            }
        }
        Ok(ids)
    }

    /// The ids of the hand-given assignments `chunk` just inserted, by (context, user, role).
    async fn assignment_ids(
        &mut self,
        chunk: &[AssignmentWrite],
        doing: &'static str,
    ) -> Result<HashMap<(i64, i64, i64), i64>, DbError> {
        let mut ids = HashMap::new();
        let mut by_context: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in chunk {
            by_context
                .entry(row.contextid)
                .or_default()
                .push(row.userid);
        }
        for (context, mut users) in by_context {
            users.sort_unstable();
            users.dedup();
            let sql = self.dialect.sql(&format!(
                "SELECT id, userid, roleid FROM {{role_assignments}} WHERE contextid = ? \
                 AND component = '' AND itemid = 0 AND userid IN ({})",
                placeholders(users.len())
            ));
            for row in bind_all(query(sql).bind(context), &users)
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                ids.insert(
                    (
                        context,
                        int(&row, 1).doing(doing)?,
                        int(&row, 2).doing(doing)?,
                    ),
                    int(&row, 0).doing(doing)?,
                );
            }
        }
        Ok(ids)
    }
}
