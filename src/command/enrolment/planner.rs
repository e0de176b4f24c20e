//! The planner of enrolment files: a model of the enrolments, role assignments and group
//! memberships of the users and courses a file names, changed line by line, and the writes
//! that bring the database to the model at the end. Its groups are in `groups.rs`, what a
//! line names is found in `lookup.rs`, the writes are worked out in `diff.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{
    effect::Effect,
    groups::GroupState,
    line::{DateValue, EnrolCmd, EnrolSettings, EnrolmentLine, Header},
    lookup::role_label,
    plan::{ACTIVE, EnrolCourse, MethodRow, SUSPENDED, Snapshot},
    problem::Problem,
};
use crate::{
    command::{binding::RoleRow, cohort::UserRow, refs::CourseIdentifier},
    error::LineError,
    outcome::{CourseLabel, FieldChange, UserLabel},
};

/// An enrolment as the file sees it so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Enrolment {
    /// `user_enrolments.id`; `None` for one this file makes.
    pub(super) id: Option<i64>,
    pub(super) status: i64,
    pub(super) start: i64,
    pub(super) end: i64,
}

/// A group membership as the file sees it so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Member {
    /// `groups_members.id`; `None` for one this file makes.
    pub(super) id: Option<i64>,
    pub(super) component: String,
    pub(super) itemid: i64,
}

/// A role assignment's key in a context for a user: role, component, item.
pub(super) type RoleKey = (i64, String, i64);

/// What one line may change, kept to put back when the line fails.
struct Saved {
    course: i64,
    context: i64,
    user: i64,
    enrolments: Option<BTreeMap<i64, Enrolment>>,
    assignments: Option<BTreeMap<RoleKey, Option<i64>>>,
    members: Option<BTreeMap<usize, Member>>,
    groups: usize,
    cleared: bool,
}

/// The model, and the lookups of the snapshot.
pub(super) struct Planner<'a> {
    pub(super) snapshot: &'a Snapshot,
    pub(super) settings: &'a EnrolSettings,
    /// The header's names of the columns errors name.
    pub(super) header: &'a Header,
    pub(super) users: HashMap<String, Vec<usize>>,
    pub(super) courses: HashMap<String, Vec<usize>>,
    /// The methods of each course, by sort order.
    pub(super) methods: HashMap<i64, Vec<&'a MethodRow>>,
    /// The enrolments of each (course, user), by method.
    pub(super) enrolments: HashMap<(i64, i64), BTreeMap<i64, Enrolment>>,
    /// The role assignments of each (course context, user).
    pub(super) assignments: HashMap<(i64, i64), BTreeMap<RoleKey, Option<i64>>>,
    /// The course groups, those of the snapshot first, then those the file creates.
    pub(super) groups: Vec<GroupState>,
    /// Group indexes by (course, trimmed name).
    pub(super) group_names: HashMap<(i64, String), usize>,
    /// The memberships of each (course, user), by group index.
    pub(super) members: HashMap<(i64, i64), BTreeMap<usize, Member>>,
    /// (user, course) pairs whose last enrolment went.
    pub(super) cleared: BTreeSet<(i64, i64)>,
    /// The ids of the snapshot's enrolments, by (method, user): one taken away and given back
    /// by the file is the same row.
    pub(super) enrolment_ids: HashMap<(i64, i64), i64>,
    /// The ids of the snapshot's role assignments, by (context, user, key), likewise.
    pub(super) assignment_ids: HashMap<(i64, i64, RoleKey), i64>,
    /// The ids of the snapshot's memberships by hand, by (group index, user), likewise.
    pub(super) member_ids: HashMap<(usize, i64), i64>,
}

impl<'a> Planner<'a> {
    pub(super) fn new(
        snapshot: &'a Snapshot,
        settings: &'a EnrolSettings,
        header: &'a Header,
    ) -> Planner<'a> {
        let mut users: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, user) in snapshot.users.iter().enumerate() {
            users
                .entry(user.key(settings.user_identifier))
                .or_default()
                .push(index);
        }
        let mut courses: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, course) in snapshot.courses.iter().enumerate() {
            let key = match settings.course_identifier {
                CourseIdentifier::Id => course.id.to_string(),
                CourseIdentifier::Idnumber => course.idnumber.clone(),
                CourseIdentifier::Shortname => course.shortname.clone(),
            };
            courses.entry(key).or_default().push(index);
        }
        let mut methods: HashMap<i64, Vec<&MethodRow>> = HashMap::new();
        for method in &snapshot.methods {
            methods.entry(method.courseid).or_default().push(method);
        }
        for list in methods.values_mut() {
            list.sort_by_key(|method| (method.sortorder, method.id));
        }
        let course_of: HashMap<i64, i64> = snapshot
            .methods
            .iter()
            .map(|method| (method.id, method.courseid))
            .collect();
        let mut enrolments: HashMap<(i64, i64), BTreeMap<i64, Enrolment>> = HashMap::new();
        for row in &snapshot.enrolments {
            if let Some(course) = course_of.get(&row.enrolid) {
                enrolments.entry((*course, row.userid)).or_default().insert(
                    row.enrolid,
                    Enrolment {
                        id: Some(row.id),
                        status: row.status,
                        start: row.start,
                        end: row.end,
                    },
                );
            }
        }
        // Moodle does not keep a role assignment unique: of two alike, the model holds the
        // first, and both stay while it does.
        let mut assignments: HashMap<(i64, i64), BTreeMap<RoleKey, Option<i64>>> = HashMap::new();
        let mut assignment_ids = HashMap::new();
        for row in &snapshot.assignments {
            let key = (row.roleid, row.component.clone(), row.itemid);
            assignment_ids
                .entry((row.contextid, row.userid, key.clone()))
                .or_insert(row.id);
            assignments
                .entry((row.contextid, row.userid))
                .or_default()
                .entry(key)
                .or_insert(Some(row.id));
        }
        let enrolment_ids = snapshot
            .enrolments
            .iter()
            .map(|row| ((row.enrolid, row.userid), row.id))
            .collect();
        let mut planner = Planner {
            snapshot,
            settings,
            header,
            users,
            courses,
            methods,
            enrolments,
            assignments,
            groups: Vec::new(),
            group_names: HashMap::new(),
            members: HashMap::new(),
            cleared: BTreeSet::new(),
            enrolment_ids,
            assignment_ids,
            member_ids: HashMap::new(),
        };
        planner.load_groups();
        planner
    }

    /// Applies one line to the model: its effects, or why it fails (the model then is as
    /// before the line).
    pub(super) fn apply(&mut self, line: &EnrolmentLine) -> Result<Vec<Effect>, LineError> {
        let user = self.find_user(&line.user)?;
        let course = self.find_course(&line.course)?;
        let saved = self.save(course, user.id);
        let result = self.apply_to(line, user, course);
        if result.is_err() {
            self.restore(saved);
        }
        result
    }

    fn apply_to(
        &mut self,
        line: &EnrolmentLine,
        user: &'a UserRow,
        course: &'a EnrolCourse,
    ) -> Result<Vec<Effect>, LineError> {
        let role = self.find_role(&line.role)?;
        let mut effects = Vec::new();
        let at = At {
            user: user_label(user),
            course: CourseLabel {
                id: course.id,
                shortname: course.shortname.clone(),
            },
            userid: user.id,
            courseid: course.id,
            context: course.context,
        };
        match (line.cmd, &line.enrol) {
            (EnrolCmd::Add | EnrolCmd::Shift, enrol) => {
                if !self.snapshot.course_roles.contains(&role.id) {
                    return Err(LineError::in_column(
                        &self.header.role,
                        &line.role,
                        Problem::NotAssignableInCourse {
                            role: role.shortname.clone(),
                        },
                    ));
                }
                let enrol = enrol.as_deref().unwrap_or_default();
                let method = self.enabled_method(course, enrol)?;
                self.enrol(&at, method, line, &mut effects)?;
                self.assign(&at, role, &mut effects);
                if line.cmd == EnrolCmd::Shift {
                    self.keep_only(&at, role, &mut effects);
                }
            }
            (EnrolCmd::Del, Some(enrol)) => {
                let method = self.method_of(course, enrol, user.id)?;
                self.unenrol(&at, method, &mut effects);
            }
            (EnrolCmd::Del, None) => self.unassign(&at, role, &mut effects),
            (EnrolCmd::Suspend | EnrolCmd::Unsuspend, enrol) => {
                let enrol = enrol.as_deref().unwrap_or_default();
                let method = self.method_of(course, enrol, user.id)?;
                self.set_status(&at, method, line, &mut effects)?;
            }
        }
        if let Some((cmd, names)) = &line.groups {
            self.apply_groups(&at, *cmd, names, &mut effects)?;
        }
        Ok(effects)
    }

    /// Enrols the user by `method` (or updates the dates of their enrolment).
    fn enrol(
        &mut self,
        at: &At,
        method: &MethodRow,
        line: &EnrolmentLine,
        effects: &mut Vec<Effect>,
    ) -> Result<(), LineError> {
        let zone = &self.snapshot.zone;
        let start = line.start.as_ref().map(|date| date.time.resolve(zone));
        let end = line.end.as_ref().map(|date| date.time.resolve(zone));
        let enrolments = self.enrolments.entry((at.courseid, at.userid)).or_default();
        match enrolments.get_mut(&method.id) {
            None => {
                let (start, end) = (start.unwrap_or(0), end.unwrap_or(0));
                check_period(start, end, line, zone)?;
                enrolments.insert(
                    method.id,
                    Enrolment {
                        id: self.enrolment_ids.get(&(method.id, at.userid)).copied(),
                        status: ACTIVE,
                        start,
                        end,
                    },
                );
                effects.push(Effect::Enrolled {
                    user: at.user.clone(),
                    course: at.course.clone(),
                    enrol: method.enrol.clone(),
                    start,
                    end,
                    shown: [zone.show(start), zone.show(end)],
                });
            }
            Some(enrolment) => {
                let (new_start, new_end) = (
                    start.unwrap_or(enrolment.start),
                    end.unwrap_or(enrolment.end),
                );
                check_period(new_start, new_end, line, zone)?;
                let mut changes = Vec::new();
                for (field, from, to) in [
                    ("timestart", enrolment.start, new_start),
                    ("timeend", enrolment.end, new_end),
                ] {
                    if from != to {
                        changes.push(FieldChange {
                            field: field.to_owned(),
                            from: show_time(zone, from),
                            to: show_time(zone, to),
                        });
                    }
                }
                enrolment.start = new_start;
                enrolment.end = new_end;
                effects.push(if changes.is_empty() {
                    Effect::AlreadyEnrolled {
                        user: at.user.clone(),
                        course: at.course.clone(),
                        enrol: method.enrol.clone(),
                    }
                } else {
                    Effect::EnrolmentUpdated {
                        user: at.user.clone(),
                        course: at.course.clone(),
                        enrol: method.enrol.clone(),
                        changes,
                    }
                });
            }
        }
        Ok(())
    }

    /// Gives the role by hand in the course, unless the user holds it so already.
    fn assign(&mut self, at: &At, role: &RoleRow, effects: &mut Vec<Effect>) {
        let key: RoleKey = (role.id, String::new(), 0);
        let existing = self
            .assignment_ids
            .get(&(at.context, at.userid, key.clone()))
            .copied();
        let held = self.assignments.entry((at.context, at.userid)).or_default();
        let (user, course, role) = (at.user.clone(), at.course.clone(), role_label(role));
        let effect = match held.entry(key) {
            std::collections::btree_map::Entry::Occupied(_) => {
                Effect::RoleHeld { user, course, role }
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(existing);
                Effect::RoleAssigned { user, course, role }
            }
        };
        effects.push(effect);
    }

    /// Takes the role given by hand away.
    fn unassign(&mut self, at: &At, role: &RoleRow, effects: &mut Vec<Effect>) {
        let removed = self
            .assignments
            .get_mut(&(at.context, at.userid))
            .and_then(|held| held.remove(&(role.id, String::new(), 0)));
        effects.push(match removed {
            Some(_) => Effect::RoleUnassigned {
                user: at.user.clone(),
                course: at.course.clone(),
                role: role_label(role),
            },
            None => Effect::RoleNotHeld {
                user: at.user.clone(),
                course: at.course.clone(),
                role: role_label(role),
            },
        });
    }

    /// `shift`: every other role given by hand in the course goes; those a plugin gave stay.
    fn keep_only(&mut self, at: &At, role: &RoleRow, effects: &mut Vec<Effect>) {
        let Some(held) = self.assignments.get(&(at.context, at.userid)) else {
            return;
        };
        let others: Vec<RoleKey> = held
            .keys()
            .filter(|(roleid, component, _)| *roleid != role.id && component.is_empty())
            .cloned()
            .collect();
        let kept: Vec<String> = held
            .keys()
            .filter(|(roleid, component, _)| *roleid != role.id && !component.is_empty())
            .map(|(roleid, component, _)| format!("{} ({component})", self.role_name(*roleid)))
            .collect();
        for key in others {
            if let Some(held) = self.assignments.get_mut(&(at.context, at.userid)) {
                held.remove(&key);
            }
            effects.push(Effect::RoleUnassigned {
                user: at.user.clone(),
                course: at.course.clone(),
                role: self.role_label_of(key.0),
            });
        }
        if !kept.is_empty() {
            effects.push(Effect::RolesKept {
                user: at.user.clone(),
                course: at.course.clone(),
                roles: kept,
            });
        }
    }

    /// `unenrol_user`: the enrolment, what the method gave, and when it was the last
    /// enrolment in the course, every role and group membership there.
    fn unenrol(&mut self, at: &At, method: &MethodRow, effects: &mut Vec<Effect>) {
        let enrolments = self.enrolments.entry((at.courseid, at.userid)).or_default();
        if enrolments.remove(&method.id).is_none() {
            effects.push(Effect::NotEnrolled {
                user: at.user.clone(),
                course: at.course.clone(),
                enrol: method.enrol.clone(),
            });
            return;
        }
        let last = enrolments.is_empty();
        effects.push(Effect::Unenrolled {
            user: at.user.clone(),
            course: at.course.clone(),
            enrol: method.enrol.clone(),
            last,
        });
        let component = format!("enrol_{}", method.enrol);
        let gave = |given: &str, item: i64| last || (given == component && item == method.id);
        let mut roles = Vec::new();
        if let Some(held) = self.assignments.get_mut(&(at.context, at.userid)) {
            held.retain(|(roleid, given, item), _| {
                let goes = gave(given, *item);
                if goes {
                    roles.push(*roleid);
                }
                !goes
            });
        }
        for roleid in roles {
            effects.push(Effect::RoleUnassigned {
                user: at.user.clone(),
                course: at.course.clone(),
                role: self.role_label_of(roleid),
            });
        }
        let mut left = Vec::new();
        if let Some(members) = self.members.get_mut(&(at.courseid, at.userid)) {
            members.retain(|group, member| {
                let goes = gave(&member.component, member.itemid);
                if goes {
                    left.push(*group);
                }
                !goes
            });
        }
        for group in left {
            effects.push(Effect::LeftGroup {
                user: at.user.clone(),
                course: at.course.clone(),
                group: self.group_label(group),
            });
        }
        if last {
            self.cleared.insert((at.userid, at.courseid));
        }
    }

    /// `suspend` / `unsuspend`, with the dates the line gives.
    fn set_status(
        &mut self,
        at: &At,
        method: &MethodRow,
        line: &EnrolmentLine,
        effects: &mut Vec<Effect>,
    ) -> Result<(), LineError> {
        let suspend = line.cmd == EnrolCmd::Suspend;
        let enrolled = self
            .enrolments
            .get(&(at.courseid, at.userid))
            .is_some_and(|enrolments| enrolments.contains_key(&method.id));
        if !enrolled {
            return Err(LineError::in_column(
                &self.header.user,
                &line.user,
                Problem::NotEnrolled {
                    user: at.user.to_string(),
                    course: at.course.to_string(),
                    enrol: method.enrol.clone(),
                    action: line.cmd.name(),
                },
            ));
        }
        if line.start.is_some() || line.end.is_some() {
            self.enrol(at, method, line, effects)?;
            effects.retain(|effect| !matches!(effect, Effect::AlreadyEnrolled { .. }));
        }
        let status = if suspend { SUSPENDED } else { ACTIVE };
        let enrolment = self
            .enrolments
            .get_mut(&(at.courseid, at.userid))
            .and_then(|enrolments| enrolments.get_mut(&method.id))
            .expect("checked above");
        let (user, course, enrol) = (at.user.clone(), at.course.clone(), method.enrol.clone());
        effects.push(if enrolment.status == status {
            Effect::StatusUnchanged {
                user,
                course,
                enrol,
                suspended: suspend,
            }
        } else if suspend {
            Effect::Suspended {
                user,
                course,
                enrol,
            }
        } else {
            Effect::Unsuspended {
                user,
                course,
                enrol,
            }
        });
        enrolment.status = status;
        Ok(())
    }

    /// Whether the user has any enrolment in the course, as the file left it so far.
    pub(super) fn is_enrolled(&self, at: &At) -> bool {
        self.enrolments
            .get(&(at.courseid, at.userid))
            .is_some_and(|enrolments| !enrolments.is_empty())
    }

    /// The memberships of the user in the course, as the file left them so far.
    pub(super) fn memberships(&mut self, at: &At) -> &mut BTreeMap<usize, Member> {
        self.memberships_of(at.courseid, at.userid)
    }

    /// The memberships of `user` in `course`, as the file left them so far.
    pub(super) fn memberships_of(
        &mut self,
        course: i64,
        user: i64,
    ) -> &mut BTreeMap<usize, Member> {
        self.members.entry((course, user)).or_default()
    }

    fn save(&self, course: &EnrolCourse, user: i64) -> Saved {
        Saved {
            course: course.id,
            context: course.context,
            user,
            enrolments: self.enrolments.get(&(course.id, user)).cloned(),
            assignments: self.assignments.get(&(course.context, user)).cloned(),
            members: self.members.get(&(course.id, user)).cloned(),
            groups: self.groups.len(),
            cleared: self.cleared.contains(&(user, course.id)),
        }
    }

    fn restore(&mut self, saved: Saved) {
        let Saved {
            course,
            context,
            user,
            enrolments,
            assignments,
            members,
            groups,
            cleared,
        } = saved;
        put_back(&mut self.enrolments, (course, user), enrolments);
        put_back(&mut self.assignments, (context, user), assignments);
        put_back(&mut self.members, (course, user), members);
        for group in self.groups.drain(groups..) {
            self.group_names
                .remove(&(group.courseid, group.name.trim().to_owned()));
        }
        if !cleared {
            self.cleared.remove(&(user, course));
        }
    }
}

/// Where a line works: its user and course, named for the report and by id.
pub(super) struct At {
    pub(super) user: UserLabel,
    pub(super) course: CourseLabel,
    pub(super) userid: i64,
    pub(super) courseid: i64,
    pub(super) context: i64,
}

/// Fails when the enrolment would end before it starts (0: no date).
fn check_period(
    start: i64,
    end: i64,
    line: &EnrolmentLine,
    zone: &crate::command::dates::SiteZone,
) -> Result<(), LineError> {
    if start == 0 || end == 0 || end >= start {
        return Ok(());
    }
    let shown = |date: &Option<DateValue>, time: i64| {
        date.as_ref()
            .map_or_else(|| zone.show(time), |date| date.text.clone())
    };
    let (column, value) = match &line.end {
        Some(date) => (date.column.as_str(), date.text.as_str()),
        None => (
            line.start
                .as_ref()
                .map_or("starttime", |date| date.column.as_str()),
            line.start.as_ref().map_or("", |date| date.text.as_str()),
        ),
    };
    Err(LineError::in_column(
        column,
        value,
        Problem::EndBeforeStart {
            start: shown(&line.start, start),
            end: shown(&line.end, end),
        },
    ))
}

/// A time as the report shows it: `none` for 0, else the date and time in the site's zone.
fn show_time(zone: &crate::command::dates::SiteZone, time: i64) -> String {
    if time == 0 {
        return "none".into();
    }
    zone.show(time)
}

fn put_back<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: Option<V>) {
    match value {
        Some(value) => {
            map.insert(key, value);
        }
        None => {
            map.remove(&key);
        }
    }
}

fn user_label(user: &UserRow) -> UserLabel {
    UserLabel {
        id: user.id,
        username: user.username.clone(),
        idnumber: user.idnumber.clone(),
        fullname: format!("{} {}", user.firstname, user.lastname),
    }
}
