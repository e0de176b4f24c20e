//! Cohort-to-course bindings in the database: reading the courses, cohorts, roles, enrolment
//! methods and groups a binding file refers to, and applying its writes as Moodle's enrolment
//! API would (`enrol_cohort_plugin::add_instance`, `update_instance`, `update_status`,
//! `enrol_plugin::delete_instance`, `groups_create_group`): see docs/moodle-database.md.

use std::collections::{BTreeSet, HashMap};

use crate::command::{
    binding::{
        BindingOp, CourseRow, GroupRef, GroupRow, InstanceRef, InstanceRow, RoleRow, Snapshot,
        Wanted,
    },
    dates::SiteZone,
    refs::{CohortIdentifier, CourseIdentifier},
};
use crate::db::{
    DbError, Touched, Tx,
    journal::{Event, Kind, Place, enrol_other},
    sql::{
        CHUNK, Context, Keys, bind_all, insert_id, int, optional_int, placeholders, query, set_vec,
        text,
    },
};

impl Tx {
    /// Reads every row `wanted` refers to. The enrolment methods of the courses read are
    /// locked until the file's transaction ends.
    pub async fn binding_snapshot(
        &mut self,
        wanted: &Wanted,
        courses_by: CourseIdentifier,
        cohorts_by: CohortIdentifier,
    ) -> Result<Snapshot, DbError> {
        let select = "SELECT id, shortname, idnumber FROM {course}";
        let course_ids: Vec<i64> = wanted.course_ids.iter().copied().collect();
        let course_keys = set_vec(&wanted.course_keys);
        let (column, keys) = match courses_by {
            CourseIdentifier::Id => ("id", Keys::Ids(&course_ids)),
            CourseIdentifier::Idnumber => ("idnumber", Keys::Texts(&course_keys)),
            CourseIdentifier::Shortname => ("shortname", Keys::Texts(&course_keys)),
        };
        let mut courses = Vec::new();
        for row in self
            .select_in(select, column, keys, " ORDER BY id", "reading courses")
            .await?
        {
            courses.push(CourseRow {
                id: int(&row, 0).doing("reading courses")?,
                shortname: text(&row, 1).doing("reading courses")?,
                idnumber: text(&row, 2).doing("reading courses")?,
            });
        }
        courses.sort_by_key(|course| course.id);
        courses.dedup_by_key(|course| course.id);

        let cohort_ids: Vec<i64> = wanted.cohort_ids.iter().copied().collect();
        let cohort_keys = set_vec(&wanted.cohort_keys);
        let none: &[String] = &[];
        let cohorts = match cohorts_by {
            CohortIdentifier::Id => self.read_cohorts(&cohort_ids, none, none).await?,
            CohortIdentifier::Idnumber => self.read_cohorts(&[], none, &cohort_keys).await?,
            CohortIdentifier::Name => self.read_cohorts(&[], &cohort_keys, none).await?,
        };

        let mut roles = Vec::new();
        let sql = self
            .dialect
            .sql("SELECT id, shortname FROM {role} ORDER BY id");
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing("reading roles")?
        {
            roles.push(RoleRow {
                id: int(&row, 0).doing("reading roles")?,
                shortname: text(&row, 1).doing("reading roles")?,
            });
        }

        let ids: Vec<i64> = courses.iter().map(|course| course.id).collect();
        let select = "SELECT id, enrol, status, courseid, sortorder, roleid, customint1, customint2, \
                      enrolstartdate, enrolenddate FROM {enrol}";
        let lock = format!(" ORDER BY id{}", self.dialect.lock_rows());
        let mut instances = Vec::new();
        for row in self
            .select_in(
                select,
                "courseid",
                Keys::Ids(&ids),
                &lock,
                "reading enrolment methods",
            )
            .await?
        {
            let doing = "reading enrolment methods";
            instances.push(InstanceRow {
                id: int(&row, 0).doing(doing)?,
                enrol: text(&row, 1).doing(doing)?,
                status: int(&row, 2).doing(doing)?,
                courseid: int(&row, 3).doing(doing)?,
                sortorder: int(&row, 4).doing(doing)?,
                roleid: optional_int(&row, 5).doing(doing)?.unwrap_or(0),
                cohort: optional_int(&row, 6).doing(doing)?,
                group: optional_int(&row, 7).doing(doing)?,
                start: optional_int(&row, 8).doing(doing)?.unwrap_or(0),
                end: optional_int(&row, 9).doing(doing)?.unwrap_or(0),
                enrolments: 0,
            });
        }
        instances.sort_by_key(|instance| instance.id);
        let instance_ids: Vec<i64> = instances.iter().map(|instance| instance.id).collect();
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for row in self
            .select_in(
                "SELECT enrolid, COUNT(*) FROM {user_enrolments}",
                "enrolid",
                Keys::Ids(&instance_ids),
                " GROUP BY enrolid",
                "counting enrolments",
            )
            .await?
        {
            let count = int(&row, 1).doing("counting enrolments")?;
            counts.insert(
                int(&row, 0).doing("counting enrolments")?,
                usize::try_from(count).unwrap_or(0),
            );
        }
        for instance in &mut instances {
            instance.enrolments = counts.get(&instance.id).copied().unwrap_or(0);
        }

        let mut groups = Vec::new();
        for row in self
            .select_in(
                "SELECT id, courseid, name FROM {groups}",
                "courseid",
                Keys::Ids(&ids),
                " ORDER BY id",
                "reading groups",
            )
            .await?
        {
            groups.push(GroupRow {
                id: int(&row, 0).doing("reading groups")?,
                courseid: int(&row, 1).doing("reading groups")?,
                name: text(&row, 2).doing("reading groups")?,
            });
        }
        groups.sort_by_key(|group| group.id);

        Ok(Snapshot {
            courses,
            cohorts,
            roles,
            instances,
            groups,
            zone: SiteZone::from_config(&self.config_values(&SiteZone::SETTINGS).await?),
        })
    }

    /// Carries out a binding plan's writes, in order, and returns what they touched: the
    /// methods created or changed (whose enrolments follow), and the users and contexts whose
    /// access Moodle must reload.
    pub async fn apply_binding_ops(
        &mut self,
        ops: &[BindingOp],
        now: i64,
    ) -> Result<Touched, DbError> {
        let mut groups: Vec<i64> = Vec::new();
        let mut instances: Vec<i64> = Vec::new();
        let mut touched = Touched::default();
        for op in ops {
            let group_id = |group: &Option<GroupRef>| match group {
                None => 0,
                Some(GroupRef::Existing(id)) => *id,
                Some(GroupRef::New(slot)) => groups[*slot],
            };
            let instance_id = |instance: &InstanceRef| match instance {
                InstanceRef::Existing(id) => *id,
                InstanceRef::New(slot) => instances[*slot],
            };
            match op {
                BindingOp::CreateGroup {
                    slot,
                    courseid,
                    name,
                } => {
                    debug_assert_eq!(*slot, groups.len());
                    // As `groups_create_group` stores a group made of a course and a name;
                    // `visibility` and `participation` (Moodle 4.2 and later) keep their
                    // defaults, 0 and 1, which is what it stores, and older sites lack them.
                    let statement = query(self.dialect.insert_returning_id(
                        "INSERT INTO {groups} (courseid, idnumber, name, descriptionformat, picture, \
                         timecreated, timemodified) VALUES (?, '', ?, 0, 0, ?, ?)",
                    ))
                    .bind(*courseid)
                    .bind(name.clone())
                    .bind(now)
                    .bind(now);
                    let id = insert_id(self, statement).await?;
                    groups.push(id);
                    self.caches.group_created(*courseid);
                    self.journal.push(Event {
                        kind: Kind::GroupCreated,
                        place: Place::Course(*courseid),
                        objectid: Some(id),
                        relateduserid: None,
                        other: None,
                    });
                }
                BindingOp::CreateInstance { slot, instance } => {
                    debug_assert_eq!(*slot, instances.len());
                    let group = group_id(&instance.group);
                    // As `enrol_plugin::add_instance` stores it: the sort order was planned as
                    // the course's last + 1; `name` stays NULL and the periods 0.
                    let statement = query(self.dialect.insert_returning_id(
                        "INSERT INTO {enrol} (enrol, status, courseid, sortorder, enrolstartdate, enrolenddate, roleid, \
                         customint1, customint2, timecreated, timemodified) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(instance.enrol.clone())
                    .bind(instance.courseid)
                    .bind(instance.sortorder)
                    .bind(instance.start)
                    .bind(instance.end)
                    .bind(instance.roleid)
                    .bind(instance.cohortid)
                    .bind(group)
                    .bind(now)
                    .bind(now);
                    let id = insert_id(self, statement).await?;
                    instances.push(id);
                    touched.instances.insert(id);
                    self.journal.push(Event {
                        kind: Kind::EnrolInstanceCreated,
                        place: Place::Course(instance.courseid),
                        objectid: Some(id),
                        relateduserid: None,
                        other: Some(enrol_other(&instance.enrol)),
                    });
                }
                BindingOp::UpdateInstance { instance, changes } => {
                    let id = instance_id(instance);
                    let mut assignments = Vec::new();
                    let mut values = Vec::new();
                    for (column, value) in [
                        ("status", changes.status),
                        ("customint2", changes.group.as_ref().map(group_id)),
                        ("enrolstartdate", changes.start),
                        ("enrolenddate", changes.end),
                    ] {
                        if let Some(value) = value {
                            assignments.push(format!("{column} = ?"));
                            values.push(value);
                        }
                    }
                    assignments.push("timemodified = ?".into());
                    values.push(now);
                    let sql = self.dialect.sql(&format!(
                        "UPDATE {{enrol}} SET {} WHERE id = ?",
                        assignments.join(", ")
                    ));
                    bind_all(query(sql), &values)
                        .bind(id)
                        .execute(&mut *self.transaction)
                        .await
                        .doing("updating an enrolment method")?;
                    touched.instances.insert(id);
                    if self.journal.on() {
                        let doing = "reading an enrolment method";
                        let sql = self
                            .dialect
                            .sql("SELECT courseid, enrol FROM {enrol} WHERE id = ?");
                        let row = query(sql)
                            .bind(id)
                            .fetch_one(&mut *self.transaction)
                            .await
                            .doing(doing)?;
                        self.journal.push(Event {
                            kind: Kind::EnrolInstanceUpdated,
                            place: Place::Course(int(&row, 0).doing(doing)?),
                            objectid: Some(id),
                            relateduserid: None,
                            other: Some(enrol_other(&text(&row, 1).doing(doing)?)),
                        });
                    }
                    if changes.status.is_some() {
                        // As `update_status()`: the course's users reload their access.
                        let sql = self.dialect.sql(
                            "SELECT ctx.path FROM {context} ctx JOIN {enrol} e ON e.courseid = ctx.instanceid \
                             WHERE ctx.contextlevel = 50 AND e.id = ?",
                        );
                        if let Some(row) = query(sql)
                            .bind(id)
                            .fetch_optional(&mut *self.transaction)
                            .await
                            .doing("reading a course context")?
                        {
                            touched
                                .dirty_contexts
                                .insert(text(&row, 0).doing("reading a course context")?);
                        }
                    }
                }
                BindingOp::DeleteInstance {
                    instance,
                    enrol,
                    courseid,
                } => {
                    let id = instance_id(instance);
                    touched.instances.remove(&id);
                    self.delete_instance(id, enrol, *courseid, now, &mut touched)
                        .await?;
                }
            }
        }
        Ok(touched)
    }

    /// Deletes an enrolment method the way `enrol_plugin::delete_instance` does: each user is
    /// unenrolled (the group memberships and role assignments the method gave go first, then
    /// the enrolment; for a user left with no enrolment in the course, every role assignment in
    /// the course and its sub-contexts and every group membership in the course go too), then
    /// the method's row. Users and the course context are marked dirty.
    async fn delete_instance(
        &mut self,
        id: i64,
        enrol: &str,
        courseid: i64,
        now: i64,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let doing = "deleting an enrolment method";
        let component = format!("enrol_{enrol}");
        let users = self
            .ids(
                query(
                    self.dialect
                        .sql("SELECT userid FROM {user_enrolments} WHERE enrolid = ?"),
                )
                .bind(id),
                doing,
            )
            .await?;

        // Memberships are looked for in the course's groups: no index serves a search by
        // component and item alone.
        let (member_groups, members) = self
            .group_members(
                query(self.dialect.sql(
                    "SELECT DISTINCT groupid, userid FROM {groups_members} WHERE component = ? AND itemid = ? \
                     AND groupid IN (SELECT id FROM {groups} WHERE courseid = ?)",
                ))
                .bind(component.clone())
                .bind(id)
                .bind(courseid),
                doing,
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
            .bind(component.clone())
            .bind(id),
            doing,
        )
        .await?;
        for chunk in member_groups.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "DELETE FROM {{groups_members}} WHERE component = ? AND itemid = ? AND groupid IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql).bind(component.clone()).bind(id), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
        }
        self.touch_groups(&member_groups, now).await?;
        let role_users = self
            .ids(
                query(self.dialect.sql(
                    "SELECT DISTINCT userid FROM {role_assignments} WHERE component = ? AND itemid = ?",
                ))
                .bind(component.clone())
                .bind(id),
                doing,
            )
            .await?;
        self.log_unassigned(
            query(self.dialect.sql(
                "SELECT id, userid, roleid, contextid, component, itemid FROM {role_assignments} \
                 WHERE component = ? AND itemid = ? ORDER BY userid, id",
            ))
            .bind(component.clone())
            .bind(id),
            doing,
        )
        .await?;
        let enrolments = self.enrolment_rows("enrolid", id, doing).await?;
        query(
            self.dialect
                .sql("DELETE FROM {role_assignments} WHERE component = ? AND itemid = ?"),
        )
        .bind(component)
        .bind(id)
        .execute(&mut *self.transaction)
        .await
        .doing(doing)?;
        query(
            self.dialect
                .sql("DELETE FROM {user_enrolments} WHERE enrolid = ?"),
        )
        .bind(id)
        .execute(&mut *self.transaction)
        .await
        .doing(doing)?;

        // Users with no enrolment left in the course lose the rest of their course presence.
        let mut still_enrolled = BTreeSet::new();
        for chunk in users.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "SELECT DISTINCT ue.userid FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
                 WHERE e.courseid = ? AND ue.userid IN ({})",
                placeholders(chunk.len())
            ));
            still_enrolled.extend(
                self.ids(bind_all(query(sql).bind(courseid), chunk), doing)
                    .await?,
            );
        }
        let gone: Vec<i64> = users
            .iter()
            .copied()
            .filter(|user| !still_enrolled.contains(user))
            .collect();
        let context = self.course_context(courseid).await?;
        if let Some((contextid, path)) = &context
            && !gone.is_empty()
        {
            // The course context and its sub-contexts (activities, blocks), read once.
            let mut contexts = self
                .ids(
                    query(
                        self.dialect
                            .sql("SELECT id FROM {context} WHERE path LIKE ?"),
                    )
                    .bind(format!("{path}/%")),
                    doing,
                )
                .await?;
            contexts.push(*contextid);
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
                    self.log_unassigned(bind_all(bind_all(query(sql), users), contexts), doing)
                        .await?;
                    let sql = self.dialect.sql(&format!("DELETE {which}"));
                    bind_all(bind_all(query(sql), users), contexts)
                        .execute(&mut *self.transaction)
                        .await
                        .doing(doing)?;
                }
            }
        }
        for chunk in gone.chunks(CHUNK) {
            let in_course = format!(
                "FROM {{groups_members}} WHERE userid IN ({}) AND groupid IN (SELECT id FROM {{groups}} WHERE courseid = ?)",
                placeholders(chunk.len())
            );
            let sql = self
                .dialect
                .sql(&format!("SELECT DISTINCT groupid, userid {in_course}"));
            let (emptied, members) = self
                .group_members(bind_all(query(sql), chunk).bind(courseid), doing)
                .await?;
            self.caches.members_changed(members);
            let sql = self.dialect.sql(&format!(
                "SELECT gm.groupid, gm.userid, {courseid} {} ORDER BY gm.userid, gm.groupid",
                in_course.replace(
                    "FROM {groups_members} WHERE",
                    "FROM {groups_members} gm WHERE"
                )
            ));
            self.log_ungrouped(bind_all(query(sql), chunk).bind(courseid), doing)
                .await?;
            let sql = self.dialect.sql(&format!("DELETE {in_course}"));
            bind_all(query(sql), chunk)
                .bind(courseid)
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
            self.touch_groups(&emptied, now).await?;
        }

        for enrolment in &enrolments {
            let event = enrolment.deleted(gone.contains(&enrolment.userid));
            self.journal.push(event);
        }
        query(self.dialect.sql("DELETE FROM {enrol} WHERE id = ?"))
            .bind(id)
            .execute(&mut *self.transaction)
            .await
            .doing(doing)?;
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
}
