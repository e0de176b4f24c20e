//! Reading what a binding file refers to: the courses, cohorts, roles, enrolment methods and
//! groups, and the site's time zone, in the file's transaction.

use std::collections::HashMap;

use crate::command::{
    binding::{CourseRow, GroupRow, InstanceRow, RoleRow, Snapshot, Wanted},
    dates::SiteZone,
    refs::{CohortIdentifier, CourseIdentifier},
};
use crate::db::{
    DbError, Tx,
    sql::{Context, Keys, int, optional_int, query, set_vec, text},
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
        let courses = self.binding_courses(wanted, courses_by).await?;

        let cohort_ids: Vec<i64> = wanted.cohort_ids.iter().copied().collect();
        let cohort_keys = set_vec(&wanted.cohort_keys);
        let none: &[String] = &[];
        let cohorts = match cohorts_by {
            CohortIdentifier::Id => self.read_cohorts(&cohort_ids, none, none).await?,
            CohortIdentifier::Idnumber => self.read_cohorts(&[], none, &cohort_keys).await?,
            CohortIdentifier::Name => self.read_cohorts(&[], &cohort_keys, none).await?,
        };

        let roles = self.binding_roles().await?;
        let ids: Vec<i64> = courses.iter().map(|course| course.id).collect();
        let instances = self.binding_instances(&ids).await?;
        let groups = self.binding_groups(&ids).await?;

        Ok(Snapshot {
            courses,
            cohorts,
            roles,
            instances,
            groups,
            zone: SiteZone::from_config(&self.config_values(&SiteZone::SETTINGS).await?),
        })
    }

    /// The courses `wanted` names, by the key `courses_by` says, in id order.
    async fn binding_courses(
        &mut self,
        wanted: &Wanted,
        courses_by: CourseIdentifier,
    ) -> Result<Vec<CourseRow>, DbError> {
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
        Ok(courses)
    }

    /// Every role, in id order.
    async fn binding_roles(&mut self) -> Result<Vec<RoleRow>, DbError> {
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
        Ok(roles)
    }

    /// The enrolment methods of the courses `ids`, in id order, locked until the transaction
    /// ends, with how many enrolments each has.
    async fn binding_instances(&mut self, ids: &[i64]) -> Result<Vec<InstanceRow>, DbError> {
        let select = "SELECT id, enrol, status, courseid, sortorder, roleid, customint1, customint2, \
                      enrolstartdate, enrolenddate FROM {enrol}";
        let lock = format!(" ORDER BY id{}", self.dialect.lock_rows());
        let mut instances = Vec::new();
        for row in self
            .select_in(
                select,
                "courseid",
                Keys::Ids(ids),
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
        Ok(instances)
    }

    /// The groups of the courses `ids`, in id order.
    async fn binding_groups(&mut self, ids: &[i64]) -> Result<Vec<GroupRow>, DbError> {
        let mut groups = Vec::new();
        for row in self
            .select_in(
                "SELECT id, courseid, name FROM {groups}",
                "courseid",
                Keys::Ids(ids),
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
        Ok(groups)
    }
}
