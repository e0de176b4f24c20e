//! The "Course enrolments" section of the text report: what was done in each bound course,
//! what Moodle's cohort sync task will do there, and a warning when that task will delete what
//! users had in those courses.

use std::io::{self, Write};

use crate::outcome::{
    CourseEnrolments, EnrolmentMode, EnrolmentOutcome, Removals, UnenrolAction, plural,
};

/// The course enrolments section: what was done per course, and what Moodle's task will do.
pub(super) fn write_enrolments(
    out: &mut dyn Write,
    enrolments: &EnrolmentOutcome,
    simulation: bool,
) -> io::Result<()> {
    write_heading(out, enrolments, simulation)?;
    if enrolments.courses.is_empty() {
        out.write_all(b"- nothing to do in the bound courses\n")?;
    }
    let mut warn = 0;
    for course in &enrolments.courses {
        let mut text = done_in(course, simulation);
        let pending = pending_in(course, enrolments);
        if !pending.is_empty() {
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&format!(
                "pending Moodle's cohort sync task: {}",
                pending.join(", ")
            ));
        }
        if enrolments.unenrol_action == UnenrolAction::Unenrol {
            warn += course.pending_unenrolments;
        }
        writeln!(out, "- course {}: {text}", course.course)?;
    }
    if warn > 0 {
        writeln!(
            out,
            "WARNING: the site's cohort sync unenrol action is \"{}\": Moodle's task will remove {}, deleting those users' grades, group memberships and roles in those courses. To keep them, set it to \"{}\" in Moodle (Site administration > Plugins > Enrolments > Cohort sync) before the task runs.",
            enrolments.unenrol_action.label(),
            plural(warn, "enrolment"),
            UnenrolAction::Suspend.label()
        )?;
    }
    Ok(())
}

/// The heading, which says who enrols: moodle-sync with the file, Moodle's task, or nobody
/// (cohort sync disabled on the site).
fn write_heading(
    out: &mut dyn Write,
    enrolments: &EnrolmentOutcome,
    simulation: bool,
) -> io::Result<()> {
    match (enrolments.mode, enrolments.plugin_enabled) {
        (_, false) => out.write_all(
            b"\nCourse enrolments\n\
              The site has cohort sync disabled (enrol_plugins_enabled does not list \"cohort\"):\n\
              nobody is enrolled through a binding, by moodle-sync or by Moodle, and while it stays\n\
              disabled Moodle's cohort sync task removes every role that cohort sync gave.\n",
        ),
        (EnrolmentMode::Immediate, true) => writeln!(
            out,
            "\nCourse enrolments ([enrolments] mode = \"immediate\": {} with the file, as Moodle's cohort sync would)",
            if simulation {
                "would be made"
            } else {
                "made"
            }
        ),
        (EnrolmentMode::Moodle, true) => out.write_all(
            b"\nCourse enrolments ([enrolments] mode = \"moodle\": left to Moodle's hourly cohort sync task)\n",
        ),
    }
}

/// What was done in a course (or would be, in a simulation); empty when nothing was.
fn done_in(course: &CourseEnrolments, simulation: bool) -> String {
    // Rows, not people: a user enrolled through two bindings of a course counts twice.
    let mut parts = Vec::new();
    for (count, noun, what) in [
        (course.enrolments_created, "enrolment", "created"),
        (course.enrolments_reactivated, "enrolment", "reactivated"),
        (course.roles_assigned, "role assignment", "given"),
        (course.group_members_added, "group membership", "added"),
        (
            course.group_members_removed,
            "group membership",
            "in another group removed",
        ),
        (
            course.enrolments_suspended,
            "enrolment",
            "of users no longer in the bound cohort suspended",
        ),
        (
            course.roles_removed,
            "cohort-sync role assignment",
            "removed",
        ),
    ] {
        if count > 0 {
            parts.push(format!("{} {what}", plural(count, noun)));
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    let done = if simulation { "would be done" } else { "done" };
    format!("{done}: {}", parts.join(", "))
}

/// What Moodle's cohort sync task is left to do in a course.
fn pending_in(course: &CourseEnrolments, enrolments: &EnrolmentOutcome) -> Vec<String> {
    let mut pending = Vec::new();
    if course.pending_enrolments > 0 {
        pending.push(format!(
            "create or reactivate {}",
            plural(course.pending_enrolments, "enrolment")
        ));
    }
    if course.pending_unenrolments > 0 {
        let verb = match enrolments.unenrol_action {
            UnenrolAction::Unenrol => "remove",
            _ => "suspend",
        };
        let already = if enrolments.removals == Removals::SuspendNow
            && enrolments.mode == EnrolmentMode::Immediate
            && enrolments.unenrol_action == UnenrolAction::Unenrol
        {
            " (suspended: no access meanwhile)"
        } else {
            ""
        };
        pending.push(format!(
            "{verb} {} of users no longer in the bound cohort{already}",
            plural(course.pending_unenrolments, "enrolment")
        ));
    }
    if course.pending_role_removals > 0 {
        pending.push(format!(
            "remove {}",
            plural(course.pending_role_removals, "cohort-sync role assignment")
        ));
    }
    pending
}
