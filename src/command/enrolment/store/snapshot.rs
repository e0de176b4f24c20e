//! Reading what an enrolment file refers to, in the file's transaction: the users and courses
//! it names, every role and which may be given in a course, the courses' enrolment methods
//! (locked until the transaction ends) and groups, the named users' enrolments, role
//! assignments and group memberships there, and the site's time zone.

use std::collections::{BTreeSet, HashSet};

use crate::command::{
    binding::{GroupRow, RoleRow},
    dates::SiteZone,
    enrolment::{
        AssignmentRow, EnrolCourse, EnrolSettings, EnrolmentRow, MemberRow, MethodRow, Snapshot,
        Wanted,
    },
    refs::CourseIdentifier,
};
use crate::db::{
    DbError, Tx,
    sql::{Context, Keys, int, optional_int, query, set_vec, text},
};

/// `context.contextlevel` of a course.
const COURSE_LEVEL: i64 = 50;

/// The context levels Moodle gives each role archetype when it installs a role
/// (`get_default_contextlevels`): those that include courses.
const COURSE_ARCHETYPES: [&str; 4] = ["manager", "editingteacher", "teacher", "student"];

impl Tx {
    /// Reads every row `wanted` refers to.
    pub async fn enrolment_snapshot(
        &mut self,
        wanted: &Wanted,
        settings: &EnrolSettings,
    ) -> Result<Snapshot, DbError> {
        let users = self.users(&wanted.users, settings.user_identifier).await?;
        let courses = self
            .enrolment_courses(wanted, settings.course_identifier)
            .await?;
        let (roles, course_roles) = self.course_roles().await?;
        let course_ids: Vec<i64> = courses.iter().map(|course| course.id).collect();
        let contexts: Vec<i64> = courses.iter().map(|course| course.context).collect();
        let user_ids: HashSet<i64> = users.iter().map(|user| user.id).collect();
        let methods = self.enrolment_methods(&course_ids).await?;
        let method_ids: Vec<i64> = methods.iter().map(|method| method.id).collect();

        let doing = "reading enrolments";
        let mut enrolments = Vec::new();
        for row in self
            .select_in(
                "SELECT id, enrolid, userid, status, timestart, timeend FROM {user_enrolments}",
                "enrolid",
                Keys::Ids(&method_ids),
                "",
                doing,
            )
            .await?
        {
            let userid = int(&row, 2).doing(doing)?;
            if user_ids.contains(&userid) {
                enrolments.push(EnrolmentRow {
                    id: int(&row, 0).doing(doing)?,
                    enrolid: int(&row, 1).doing(doing)?,
                    userid,
                    status: int(&row, 3).doing(doing)?,
                    start: int(&row, 4).doing(doing)?,
                    end: int(&row, 5).doing(doing)?,
                });
            }
        }
        enrolments.sort_by_key(|row| row.id);

        let doing = "reading role assignments";
        let mut assignments = Vec::new();
        for row in self
            .select_in(
                "SELECT id, roleid, contextid, userid, component, itemid FROM {role_assignments}",
                "contextid",
                Keys::Ids(&contexts),
                "",
                doing,
            )
            .await?
        {
            let userid = int(&row, 3).doing(doing)?;
            if user_ids.contains(&userid) {
                assignments.push(AssignmentRow {
                    id: int(&row, 0).doing(doing)?,
                    roleid: int(&row, 1).doing(doing)?,
                    contextid: int(&row, 2).doing(doing)?,
                    userid,
                    component: text(&row, 4).doing(doing)?,
                    itemid: int(&row, 5).doing(doing)?,
                });
            }
        }
        assignments.sort_by_key(|row| row.id);

        let groups = self.enrolment_groups(&course_ids).await?;
        let group_ids: Vec<i64> = groups.iter().map(|group| group.id).collect();
        let doing = "reading group memberships";
        let mut members = Vec::new();
        for row in self
            .select_in(
                "SELECT id, groupid, userid, component, itemid FROM {groups_members}",
                "groupid",
                Keys::Ids(&group_ids),
                "",
                doing,
            )
            .await?
        {
            let userid = int(&row, 2).doing(doing)?;
            if user_ids.contains(&userid) {
                members.push(MemberRow {
                    id: int(&row, 0).doing(doing)?,
                    groupid: int(&row, 1).doing(doing)?,
                    userid,
                    component: text(&row, 3).doing(doing)?,
                    itemid: optional_int(&row, 4).doing(doing)?.unwrap_or(0),
                });
            }
        }
        members.sort_by_key(|row| row.id);

        Ok(Snapshot {
            users,
            courses,
            roles,
            course_roles,
            methods,
            enrolments,
            assignments,
            groups,
            members,
            zone: SiteZone::from_config(&self.config_values(&SiteZone::SETTINGS).await?),
        })
    }

    /// The courses `wanted` names, with their contexts, in id order.
    async fn enrolment_courses(
        &mut self,
        wanted: &Wanted,
        courses_by: CourseIdentifier,
    ) -> Result<Vec<EnrolCourse>, DbError> {
        let select = "SELECT c.id, c.shortname, c.idnumber, ctx.id FROM {course} c \
                      JOIN {context} ctx ON ctx.instanceid = c.id AND ctx.contextlevel = 50";
        let ids: Vec<i64> = wanted.course_ids.iter().copied().collect();
        let keys = set_vec(&wanted.course_keys);
        let (column, keys) = match courses_by {
            CourseIdentifier::Id => ("c.id", Keys::Ids(&ids)),
            CourseIdentifier::Idnumber => ("c.idnumber", Keys::Texts(&keys)),
            CourseIdentifier::Shortname => ("c.shortname", Keys::Texts(&keys)),
        };
        let doing = "reading courses";
        let mut courses = Vec::new();
        for row in self.select_in(select, column, keys, "", doing).await? {
            courses.push(EnrolCourse {
                id: int(&row, 0).doing(doing)?,
                shortname: text(&row, 1).doing(doing)?,
                idnumber: text(&row, 2).doing(doing)?,
                context: int(&row, 3).doing(doing)?,
            });
        }
        courses.sort_by_key(|course| course.id);
        courses.dedup_by_key(|course| course.id);
        Ok(courses)
    }

    /// Every role, in id order, and the ids of those that may be given in a course: as
    /// `role_context_levels` says, or, where the site's table is missing or says nothing of
    /// courses, as Moodle's defaults for the role's archetype say.
    async fn course_roles(&mut self) -> Result<(Vec<RoleRow>, BTreeSet<i64>), DbError> {
        let doing = "reading roles";
        let sql = self
            .dialect
            .sql("SELECT id, shortname, archetype FROM {role} ORDER BY id");
        let mut roles = Vec::new();
        let mut by_archetype = BTreeSet::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            let role = RoleRow {
                id: int(&row, 0).doing(doing)?,
                shortname: text(&row, 1).doing(doing)?,
            };
            if COURSE_ARCHETYPES.contains(&text(&row, 2).doing(doing)?.as_str()) {
                by_archetype.insert(role.id);
            }
            roles.push(role);
        }
        let mut levels = BTreeSet::new();
        if self.has_table("role_context_levels").await? {
            let doing = "reading the context levels of roles";
            let sql = self
                .dialect
                .sql("SELECT roleid FROM {role_context_levels} WHERE contextlevel = ?");
            for row in query(sql)
                .bind(COURSE_LEVEL)
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                levels.insert(int(&row, 0).doing(doing)?);
            }
        }
        Ok((
            roles,
            if levels.is_empty() {
                by_archetype
            } else {
                levels
            },
        ))
    }

    /// The enrolment methods of the courses `ids`, in id order, locked until the transaction
    /// ends.
    async fn enrolment_methods(&mut self, ids: &[i64]) -> Result<Vec<MethodRow>, DbError> {
        let doing = "reading enrolment methods";
        let lock = format!(" ORDER BY id{}", self.dialect.lock_rows());
        let mut methods = Vec::new();
        for row in self
            .select_in(
                "SELECT id, enrol, status, courseid, sortorder FROM {enrol}",
                "courseid",
                Keys::Ids(ids),
                &lock,
                doing,
            )
            .await?
        {
            methods.push(MethodRow {
                id: int(&row, 0).doing(doing)?,
                enrol: text(&row, 1).doing(doing)?,
                status: int(&row, 2).doing(doing)?,
                courseid: int(&row, 3).doing(doing)?,
                sortorder: int(&row, 4).doing(doing)?,
            });
        }
        methods.sort_by_key(|method| method.id);
        Ok(methods)
    }

    /// The groups of the courses `ids`, in id order.
    async fn enrolment_groups(&mut self, ids: &[i64]) -> Result<Vec<GroupRow>, DbError> {
        let doing = "reading groups";
        let mut groups = Vec::new();
        for row in self
            .select_in(
                "SELECT id, courseid, name FROM {groups}",
                "courseid",
                Keys::Ids(ids),
                "",
                doing,
            )
            .await?
        {
            groups.push(GroupRow {
                id: int(&row, 0).doing(doing)?,
                courseid: int(&row, 1).doing(doing)?,
                name: text(&row, 2).doing(doing)?,
            });
        }
        groups.sort_by_key(|group| group.id);
        Ok(groups)
    }
}
