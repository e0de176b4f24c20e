//! Following a file's writes: the `cohort` enrolment methods they touched, each brought to
//! the state Moodle's cohort sync would give it, what Moodle's task will still do counted, and
//! the cache flags set.

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    db::{
        DbError, Tx,
        database::{Context, int, optional_int, text},
        sql::Keys,
    },
    outcome::{CourseEnrolments, CourseLabel, EnrolmentMode, EnrolmentOutcome, Removals},
};

/// `role_assignments.component` and `groups_members.component` of what cohort sync gives.
pub(super) const COMPONENT: &str = "enrol_cohort";

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

/// A `cohort` enrolment method in scope.
#[derive(Debug, Clone)]
pub(super) struct Instance {
    pub(super) id: i64,
    pub(super) courseid: i64,
    pub(super) shortname: String,
    pub(super) enabled: bool,
    pub(super) roleid: i64,
    pub(super) cohort: i64,
    /// `customint2`: `None` when NULL (Moodle's group step then leaves the method alone).
    pub(super) group: Option<i64>,
}

impl Tx {
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
}
