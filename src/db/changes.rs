//! What a file's writes changed that Moodle keeps in its application caches: the courses
//! whose groups were created, the users whose group memberships changed, the courses whose
//! enrolments changed, the role assignments made or removed. Filled at the write sites, one
//! call each, carried by the file's transaction and handed to the pipeline with the outcome;
//! the `cache` module turns it into the keys Moodle's own functions drop. Also the few reads
//! that turning needs (the site's identifier and course contact roles, hidden group counts),
//! made after the commit.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Any, any::AnyArguments, query::Query};

use super::{
    database::{Context, Db, DbError, Tx, int, query, text},
    dialect::placeholders,
    sql::{CHUNK, bind_all},
};

/// Moodle's context levels, as role assignments are made in them.
const CONTEXT_SYSTEM: i64 = 10;
const CONTEXT_COURSECAT: i64 = 40;
const CONTEXT_COURSE: i64 = 50;

/// What changed for Moodle's caches, by the function whose cache drops it stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheChanges {
    /// Courses where a group was created (`groups_create_group`).
    pub groups_created: BTreeSet<i64>,
    /// Users who joined or left a group (`groups_add_member`, `groups_remove_member`).
    pub members_changed: BTreeSet<i64>,
    /// Courses where a user enrolment was created, changed or deleted (`enrol_user`,
    /// `update_user_enrol`, `unenrol_user`).
    pub enrolments_changed: BTreeSet<i64>,
    /// Role assignments made or removed (`role_assign`, `role_unassign_all`), by role and
    /// where.
    pub roles_changed: BTreeSet<RoleChange>,
}

/// A role given or taken in a context, as `core_course_category::role_assignment_changed`
/// looks at it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RoleChange {
    /// The role.
    pub roleid: i64,
    /// Where.
    pub context: RoleContext,
}

/// The contexts whose role changes can change a course's contacts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoleContext {
    /// The whole site: every course's contacts.
    System,
    /// A category, by its context path: the courses below it.
    Category(String),
    /// A course, by id.
    Course(i64),
}

impl CacheChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.groups_created.is_empty()
            && self.members_changed.is_empty()
            && self.enrolments_changed.is_empty()
            && self.roles_changed.is_empty()
    }

    /// A group was created in `course`.
    pub fn group_created(&mut self, course: i64) {
        self.groups_created.insert(course);
    }

    /// These users joined or left a group.
    pub fn members_changed(&mut self, users: impl IntoIterator<Item = i64>) {
        self.members_changed.extend(users);
    }

    /// Enrolments in `course` were created, changed or deleted.
    pub fn enrolments_changed(&mut self, course: i64) {
        self.enrolments_changed.insert(course);
    }

    /// `role` was given or taken in `course`.
    pub fn course_role_changed(&mut self, role: i64, course: i64) {
        self.roles_changed.insert(RoleChange {
            roleid: role,
            context: RoleContext::Course(course),
        });
    }
}

/// What the cache step reads from the site after the commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheFacts {
    /// `$CFG->siteidentifier`.
    pub siteidentifier: Option<String>,
    /// `$CFG->version`.
    pub version: String,
    /// `$CFG->coursecontact`: the roles whose holders are a course's contacts.
    pub contact_roles: BTreeSet<i64>,
    /// The courses below each category context path asked about.
    pub courses_below: BTreeMap<String, Vec<i64>>,
    /// For each course asked about, its groups not visible to all (`visibility <> 0`), as
    /// `core_group\visibility::update_hiddengroups_cache` counts them.
    pub hidden_groups: BTreeMap<i64, i64>,
}

impl Tx {
    /// Records what deleting account `user` changes for Moodle's caches, before its rows go:
    /// `delete_user` unenrols it from every course (`unenrol_user`, which removes its group
    /// memberships) and unassigns every role it holds (`role_unassign_all`).
    pub(crate) async fn note_account_deletion(&mut self, user: i64) -> Result<(), DbError> {
        let doing = "reading what a deleted account leaves";
        let sql = self.dialect.sql(
            "SELECT DISTINCT e.courseid FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid \
             WHERE ue.userid = ?",
        );
        for row in query(sql)
            .bind(user)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            self.caches.enrolments_changed(int(&row, 0).doing(doing)?);
        }
        let sql = self.dialect.sql(
            "SELECT DISTINCT ra.roleid, ctx.contextlevel, ctx.instanceid, ctx.path FROM {role_assignments} ra \
             JOIN {context} ctx ON ctx.id = ra.contextid WHERE ra.userid = ?",
        );
        for row in query(sql)
            .bind(user)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            let context = match int(&row, 1).doing(doing)? {
                CONTEXT_SYSTEM => RoleContext::System,
                CONTEXT_COURSECAT => RoleContext::Category(text(&row, 3).doing(doing)?),
                CONTEXT_COURSE => RoleContext::Course(int(&row, 2).doing(doing)?),
                // Below a course (activities, blocks) and user contexts hold no course's
                // contacts: `role_assignment_changed` leaves them alone.
                _ => continue,
            };
            self.caches.roles_changed.insert(RoleChange {
                roleid: int(&row, 0).doing(doing)?,
                context,
            });
        }
        // Its memberships go, and its groupings with them.
        self.caches.members_changed([user]);
        Ok(())
    }

    /// Runs a query whose columns are a group id and a user id (memberships about to be
    /// removed): the groups, once each, and the users.
    pub(crate) async fn group_members(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<(Vec<i64>, Vec<i64>), DbError> {
        let mut groups = BTreeSet::new();
        let mut users = Vec::new();
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            groups.insert(int(&row, 0).doing(doing)?);
            users.push(int(&row, 1).doing(doing)?);
        }
        Ok((groups.into_iter().collect(), users))
    }

    /// Hands over what the file's writes so far changed for Moodle's caches.
    pub fn take_cache_changes(&mut self) -> CacheChanges {
        std::mem::take(&mut self.caches)
    }
}

impl Db {
    /// Reads what turning `changes` into cache keys needs: the site's identifier, version
    /// and course contact roles, the courses below the categories where roles changed, and,
    /// when `hidden_of` is set, the hidden group count of the courses where groups were
    /// created. Run after the commit, outside the file's transaction: it sees the committed
    /// rows, and a failure here leaves the file applied.
    pub async fn cache_facts(
        &self,
        changes: &CacheChanges,
        hidden_of: bool,
    ) -> Result<CacheFacts, DbError> {
        let doing = "reading the site's cache settings";
        let mut facts = CacheFacts::default();
        let mut connection = self.pool().acquire().await.doing(doing)?;
        let sql = self.dialect().sql(
            "SELECT name, value FROM {config} WHERE name IN ('siteidentifier', 'version', 'coursecontact')",
        );
        for row in query(sql).fetch_all(&mut *connection).await.doing(doing)? {
            let value = text(&row, 1).doing(doing)?;
            match text(&row, 0).doing(doing)?.as_str() {
                "siteidentifier" => facts.siteidentifier = Some(value).filter(|v| !v.is_empty()),
                "version" => facts.version = value,
                _ => {
                    facts.contact_roles = value
                        .split(',')
                        .filter_map(|role| role.trim().parse().ok())
                        .collect();
                }
            }
        }
        for change in &changes.roles_changed {
            if let RoleContext::Category(path) = &change.context
                && !facts.courses_below.contains_key(path)
            {
                let sql = self.dialect().sql(
                    "SELECT instanceid FROM {context} WHERE contextlevel = 50 AND path LIKE ? ORDER BY instanceid",
                );
                let courses = query(sql)
                    .bind(format!("{path}/%"))
                    .fetch_all(&mut *connection)
                    .await
                    .doing(doing)?
                    .iter()
                    .map(|row| int(row, 0))
                    .collect::<Result<Vec<_>, _>>()
                    .doing(doing)?;
                facts.courses_below.insert(path.clone(), courses);
            }
        }
        if hidden_of && !changes.groups_created.is_empty() {
            let courses: Vec<i64> = changes.groups_created.iter().copied().collect();
            for course in &courses {
                facts.hidden_groups.insert(*course, 0);
            }
            for chunk in courses.chunks(CHUNK) {
                let sql = self.dialect().sql(&format!(
                    "SELECT courseid, COUNT(*) FROM {{groups}} WHERE visibility <> 0 AND courseid IN ({}) \
                     GROUP BY courseid",
                    placeholders(chunk.len())
                ));
                for row in bind_all(query(sql), chunk)
                    .fetch_all(&mut *connection)
                    .await
                    .doing("counting hidden groups")?
                {
                    facts.hidden_groups.insert(
                        int(&row, 0).doing("counting hidden groups")?,
                        int(&row, 1).doing("counting hidden groups")?,
                    );
                }
            }
        }
        Ok(facts)
    }
}
