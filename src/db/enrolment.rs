//! Course enrolments that follow cohorts: what Moodle's `enrol_cohort_sync` task does for
//! additions (its steps 2, 4 and 6), done at once for the enrolment methods a file touched,
//! with the rows Moodle's enrolment, role and group APIs write; what its removals (steps 3 and
//! 5) will do, counted for the report; and the access "dirty" flags that make logged-in users
//! see the change. See docs/moodle-database.md.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Any, any::AnyArguments, query::Query};

use super::{
    database::{Context, DbError, Tx, int, optional_int, query, text},
    dialect::{placeholders, row_placeholders},
    journal::{Event, Kind, Place, assigned_other, enrol_other, member_other},
    sql::{CHUNK, INSERT_ROWS, Keys, bind_all},
};
use crate::outcome::{
    CourseEnrolments, CourseLabel, EnrolmentMode, EnrolmentOutcome, Removals, UnenrolAction,
};

/// `role_assignments.component` and `groups_members.component` of what cohort sync gives.
const COMPONENT: &str = "enrol_cohort";
/// Moodle's `$CFG->sessiontimeout` default, in seconds.
const DEFAULT_SESSION_TIMEOUT: i64 = 28_800;
/// The main administrator's id on a fresh install.
const DEFAULT_ADMIN: i64 = 2;

/// The main administrator: the first of `$CFG->siteadmins`, as `get_admin()` reads it (a fresh
/// install's when the setting is missing). Moodle's cron runs as them.
pub(crate) fn main_admin(siteadmins: Option<&str>) -> i64 {
    siteadmins
        .and_then(|list| list.split(',').find_map(|id| id.trim().parse().ok()))
        .unwrap_or(DEFAULT_ADMIN)
}

/// What a file's writes touched, for the enrolments that follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Cohorts whose members changed, or that were deleted: every method bound to them.
    pub cohorts: BTreeSet<i64>,
    /// Enrolment methods created or changed.
    pub instances: BTreeSet<i64>,
    /// Users whose access Moodle must reload (`accesslib/dirtyusers`).
    pub dirty_users: BTreeSet<i64>,
    /// Context paths whose access Moodle must reload (`accesslib/dirtycontexts`).
    pub dirty_contexts: BTreeSet<String>,
    /// Users whose preferences were set or removed, whose sessions Moodle must reload them
    /// (`userpreferenceschanged`, as `mark_user_preferences_changed`).
    pub changed_preferences: BTreeSet<i64>,
}

/// The site settings enrolments depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSettings {
    /// `cohort` is in `$CFG->enrol_plugins_enabled`.
    pub cohort_enabled: bool,
    /// `enrol_cohort/unenrolaction`.
    pub unenrol_action: UnenrolAction,
    /// The main administrator (first of `$CFG->siteadmins`): Moodle's cron runs as them, so
    /// they are the `modifierid` of what its task writes.
    pub admin: i64,
    /// `$CFG->sessiontimeout`: how long a dirty flag must live.
    pub session_timeout: i64,
}

/// A `cohort` enrolment method in scope.
#[derive(Debug, Clone)]
struct Instance {
    id: i64,
    courseid: i64,
    shortname: String,
    enabled: bool,
    roleid: i64,
    cohort: i64,
    /// `customint2`: `None` when NULL (Moodle's group step then leaves the method alone).
    group: Option<i64>,
}

impl Tx {
    /// Reads the site settings enrolments depend on, with Moodle's defaults for missing rows.
    pub async fn site_settings(&mut self) -> Result<SiteSettings, DbError> {
        let doing = "reading the site's settings";
        let sql = self.dialect.sql(
            "SELECT name, value FROM {config} WHERE name IN ('enrol_plugins_enabled', 'siteadmins', 'sessiontimeout')",
        );
        let mut config = BTreeMap::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            config.insert(text(&row, 0).doing(doing)?, text(&row, 1).doing(doing)?);
        }
        let sql = self.dialect.sql(
            "SELECT value FROM {config_plugins} WHERE plugin = 'enrol_cohort' AND name = 'unenrolaction'",
        );
        let action = match query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            Some(row) => text(&row, 0).doing(doing)?.trim().parse().unwrap_or(0),
            None => 0,
        };
        Ok(SiteSettings {
            cohort_enabled: config
                .get("enrol_plugins_enabled")
                .is_some_and(|list| list.split(',').any(|plugin| plugin.trim() == "cohort")),
            unenrol_action: UnenrolAction::from_setting(action),
            admin: main_admin(config.get("siteadmins").map(String::as_str)),
            session_timeout: config
                .get("sessiontimeout")
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(DEFAULT_SESSION_TIMEOUT),
        })
    }

    /// Brings the `cohort` enrolment methods bound to the touched cohorts, and the touched
    /// methods, to the state Moodle's cohort sync would give them for additions (in
    /// `immediate` mode, on a site with cohort sync enabled), takes access away at once from
    /// those who lost it (`removals` suspend-now, same conditions), counts what Moodle's task
    /// will still do, and sets the cache flags (access dirty flags, changed preferences).
    /// `None` when the file touched no bound cohort.
    pub async fn follow_enrolments(
        &mut self,
        mut touched: Touched,
        mode: EnrolmentMode,
        removals: Removals,
        now: i64,
    ) -> Result<Option<EnrolmentOutcome>, DbError> {
        let site = self.site_settings().await?;
        let instances = self.instances_in_scope(&touched).await?;
        let mut courses: BTreeMap<i64, CourseEnrolments> = BTreeMap::new();
        let act = mode == EnrolmentMode::Immediate && site.cohort_enabled;
        for instance in &instances {
            let course = courses
                .entry(instance.courseid)
                .or_insert_with(|| CourseEnrolments {
                    course: CourseLabel {
                        id: instance.courseid,
                        shortname: instance.shortname.clone(),
                    },
                    enrolments_created: 0,
                    enrolments_reactivated: 0,
                    roles_assigned: 0,
                    group_members_added: 0,
                    group_members_removed: 0,
                    enrolments_suspended: 0,
                    roles_removed: 0,
                    pending_enrolments: 0,
                    pending_unenrolments: 0,
                    pending_role_removals: 0,
                });
            if act {
                // Removals first, as Moodle's sync runs its step 3 before its step 4: only
                // members with an active enrolment get the method's role.
                if removals == Removals::SuspendNow {
                    self.remove_access(instance, &site, now, course, &mut touched)
                        .await?;
                }
                self.enrol_instance(instance, &site, now, course, &mut touched)
                    .await?;
            } else if site.cohort_enabled && instance.enabled {
                course.pending_enrolments += self.missing_enrolments(instance).await?.len()
                    + self.suspended_members(instance).await?.len();
            }
            if site.cohort_enabled {
                self.count_removals(instance, site.unenrol_action, course)
                    .await?;
            }
        }
        self.set_flags("accesslib/dirtyusers", &touched.dirty_users, &site, now)
            .await?;
        self.set_flags(
            "accesslib/dirtycontexts",
            &touched.dirty_contexts,
            &site,
            now,
        )
        .await?;
        self.set_flags(
            "userpreferenceschanged",
            &touched.changed_preferences,
            &site,
            now,
        )
        .await?;
        if instances.is_empty() {
            return Ok(None);
        }
        Ok(Some(EnrolmentOutcome {
            mode,
            removals,
            plugin_enabled: site.cohort_enabled,
            unenrol_action: site.unenrol_action,
            courses: courses
                .into_values()
                .filter(|course| !course.is_empty())
                .collect(),
        }))
    }

    /// The `cohort` methods bound to a touched cohort, and the touched methods, by id. Methods
    /// on the site course (which `enrol_user()` refuses) are left out.
    async fn instances_in_scope(&mut self, touched: &Touched) -> Result<Vec<Instance>, DbError> {
        let select = "SELECT e.id, e.courseid, c.shortname, e.status, e.roleid, e.customint1, e.customint2 \
                      FROM {enrol} e JOIN {course} c ON c.id = e.courseid \
                      WHERE e.enrol = 'cohort' AND e.courseid <> 1 AND";
        let cohorts: Vec<i64> = touched.cohorts.iter().copied().collect();
        let ids: Vec<i64> = touched.instances.iter().copied().collect();
        let mut found = BTreeMap::new();
        for (column, keys) in [("e.customint1", &cohorts), ("e.id", &ids)] {
            for row in self
                .select_in(select, column, Keys::Ids(keys), "", "reading bound courses")
                .await?
            {
                let doing = "reading bound courses";
                let instance = Instance {
                    id: int(&row, 0).doing(doing)?,
                    courseid: int(&row, 1).doing(doing)?,
                    shortname: text(&row, 2).doing(doing)?,
                    enabled: int(&row, 3).doing(doing)? == 0,
                    roleid: optional_int(&row, 4).doing(doing)?.unwrap_or(0),
                    cohort: optional_int(&row, 5).doing(doing)?.unwrap_or(0),
                    group: optional_int(&row, 6).doing(doing)?,
                };
                found.insert(instance.id, instance);
            }
        }
        Ok(found.into_values().collect())
    }

    /// Steps 2, 4 and 6 of `enrol_cohort_sync` for one method.
    async fn enrol_instance(
        &mut self,
        instance: &Instance,
        site: &SiteSettings,
        now: i64,
        course: &mut CourseEnrolments,
        touched: &mut Touched,
    ) -> Result<(), DbError> {
        if instance.enabled {
            // Step 2: `enrol_user()` for members without an enrolment…
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
            // …and `update_user_enrol(ENROL_USER_ACTIVE)` for suspended ones (dirty users).
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

            // Step 4: `role_assign()` of the method's role to active enrolments (dirty users).
            // Moodle runs it after its step 3 has unenrolled or suspended the users who left
            // the cohort, so only current members get the role.
            if let Some(context) = self.role_context(instance).await? {
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
                    {
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
                }
                course.roles_assigned += users.len();
                if !users.is_empty() {
                    self.caches
                        .course_role_changed(instance.roleid, instance.courseid);
                }
                touched.dirty_users.extend(&users);
            }
        }

        // Step 6, `groups_sync_with_enrolment()`: memberships the method gave its enrolled
        // users in another group of the course than its own go…
        let Some(group) = instance.group else {
            return Ok(());
        };
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
        // …and every enrolment of the method (any status; under the unenrol action, only those
        // of current members, the others being gone by then) joins its group, if that group is
        // one of the course's.
        if group > 0 {
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
        }
        Ok(())
    }

    /// What removes access at once, as Moodle's observers do when a member leaves a bound
    /// cohort, a cohort is deleted or a method disabled, under the site's unenrol action:
    /// step 3 of Moodle's sync with "unenrol" read as "suspend" (the unenrolment itself, which
    /// deletes grades and group memberships, stays with Moodle's task, which still finds the
    /// user outside the cohort), then its step 5 (the method's roles of inactive enrolments,
    /// every role of a disabled method) unless the action keeps roles.
    async fn remove_access(
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
                other: Some(super::journal::unassigned_other(id, COMPONENT, instance.id)),
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

    /// Members of the method's cohort (not deleted) with no enrolment in it: step 2's first
    /// half.
    async fn missing_enrolments(&mut self, instance: &Instance) -> Result<Vec<i64>, DbError> {
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
    async fn suspended_members(&mut self, instance: &Instance) -> Result<Vec<i64>, DbError> {
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

    /// What Moodle's task will remove for one method: step 3 (enrolments of users no longer in
    /// the cohort) and step 5 (cohort-sync roles of inactive enrolments or disabled methods).
    async fn count_removals(
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

    /// `set_cache_flag(flagtype, name, 1, now + sessiontimeout)` for each name: the row with
    /// that type and name is updated, or inserted when there is none (the table has no unique
    /// key to upsert on).
    async fn set_flags(
        &mut self,
        flagtype: &str,
        names: &BTreeSet<impl ToString>,
        site: &SiteSettings,
        now: i64,
    ) -> Result<(), DbError> {
        let doing = "setting Moodle's access cache flags";
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        let expiry = now + site.session_timeout;
        for chunk in names.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "SELECT DISTINCT name FROM {{cache_flags}} WHERE flagtype = ? AND name IN ({})",
                placeholders(chunk.len())
            ));
            let mut statement = query(sql).bind(flagtype.to_owned());
            for name in chunk {
                statement = statement.bind(name.clone());
            }
            let mut existing = BTreeSet::new();
            for row in statement
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                existing.insert(text(&row, 0).doing(doing)?);
            }
            if !existing.is_empty() {
                let sql = self.dialect.sql(&format!(
                    "UPDATE {{cache_flags}} SET value = '1', expiry = ?, timemodified = ? \
                     WHERE flagtype = ? AND name IN ({})",
                    placeholders(existing.len())
                ));
                let mut statement = query(sql).bind(expiry).bind(now).bind(flagtype.to_owned());
                for name in &existing {
                    statement = statement.bind(name.clone());
                }
                statement
                    .execute(&mut *self.transaction)
                    .await
                    .doing(doing)?;
            }
            let new: Vec<&String> = chunk
                .iter()
                .filter(|name| !existing.contains(*name))
                .collect();
            for rows in new.chunks(INSERT_ROWS) {
                let sql = self.dialect.sql(&format!(
                    "INSERT INTO {{cache_flags}} (flagtype, name, timemodified, value, expiry) VALUES {}",
                    row_placeholders(rows.len(), 5)
                ));
                let mut statement = query(sql);
                for name in rows {
                    statement = statement
                        .bind(flagtype.to_owned())
                        .bind((*name).clone())
                        .bind(now)
                        .bind("1")
                        .bind(expiry);
                }
                statement
                    .execute(&mut *self.transaction)
                    .await
                    .doing(doing)?;
            }
        }
        Ok(())
    }

    /// Logs an event of `kind` for each enrolment `statement` reads (`id`, `userid`) in a
    /// cohort method.
    fn log_enrolments(
        &mut self,
        kind: Kind,
        instance: &Instance,
        rows: &[sqlx::any::AnyRow],
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

    /// Deletes rows of `table` by id, a chunk of ids per statement.
    async fn delete_ids(
        &mut self,
        table: &'static str,
        ids: &[i64],
        doing: &'static str,
    ) -> Result<(), DbError> {
        for chunk in ids.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "DELETE FROM {{{table}}} WHERE id IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
        }
        Ok(())
    }

    /// Sets `groups.timemodified`, as adding or removing a member does.
    pub(crate) async fn touch_groups(&mut self, groups: &[i64], now: i64) -> Result<(), DbError> {
        for chunk in groups.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "UPDATE {{groups}} SET timemodified = ? WHERE id IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql).bind(now), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing("updating groups")?;
        }
        Ok(())
    }

    /// A course's context: its id and path.
    pub(crate) async fn course_context(
        &mut self,
        courseid: i64,
    ) -> Result<Option<(i64, String)>, DbError> {
        let sql = self
            .dialect
            .sql("SELECT id, path FROM {context} WHERE contextlevel = 50 AND instanceid = ?");
        let row = query(sql)
            .bind(courseid)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading a course context")?;
        match row {
            Some(row) => Ok(Some((
                int(&row, 0).doing("reading a course context")?,
                text(&row, 1).doing("reading a course context")?,
            ))),
            None => Ok(None),
        }
    }

    /// Runs a query whose first column is an id.
    pub(crate) async fn ids(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<Vec<i64>, DbError> {
        statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
            .iter()
            .map(|row| int(row, 0))
            .collect::<Result<_, _>>()
            .doing(doing)
    }

    /// Runs a query whose columns are a user id and that user's `deleted` flag, and keeps the
    /// users not deleted. The flag is checked here rather than in SQL: with `deleted = 0` in
    /// the `WHERE` clause, planners without statistics drive the query from the `deleted` index
    /// (every user) instead of the enrolment or membership it starts from.
    async fn live_users(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<Vec<i64>, DbError> {
        let mut users = Vec::new();
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            if int(&row, 1).doing(doing)? == 0 {
                users.push(int(&row, 0).doing(doing)?);
            }
        }
        Ok(users)
    }

    async fn count(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<usize, DbError> {
        let row = statement
            .fetch_one(&mut *self.transaction)
            .await
            .doing(doing)?;
        Ok(usize::try_from(int(&row, 0).doing(doing)?).unwrap_or(0))
    }
}
