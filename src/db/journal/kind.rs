//! The kinds of events moodle-sync's writes stand for, and what Moodle's event class of each
//! declares, by area: cohorts, enrolments, roles, groups, users.

/// A Moodle event (`\core\event\…`) moodle-sync's writes stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    CohortCreated,
    CohortUpdated,
    CohortDeleted,
    CohortMemberAdded,
    CohortMemberRemoved,
    EnrolInstanceCreated,
    EnrolInstanceUpdated,
    EnrolInstanceDeleted,
    UserEnrolmentCreated,
    UserEnrolmentUpdated,
    UserEnrolmentDeleted,
    RoleAssigned,
    RoleUnassigned,
    GroupCreated,
    GroupMemberAdded,
    GroupMemberRemoved,
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserPasswordUpdated,
}

/// What Moodle's event class declares: `eventname`, `action`, `target`, `objecttable`,
/// `crud`. Every one is `component` `core` and `edulevel` 0 (`LEVEL_OTHER`).
pub(super) struct Declared {
    pub(super) eventname: &'static str,
    pub(super) action: &'static str,
    pub(super) target: &'static str,
    pub(super) objecttable: Option<&'static str>,
    pub(super) crud: &'static str,
}

impl Kind {
    /// What Moodle's event class of this kind declares.
    pub(super) fn declared(self) -> Declared {
        match self {
            Kind::CohortCreated
            | Kind::CohortUpdated
            | Kind::CohortDeleted
            | Kind::CohortMemberAdded
            | Kind::CohortMemberRemoved => cohort_event(self),
            Kind::EnrolInstanceCreated
            | Kind::EnrolInstanceUpdated
            | Kind::EnrolInstanceDeleted
            | Kind::UserEnrolmentCreated
            | Kind::UserEnrolmentUpdated
            | Kind::UserEnrolmentDeleted => enrolment_event(self),
            Kind::RoleAssigned | Kind::RoleUnassigned => role_event(self),
            Kind::GroupCreated | Kind::GroupMemberAdded | Kind::GroupMemberRemoved => {
                group_event(self)
            }
            Kind::UserCreated
            | Kind::UserUpdated
            | Kind::UserDeleted
            | Kind::UserPasswordUpdated => user_event(self),
        }
    }
}

/// The events of cohorts and their members (`cohort` rows).
fn cohort_event(kind: Kind) -> Declared {
    match kind {
        Kind::CohortCreated => Declared {
            eventname: r"\core\event\cohort_created",
            action: "created",
            target: "cohort",
            objecttable: Some("cohort"),
            crud: "c",
        },
        Kind::CohortUpdated => Declared {
            eventname: r"\core\event\cohort_updated",
            action: "updated",
            target: "cohort",
            objecttable: Some("cohort"),
            crud: "u",
        },
        Kind::CohortDeleted => Declared {
            eventname: r"\core\event\cohort_deleted",
            action: "deleted",
            target: "cohort",
            objecttable: Some("cohort"),
            crud: "d",
        },
        Kind::CohortMemberAdded => Declared {
            eventname: r"\core\event\cohort_member_added",
            action: "added",
            target: "cohort_member",
            objecttable: Some("cohort"),
            crud: "c",
        },
        Kind::CohortMemberRemoved => Declared {
            eventname: r"\core\event\cohort_member_removed",
            action: "removed",
            target: "cohort_member",
            objecttable: Some("cohort"),
            crud: "d",
        },
        other => unreachable!("{other:?} is not a cohort event"),
    }
}

/// The events of enrolment methods (`enrol` rows) and user enrolments (`user_enrolments` rows).
fn enrolment_event(kind: Kind) -> Declared {
    match kind {
        Kind::EnrolInstanceCreated => Declared {
            eventname: r"\core\event\enrol_instance_created",
            action: "created",
            target: "enrol_instance",
            objecttable: Some("enrol"),
            crud: "c",
        },
        Kind::EnrolInstanceUpdated => Declared {
            eventname: r"\core\event\enrol_instance_updated",
            action: "updated",
            target: "enrol_instance",
            objecttable: Some("enrol"),
            crud: "u",
        },
        Kind::EnrolInstanceDeleted => Declared {
            eventname: r"\core\event\enrol_instance_deleted",
            action: "deleted",
            target: "enrol_instance",
            objecttable: Some("enrol"),
            crud: "d",
        },
        Kind::UserEnrolmentCreated => Declared {
            eventname: r"\core\event\user_enrolment_created",
            action: "created",
            target: "user_enrolment",
            objecttable: Some("user_enrolments"),
            crud: "c",
        },
        Kind::UserEnrolmentUpdated => Declared {
            eventname: r"\core\event\user_enrolment_updated",
            action: "updated",
            target: "user_enrolment",
            objecttable: Some("user_enrolments"),
            crud: "u",
        },
        Kind::UserEnrolmentDeleted => Declared {
            eventname: r"\core\event\user_enrolment_deleted",
            action: "deleted",
            target: "user_enrolment",
            objecttable: Some("user_enrolments"),
            crud: "d",
        },
        other => unreachable!("{other:?} is not an enrolment event"),
    }
}

/// The events of role assignments (`role` rows).
fn role_event(kind: Kind) -> Declared {
    match kind {
        Kind::RoleAssigned => Declared {
            eventname: r"\core\event\role_assigned",
            action: "assigned",
            target: "role",
            objecttable: Some("role"),
            crud: "c",
        },
        Kind::RoleUnassigned => Declared {
            eventname: r"\core\event\role_unassigned",
            action: "unassigned",
            target: "role",
            objecttable: Some("role"),
            crud: "d",
        },
        other => unreachable!("{other:?} is not a role event"),
    }
}

/// The events of groups and their members (`groups` rows).
fn group_event(kind: Kind) -> Declared {
    match kind {
        Kind::GroupCreated => Declared {
            eventname: r"\core\event\group_created",
            action: "created",
            target: "group",
            objecttable: Some("groups"),
            crud: "c",
        },
        Kind::GroupMemberAdded => Declared {
            eventname: r"\core\event\group_member_added",
            action: "added",
            target: "group_member",
            objecttable: Some("groups"),
            crud: "c",
        },
        Kind::GroupMemberRemoved => Declared {
            eventname: r"\core\event\group_member_removed",
            action: "removed",
            target: "group_member",
            objecttable: Some("groups"),
            crud: "d",
        },
        other => unreachable!("{other:?} is not a group event"),
    }
}

/// The events of user accounts (`user` rows, none for a password).
fn user_event(kind: Kind) -> Declared {
    match kind {
        Kind::UserCreated => Declared {
            eventname: r"\core\event\user_created",
            action: "created",
            target: "user",
            objecttable: Some("user"),
            crud: "c",
        },
        Kind::UserUpdated => Declared {
            eventname: r"\core\event\user_updated",
            action: "updated",
            target: "user",
            objecttable: Some("user"),
            crud: "u",
        },
        Kind::UserDeleted => Declared {
            eventname: r"\core\event\user_deleted",
            action: "deleted",
            target: "user",
            objecttable: Some("user"),
            crud: "d",
        },
        Kind::UserPasswordUpdated => Declared {
            eventname: r"\core\event\user_password_updated",
            action: "updated",
            target: "user_password",
            objecttable: None,
            crud: "u",
        },
        other => unreachable!("{other:?} is not a user event"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_declared_in_its_area_as_moodle_names_its_class() {
        let kinds = [
            Kind::CohortCreated,
            Kind::CohortUpdated,
            Kind::CohortDeleted,
            Kind::CohortMemberAdded,
            Kind::CohortMemberRemoved,
            Kind::EnrolInstanceCreated,
            Kind::EnrolInstanceUpdated,
            Kind::EnrolInstanceDeleted,
            Kind::UserEnrolmentCreated,
            Kind::UserEnrolmentUpdated,
            Kind::UserEnrolmentDeleted,
            Kind::RoleAssigned,
            Kind::RoleUnassigned,
            Kind::GroupCreated,
            Kind::GroupMemberAdded,
            Kind::GroupMemberRemoved,
            Kind::UserCreated,
            Kind::UserUpdated,
            Kind::UserDeleted,
            Kind::UserPasswordUpdated,
        ];
        for kind in kinds {
            let declared = kind.declared();
            assert_eq!(
                declared.eventname,
                format!(r"\core\event\{}_{}", declared.target, declared.action),
                "{kind:?}"
            );
            assert!(["c", "u", "d"].contains(&declared.crud), "{kind:?}");
        }
    }
}
