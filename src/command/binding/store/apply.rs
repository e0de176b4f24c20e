//! Applying a binding plan's writes inside the file's transaction, as Moodle's enrolment API
//! would (`enrol_cohort_plugin::add_instance`, `update_instance`, `update_status`,
//! `enrol_plugin::delete_instance`, `groups_create_group`): see docs/moodle-database.md. A
//! method's deletion is in `deletion`.

use crate::command::binding::{BindingOp, GroupRef, InstanceChanges, InstanceRef, NewInstance};
use crate::db::{
    DbError, Touched, Tx,
    journal::{Event, Kind, Place, enrol_other},
    sql::{Context, bind_all, insert_id, int, query, text},
};

impl Tx {
    /// Carries out a binding plan's writes, in order, and returns what they touched: the
    /// methods created or changed (whose enrolments follow), and the users and contexts whose
    /// access Moodle must reload.
    pub async fn apply_binding_ops(
        &mut self,
        ops: &[BindingOp],
        now: i64,
    ) -> Result<Touched, DbError> {
        let mut created = Created::default();
        let mut touched = Touched::default();
        for op in ops {
            match op {
                BindingOp::CreateGroup {
                    slot,
                    courseid,
                    name,
                } => {
                    debug_assert_eq!(*slot, created.groups.len());
                    let id = self.create_group(*courseid, name, now).await?;
                    created.groups.push(id);
                }
                BindingOp::CreateInstance { slot, instance } => {
                    debug_assert_eq!(*slot, created.instances.len());
                    let group = created.group(&instance.group);
                    let id = self.create_instance(instance, group, now).await?;
                    created.instances.push(id);
                    touched.instances.insert(id);
                }
                BindingOp::UpdateInstance { instance, changes } => {
                    let id = created.instance(instance);
                    let group = changes.group.as_ref().map(|group| created.group(group));
                    self.update_instance(id, changes, group, now, &mut touched)
                        .await?;
                }
                BindingOp::DeleteInstance {
                    instance,
                    enrol,
                    courseid,
                } => {
                    let id = created.instance(instance);
                    touched.instances.remove(&id);
                    self.delete_instance(id, enrol, *courseid, now, &mut touched)
                        .await?;
                }
            }
        }
        Ok(touched)
    }

    /// Inserts a course group and logs `group_created`; returns its id.
    async fn create_group(&mut self, courseid: i64, name: &str, now: i64) -> Result<i64, DbError> {
        // As `groups_create_group` stores a group made of a course and a name;
        // `visibility` and `participation` (Moodle 4.2 and later) keep their
        // defaults, 0 and 1, which is what it stores, and older sites lack them.
        let statement = query(self.dialect.insert_returning_id(
            "INSERT INTO {groups} (courseid, idnumber, name, descriptionformat, picture, \
             timecreated, timemodified) VALUES (?, '', ?, 0, 0, ?, ?)",
        ))
        .bind(courseid)
        .bind(name.to_owned())
        .bind(now)
        .bind(now);
        let id = insert_id(self, statement).await?;
        self.caches.group_created(courseid);
        self.journal.push(Event {
            kind: Kind::GroupCreated,
            place: Place::Course(courseid),
            objectid: Some(id),
            relateduserid: None,
            other: None,
        });
        Ok(id)
    }

    /// Inserts an enrolment method with group `group` (0: none), and logs
    /// `enrol_instance_created`; returns its id.
    async fn create_instance(
        &mut self,
        instance: &NewInstance,
        group: i64,
        now: i64,
    ) -> Result<i64, DbError> {
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
        self.journal.push(Event {
            kind: Kind::EnrolInstanceCreated,
            place: Place::Course(instance.courseid),
            objectid: Some(id),
            relateduserid: None,
            other: Some(enrol_other(&instance.enrol)),
        });
        Ok(id)
    }

    /// Changes enrolment method `id` (`group`: its new group's id, 0 for none) and bumps its
    /// `timemodified`, and logs `enrol_instance_updated`. A new status makes the course's
    /// users reload their access.
    async fn update_instance(
        &mut self,
        id: i64,
        changes: &InstanceChanges,
        group: Option<i64>,
        now: i64,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        let mut assignments = Vec::new();
        let mut values = Vec::new();
        for (column, value) in [
            ("status", changes.status),
            ("customint2", group),
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
        Ok(())
    }
}

/// The ids of the rows a plan's writes created so far, that later ops name by their slot.
#[derive(Default)]
struct Created {
    /// Groups, by `GroupRef::New` slot.
    groups: Vec<i64>,
    /// Enrolment methods, by `InstanceRef::New` slot.
    instances: Vec<i64>,
}

impl Created {
    /// The id of the group `group` names; 0 for none.
    fn group(&self, group: &Option<GroupRef>) -> i64 {
        match group {
            None => 0,
            Some(GroupRef::Existing(id)) => *id,
            Some(GroupRef::New(slot)) => self.groups[*slot],
        }
    }

    /// The id of the method `instance` names.
    fn instance(&self, instance: &InstanceRef) -> i64 {
        match instance {
            InstanceRef::Existing(id) => *id,
            InstanceRef::New(slot) => self.instances[*slot],
        }
    }
}
