//! The writes that apply an enrolment file: the difference between the rows of the snapshot
//! and the planner's model at the end of the file. Rows the file took away and gave back are
//! the same rows (the planner kept their ids), so only what changed is written.

use std::collections::{BTreeSet, HashMap};

use super::{
    plan::{AssignmentWrite, Cleared, EnrolmentWrite, MemberWrite, MethodRow, NewGroup, Writes},
    planner::{Enrolment, Planner},
};

/// What the parts of the difference share: the snapshot's methods, groups and course
/// contexts by id.
struct Index<'s> {
    method_of: HashMap<i64, &'s MethodRow>,
    group_of: HashMap<i64, usize>,
    context_course: HashMap<i64, i64>,
}

impl<'a> Planner<'a> {
    /// The writes that bring the database from the snapshot to the model.
    pub(super) fn writes(&self) -> Writes {
        let mut writes = Writes::default();
        let method_of: HashMap<i64, &MethodRow> = self
            .snapshot
            .methods
            .iter()
            .map(|method| (method.id, method))
            .collect();
        writes.groups = self
            .groups
            .iter()
            .filter_map(|group| match group.reference {
                super::plan::GroupRef::New(slot) => Some(NewGroup {
                    slot,
                    courseid: group.courseid,
                    name: group.name.clone(),
                }),
                super::plan::GroupRef::Existing(_) => None,
            })
            .collect();
        let group_of: HashMap<i64, usize> = self
            .groups
            .iter()
            .enumerate()
            .filter_map(|(index, group)| match group.reference {
                super::plan::GroupRef::Existing(id) => Some((id, index)),
                super::plan::GroupRef::New(_) => None,
            })
            .collect();
        let context_course: HashMap<i64, i64> = self
            .snapshot
            .courses
            .iter()
            .map(|course| (course.context, course.id))
            .collect();

        let index = Index {
            method_of,
            group_of,
            context_course,
        };
        self.going(&index, &mut writes);
        self.coming(&index, &mut writes);
        self.leaving(&index, &mut writes);
        writes
    }

    /// What goes: rows of the snapshot the model no longer has, or has changed.
    fn going(&self, index: &Index<'a>, writes: &mut Writes) {
        let Index {
            method_of,
            group_of,
            context_course,
        } = index;
        for row in &self.snapshot.members {
            let Some(&group) = group_of.get(&row.groupid) else {
                continue;
            };
            let courseid = self.groups[group].courseid;
            // Held with a row of the snapshot: every row alike stays.
            let kept = self
                .members
                .get(&(courseid, row.userid))
                .and_then(|members| members.get(&group))
                .is_some_and(|member| member.id.is_some());
            if !kept {
                writes.members_removed.push(MemberWrite {
                    id: Some(row.id),
                    group: self.groups[group].reference,
                    courseid,
                    userid: row.userid,
                    component: row.component.clone(),
                    itemid: row.itemid,
                });
            }
        }
        for row in &self.snapshot.assignments {
            let key = (row.roleid, row.component.clone(), row.itemid);
            let kept = self
                .assignments
                .get(&(row.contextid, row.userid))
                .is_some_and(|held| held.get(&key).is_some_and(Option::is_some));
            if !kept {
                writes.unassigned.push(AssignmentWrite {
                    id: Some(row.id),
                    roleid: row.roleid,
                    contextid: row.contextid,
                    courseid: context_course.get(&row.contextid).copied().unwrap_or(0),
                    userid: row.userid,
                    component: row.component.clone(),
                    itemid: row.itemid,
                });
            }
        }
        for row in &self.snapshot.enrolments {
            let Some(method) = method_of.get(&row.enrolid) else {
                continue;
            };
            let now = self
                .enrolments
                .get(&(method.courseid, row.userid))
                .and_then(|enrolments| enrolments.get(&row.enrolid));
            let write = |enrolment: &Enrolment| EnrolmentWrite {
                id: Some(row.id),
                enrolid: row.enrolid,
                enrol: method.enrol.clone(),
                courseid: method.courseid,
                userid: row.userid,
                status: enrolment.status,
                start: enrolment.start,
                end: enrolment.end,
                status_changed: enrolment.status != row.status,
            };
            match now {
                None => writes.unenrolled.push(write(&Enrolment {
                    id: Some(row.id),
                    status: row.status,
                    start: row.start,
                    end: row.end,
                })),
                Some(enrolment)
                    if (enrolment.status, enrolment.start, enrolment.end)
                        != (row.status, row.start, row.end) =>
                {
                    writes.changed.push(write(enrolment));
                }
                Some(_) => {}
            }
        }
    }

    /// What comes: rows of the model the snapshot does not have.
    fn coming(&self, index: &Index<'a>, writes: &mut Writes) {
        let Index {
            method_of,
            context_course,
            ..
        } = index;
        let mut enrolled: Vec<(&(i64, i64), &i64, &Enrolment)> = self
            .enrolments
            .iter()
            .flat_map(|(key, enrolments)| {
                enrolments
                    .iter()
                    .filter(|(_, enrolment)| enrolment.id.is_none())
                    .map(move |(enrolid, enrolment)| (key, enrolid, enrolment))
            })
            .collect();
        enrolled.sort_by_key(|((course, user), enrolid, _)| (*course, *user, **enrolid));
        for ((courseid, userid), enrolid, enrolment) in enrolled {
            writes.enrolled.push(EnrolmentWrite {
                id: None,
                enrolid: *enrolid,
                enrol: method_of
                    .get(enrolid)
                    .map(|method| method.enrol.clone())
                    .unwrap_or_default(),
                courseid: *courseid,
                userid: *userid,
                status: enrolment.status,
                start: enrolment.start,
                end: enrolment.end,
                status_changed: false,
            });
        }
        let mut assigned: Vec<AssignmentWrite> = self
            .assignments
            .iter()
            .flat_map(|((contextid, userid), held)| {
                held.iter().filter(|(_, id)| id.is_none()).map(
                    move |((roleid, component, itemid), _)| AssignmentWrite {
                        id: None,
                        roleid: *roleid,
                        contextid: *contextid,
                        courseid: 0,
                        userid: *userid,
                        component: component.clone(),
                        itemid: *itemid,
                    },
                )
            })
            .collect();
        for write in &mut assigned {
            write.courseid = context_course.get(&write.contextid).copied().unwrap_or(0);
        }
        assigned.sort_by_key(|write| (write.courseid, write.userid, write.roleid));
        writes.assigned = assigned;
        let mut added: Vec<(i64, i64, usize)> = self
            .members
            .iter()
            .flat_map(|((courseid, userid), members)| {
                members
                    .iter()
                    .filter(|(_, member)| member.id.is_none())
                    .map(move |(group, _)| (*courseid, *userid, *group))
            })
            .collect();
        added.sort_unstable();
        for (courseid, userid, group) in added {
            writes.members_added.push(MemberWrite {
                id: None,
                group: self.groups[group].reference,
                courseid,
                userid,
                component: String::new(),
                itemid: 0,
            });
        }
    }

    /// The courses users leave: their roles in its activities go too.
    fn leaving(&self, index: &Index<'a>, writes: &mut Writes) {
        let method_of = &index.method_of;
        // A user who leaves a course they were enrolled in at the start: their roles in its
        // activities go too. One enrolled and unenrolled by the file itself leaves no write.
        let enrolled_before: BTreeSet<(i64, i64)> = self
            .snapshot
            .enrolments
            .iter()
            .filter_map(|row| {
                method_of
                    .get(&row.enrolid)
                    .map(|method| (method.courseid, row.userid))
            })
            .collect();
        for &(userid, courseid) in &self.cleared {
            let enrolled = self
                .enrolments
                .get(&(courseid, userid))
                .is_some_and(|enrolments| !enrolments.is_empty());
            if !enrolled
                && enrolled_before.contains(&(courseid, userid))
                && let Some(course) = self.snapshot.courses.iter().find(|c| c.id == courseid)
            {
                writes.cleared.push(Cleared {
                    userid,
                    courseid,
                    context: course.context,
                });
            }
        }
    }
}
