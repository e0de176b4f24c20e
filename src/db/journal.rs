//! Moodle's standard log (`logstore_standard_log`): the rows Moodle's events would have
//! written for a file's changes. The write sites record one [`Event`] each, carried by the
//! file's transaction; before the commit [`Tx::write_journal`] resolves their contexts and
//! writes them in batches, as the main administrator under cron (Moodle's task runs as them),
//! origin `cli`. Nothing is recorded when `[moodle] write_logs` is off or the site's standard
//! log store is not enabled (`tool_log | enabled_stores`). See docs/moodle-database.md.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::{Any, any::AnyArguments, query::Query};

use super::{
    database::{Context, DbError, Tx, int, query, text},
    dialect::placeholders,
    enrolment::main_admin,
    sql::{CHUNK, bind_all},
};

/// Log rows per multi-row `INSERT` (13 values a row: under every backend's limit).
const LOG_ROWS: usize = 500;

const CONTEXT_SYSTEM: i64 = 10;
const CONTEXT_USER: i64 = 30;
const CONTEXT_COURSE: i64 = 50;

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
struct Declared {
    eventname: &'static str,
    action: &'static str,
    target: &'static str,
    objecttable: Option<&'static str>,
    crud: &'static str,
}

impl Kind {
    fn declared(self) -> Declared {
        let (eventname, action, target, objecttable, crud) = match self {
            Kind::CohortCreated => (
                r"\core\event\cohort_created",
                "created",
                "cohort",
                Some("cohort"),
                "c",
            ),
            Kind::CohortUpdated => (
                r"\core\event\cohort_updated",
                "updated",
                "cohort",
                Some("cohort"),
                "u",
            ),
            Kind::CohortDeleted => (
                r"\core\event\cohort_deleted",
                "deleted",
                "cohort",
                Some("cohort"),
                "d",
            ),
            Kind::CohortMemberAdded => (
                r"\core\event\cohort_member_added",
                "added",
                "cohort_member",
                Some("cohort"),
                "c",
            ),
            Kind::CohortMemberRemoved => (
                r"\core\event\cohort_member_removed",
                "removed",
                "cohort_member",
                Some("cohort"),
                "d",
            ),
            Kind::EnrolInstanceCreated => (
                r"\core\event\enrol_instance_created",
                "created",
                "enrol_instance",
                Some("enrol"),
                "c",
            ),
            Kind::EnrolInstanceUpdated => (
                r"\core\event\enrol_instance_updated",
                "updated",
                "enrol_instance",
                Some("enrol"),
                "u",
            ),
            Kind::EnrolInstanceDeleted => (
                r"\core\event\enrol_instance_deleted",
                "deleted",
                "enrol_instance",
                Some("enrol"),
                "d",
            ),
            Kind::UserEnrolmentCreated => (
                r"\core\event\user_enrolment_created",
                "created",
                "user_enrolment",
                Some("user_enrolments"),
                "c",
            ),
            Kind::UserEnrolmentUpdated => (
                r"\core\event\user_enrolment_updated",
                "updated",
                "user_enrolment",
                Some("user_enrolments"),
                "u",
            ),
            Kind::UserEnrolmentDeleted => (
                r"\core\event\user_enrolment_deleted",
                "deleted",
                "user_enrolment",
                Some("user_enrolments"),
                "d",
            ),
            Kind::RoleAssigned => (
                r"\core\event\role_assigned",
                "assigned",
                "role",
                Some("role"),
                "c",
            ),
            Kind::RoleUnassigned => (
                r"\core\event\role_unassigned",
                "unassigned",
                "role",
                Some("role"),
                "d",
            ),
            Kind::GroupCreated => (
                r"\core\event\group_created",
                "created",
                "group",
                Some("groups"),
                "c",
            ),
            Kind::GroupMemberAdded => (
                r"\core\event\group_member_added",
                "added",
                "group_member",
                Some("groups"),
                "c",
            ),
            Kind::GroupMemberRemoved => (
                r"\core\event\group_member_removed",
                "removed",
                "group_member",
                Some("groups"),
                "d",
            ),
            Kind::UserCreated => (
                r"\core\event\user_created",
                "created",
                "user",
                Some("user"),
                "c",
            ),
            Kind::UserUpdated => (
                r"\core\event\user_updated",
                "updated",
                "user",
                Some("user"),
                "u",
            ),
            Kind::UserDeleted => (
                r"\core\event\user_deleted",
                "deleted",
                "user",
                Some("user"),
                "d",
            ),
            Kind::UserPasswordUpdated => (
                r"\core\event\user_password_updated",
                "updated",
                "user_password",
                None,
                "u",
            ),
        };
        Declared {
            eventname,
            action,
            target,
            objecttable,
            crud,
        }
    }
}

/// Where an event happened: its context, found when the journal is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// A course's context.
    Course(i64),
    /// A user's context.
    User(i64),
    /// A context by id (a cohort's, a role assignment's).
    Context(i64),
}

/// One event: one row of the standard log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: Kind,
    pub place: Place,
    pub objectid: Option<i64>,
    pub relateduserid: Option<i64>,
    /// The event's `other`, as Moodle stores it (JSON); `None` is `null`.
    pub other: Option<String>,
}

/// The events of a file's writes, waiting to be written before the commit.
#[derive(Debug, Default)]
pub struct Journal {
    /// Whether events are recorded at all (see the module's documentation).
    on: bool,
    /// The main administrator, whose id every row carries.
    admin: i64,
    events: Vec<Event>,
    /// The context of each cohort seen, by cohort id: its events happen there.
    cohorts: HashMap<i64, i64>,
}

impl Journal {
    /// Whether events are recorded: write sites that must read rows to describe an event
    /// read them only then.
    pub fn on(&self) -> bool {
        self.on
    }

    /// Records an event (nothing when the journal is off).
    pub fn push(&mut self, event: Event) {
        if self.on {
            self.events.push(event);
        }
    }

    /// Records one event of `kind` per related user, all alike otherwise.
    pub fn push_each(
        &mut self,
        kind: Kind,
        place: Place,
        objectid: Option<i64>,
        users: impl IntoIterator<Item = i64>,
        other: Option<&str>,
    ) {
        if !self.on {
            return;
        }
        for user in users {
            self.events.push(Event {
                kind,
                place,
                objectid,
                relateduserid: Some(user),
                other: other.map(str::to_owned),
            });
        }
    }
}

/// `other` of the events that carry only the enrolment plugin's name.
pub fn enrol_other(enrol: &str) -> String {
    format!(r#"{{"enrol":{}}}"#, json_string(enrol))
}

/// `other` of a group membership given by a plugin (`groups_add_member`).
pub fn member_other(component: &str, itemid: i64) -> Option<String> {
    if component.is_empty() {
        return None;
    }
    Some(format!(
        r#"{{"component":{},"itemid":"{itemid}"}}"#,
        json_string(component)
    ))
}

/// `other` of `role_assigned`: the assignment's id is a number there…
pub fn assigned_other(id: i64, component: &str, itemid: i64) -> String {
    format!(
        r#"{{"id":{id},"component":{},"itemid":"{itemid}"}}"#,
        json_string(component)
    )
}

/// …and a string in `role_unassigned`, which Moodle builds from the row it read.
pub fn unassigned_other(id: i64, component: &str, itemid: i64) -> String {
    format!(
        r#"{{"id":"{id}","component":{},"itemid":"{itemid}"}}"#,
        json_string(component)
    )
}

/// A user enrolment as `unenrol_user` reads it before deleting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    pub id: i64,
    pub status: i64,
    pub enrolid: i64,
    pub userid: i64,
    pub timestart: i64,
    pub timeend: i64,
    pub modifierid: i64,
    pub timecreated: i64,
    pub timemodified: i64,
    pub courseid: i64,
    pub enrol: String,
}

impl EnrolmentRow {
    /// The columns [`EnrolmentRow::read`] reads, `ue` being the enrolment and `e` its method.
    const COLUMNS: &'static str = "ue.id, ue.status, ue.enrolid, ue.userid, ue.timestart, ue.timeend, \
         ue.modifierid, ue.timecreated, ue.timemodified, e.courseid, e.enrol";

    fn read(row: &sqlx::any::AnyRow) -> Result<EnrolmentRow, sqlx::Error> {
        Ok(EnrolmentRow {
            id: int(row, 0)?,
            status: int(row, 1)?,
            enrolid: int(row, 2)?,
            userid: int(row, 3)?,
            timestart: int(row, 4)?,
            timeend: int(row, 5)?,
            modifierid: int(row, 6)?,
            timecreated: int(row, 7)?,
            timemodified: int(row, 8)?,
            courseid: int(row, 9)?,
            enrol: text(row, 10)?,
        })
    }

    /// The `user_enrolment_deleted` event of this enrolment: `other` holds the row as Moodle
    /// read it (every value a string), its course, plugin and whether it was the user's last
    /// enrolment in the course.
    pub fn deleted(&self, lastenrol: bool) -> Event {
        let other = format!(
            r#"{{"userenrolment":{{"id":"{}","status":"{}","enrolid":"{}","userid":"{}","timestart":"{}","timeend":"{}","modifierid":"{}","timecreated":"{}","timemodified":"{}","courseid":"{}","enrol":{},"lastenrol":{lastenrol}}},"enrol":{}}}"#,
            self.id,
            self.status,
            self.enrolid,
            self.userid,
            self.timestart,
            self.timeend,
            self.modifierid,
            self.timecreated,
            self.timemodified,
            self.courseid,
            json_string(&self.enrol),
            json_string(&self.enrol),
        );
        Event {
            kind: Kind::UserEnrolmentDeleted,
            place: Place::Course(self.courseid),
            objectid: Some(self.id),
            relateduserid: Some(self.userid),
            other: Some(other),
        }
    }
}

/// A string as PHP's `json_encode` writes it with its default flags, as Moodle stores
/// `other`: `/` escaped, and every character outside ASCII as `\uXXXX` (UTF-16).
pub fn json_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0_u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// A context as the log row names it: id, level, instance, and the course it is in.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    id: i64,
    level: i64,
    instance: i64,
    course: i64,
}

impl Tx {
    /// Starts recording events for this file, when `write_logs` is set and the site's
    /// standard log store is enabled.
    pub async fn open_journal(&mut self, write_logs: bool) -> Result<(), DbError> {
        self.journal = Journal::default();
        if !write_logs {
            return Ok(());
        }
        let doing = "reading the site's log settings";
        let sql = self.dialect.sql(
            "SELECT value FROM {config_plugins} WHERE plugin = 'tool_log' AND name = 'enabled_stores'",
        );
        let stores = match query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            Some(row) => text(&row, 0).doing(doing)?,
            None => String::new(),
        };
        if !stores
            .split(',')
            .any(|store| store.trim() == "logstore_standard")
        {
            return Ok(());
        }
        let sql = self
            .dialect
            .sql("SELECT value FROM {config} WHERE name = 'siteadmins'");
        let siteadmins = match query(sql)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            Some(row) => Some(text(&row, 0).doing(doing)?),
            None => None,
        };
        self.journal = Journal {
            on: true,
            admin: main_admin(siteadmins.as_deref()),
            ..Journal::default()
        };
        Ok(())
    }

    /// Where a cohort's events happen: its context (read once per cohort and file).
    pub(crate) async fn cohort_place(&mut self, cohort: i64) -> Result<Place, DbError> {
        if let Some(context) = self.journal.cohorts.get(&cohort) {
            return Ok(Place::Context(*context));
        }
        let doing = "reading a cohort's context";
        let sql = self
            .dialect
            .sql("SELECT contextid FROM {cohort} WHERE id = ?");
        let row = query(sql)
            .bind(cohort)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing(doing)?;
        let context = match row {
            Some(row) => int(&row, 0).doing(doing)?,
            None => 0,
        };
        self.journal.cohorts.insert(cohort, context);
        Ok(Place::Context(context))
    }

    /// Logs `role_unassigned` for the role assignments `statement` reads (`id`, `userid`,
    /// `roleid`, `contextid`, `component`, `itemid`), about to be deleted.
    pub(crate) async fn log_unassigned(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<(), DbError> {
        if !self.journal.on {
            return Ok(());
        }
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            let id = int(&row, 0).doing(doing)?;
            let component = text(&row, 4).doing(doing)?;
            let itemid = int(&row, 5).doing(doing)?;
            self.journal.events.push(Event {
                kind: Kind::RoleUnassigned,
                place: Place::Context(int(&row, 3).doing(doing)?),
                objectid: Some(int(&row, 2).doing(doing)?),
                relateduserid: Some(int(&row, 1).doing(doing)?),
                other: Some(unassigned_other(id, &component, itemid)),
            });
        }
        Ok(())
    }

    /// Logs `group_member_removed` for the memberships `statement` reads (`groupid`,
    /// `userid`, the group's `courseid`), about to be deleted.
    pub(crate) async fn log_ungrouped(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<(), DbError> {
        if !self.journal.on {
            return Ok(());
        }
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            self.journal.events.push(Event {
                kind: Kind::GroupMemberRemoved,
                place: Place::Course(int(&row, 2).doing(doing)?),
                objectid: Some(int(&row, 0).doing(doing)?),
                relateduserid: Some(int(&row, 1).doing(doing)?),
                other: None,
            });
        }
        Ok(())
    }

    /// Reads the enrolments about to be deleted whose `column` (of `user_enrolments`: `enrolid`
    /// or `userid`) is `id`, by course, when the journal is on (none otherwise).
    pub(crate) async fn enrolment_rows(
        &mut self,
        column: &'static str,
        id: i64,
        doing: &'static str,
    ) -> Result<Vec<EnrolmentRow>, DbError> {
        if !self.journal.on {
            return Ok(Vec::new());
        }
        let sql = self.dialect.sql(&format!(
            "SELECT {} FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
             WHERE ue.{column} = ? ORDER BY e.courseid, ue.userid, ue.id",
            EnrolmentRow::COLUMNS
        ));
        query(sql)
            .bind(id)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
            .iter()
            .map(EnrolmentRow::read)
            .collect::<Result<_, _>>()
            .doing(doing)
    }

    /// Remembers where a cohort now is (created, or moved to another context).
    pub(crate) fn cohort_moved(&mut self, cohort: i64, context: i64) {
        if self.journal.on {
            self.journal.cohorts.insert(cohort, context);
        }
    }

    /// Writes the recorded events into the standard log, stamped `now`; returns how many.
    /// An event whose context is gone (a course deleted meanwhile) is written in the system
    /// context, as Moodle logs an event whose context it cannot find.
    pub async fn write_journal(&mut self, now: i64) -> Result<usize, DbError> {
        let journal = std::mem::take(&mut self.journal);
        if journal.events.is_empty() {
            return Ok(0);
        }
        let contexts = self.resolve(&journal.events).await?;
        let system = contexts
            .get(&Place::Context(0))
            .copied()
            .unwrap_or(Resolved {
                id: 1,
                level: CONTEXT_SYSTEM,
                instance: 0,
                course: 0,
            });
        let doing = "writing Moodle's log";
        for chunk in journal.events.chunks(LOG_ROWS) {
            let sql = self.dialect.sql(&format!(
                "INSERT INTO {{logstore_standard_log}} (eventname, component, action, target, objecttable, \
                 objectid, crud, edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, \
                 relateduserid, anonymous, other, timecreated, origin, ip, realuserid) VALUES {}",
                log_placeholders(chunk.len())
            ));
            let mut statement = query(sql);
            for event in chunk {
                let declared = event.kind.declared();
                let context = contexts.get(&event.place).copied().unwrap_or(system);
                statement = statement
                    .bind(declared.eventname)
                    .bind(declared.action)
                    .bind(declared.target)
                    .bind(declared.objecttable)
                    .bind(event.objectid)
                    .bind(declared.crud)
                    .bind(context.id)
                    .bind(context.level)
                    .bind(context.instance)
                    .bind(journal.admin)
                    .bind(context.course)
                    .bind(event.relateduserid)
                    .bind(event.other.clone().unwrap_or_else(|| "null".into()))
                    .bind(now);
            }
            statement
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
        }
        Ok(journal.events.len())
    }

    /// The contexts of the events' places, in as few reads as there are kinds of place.
    async fn resolve(&mut self, events: &[Event]) -> Result<BTreeMap<Place, Resolved>, DbError> {
        let doing = "reading the contexts of Moodle's log rows";
        let mut courses = BTreeSet::new();
        let mut users = BTreeSet::new();
        let mut ids = BTreeSet::from([0]);
        for event in events {
            match event.place {
                Place::Course(id) => {
                    courses.insert(id);
                }
                Place::User(id) => {
                    users.insert(id);
                }
                Place::Context(id) => {
                    ids.insert(id);
                }
            }
        }
        let mut found = BTreeMap::new();
        let mut paths = BTreeMap::new();
        for (level, keys) in [(CONTEXT_COURSE, &courses), (CONTEXT_USER, &users)] {
            let keys: Vec<i64> = keys.iter().copied().collect();
            for chunk in keys.chunks(CHUNK) {
                let sql = self.dialect.sql(&format!(
                    "SELECT id, instanceid FROM {{context}} WHERE contextlevel = ? AND instanceid IN ({})",
                    placeholders(chunk.len())
                ));
                for row in bind_all(query(sql).bind(level), chunk)
                    .fetch_all(&mut *self.transaction)
                    .await
                    .doing(doing)?
                {
                    let id = int(&row, 0).doing(doing)?;
                    let instance = int(&row, 1).doing(doing)?;
                    let place = if level == CONTEXT_COURSE {
                        Place::Course(instance)
                    } else {
                        Place::User(instance)
                    };
                    let course = if level == CONTEXT_COURSE { instance } else { 0 };
                    found.insert(
                        place,
                        Resolved {
                            id,
                            level,
                            instance,
                            course,
                        },
                    );
                }
            }
        }
        let keys: Vec<i64> = ids.iter().copied().collect();
        for chunk in keys.chunks(CHUNK) {
            // Context 0 stands for the system context, read with the others.
            let sql = self.dialect.sql(&format!(
                "SELECT id, contextlevel, instanceid, path FROM {{context}} WHERE id IN ({}) OR contextlevel = {CONTEXT_SYSTEM}",
                placeholders(chunk.len())
            ));
            for row in bind_all(query(sql), chunk)
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                let id = int(&row, 0).doing(doing)?;
                let level = int(&row, 1).doing(doing)?;
                let instance = int(&row, 2).doing(doing)?;
                let resolved = Resolved {
                    id,
                    level,
                    instance,
                    course: if level == CONTEXT_COURSE { instance } else { 0 },
                };
                if level == CONTEXT_SYSTEM {
                    found.insert(Place::Context(0), resolved);
                }
                if level > CONTEXT_COURSE {
                    paths.insert(id, text(&row, 3).doing(doing)?);
                }
                found.insert(Place::Context(id), resolved);
            }
        }
        // An activity's or a block's context is in its course: the course context on its path.
        let ancestors: BTreeSet<i64> = paths
            .values()
            .flat_map(|path| path.split('/').filter_map(|id| id.parse().ok()))
            .collect();
        let ancestors: Vec<i64> = ancestors.into_iter().collect();
        let mut course_of = BTreeMap::new();
        for chunk in ancestors.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "SELECT id, instanceid FROM {{context}} WHERE contextlevel = {CONTEXT_COURSE} AND id IN ({})",
                placeholders(chunk.len())
            ));
            for row in bind_all(query(sql), chunk)
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                course_of.insert(int(&row, 0).doing(doing)?, int(&row, 1).doing(doing)?);
            }
        }
        for (id, path) in paths {
            let course = path
                .split('/')
                .filter_map(|id| id.parse::<i64>().ok())
                .find_map(|ancestor| course_of.get(&ancestor).copied());
            if let (Some(course), Some(resolved)) = (course, found.get_mut(&Place::Context(id))) {
                resolved.course = course;
            }
        }
        Ok(found)
    }
}

/// One row's placeholders: the constant columns (`component`, `edulevel`, `anonymous`,
/// `origin`, `ip`, `realuserid`) written as literals.
fn log_placeholders(rows: usize) -> String {
    let row = "(?, 'core', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'cli', NULL, NULL)";
    vec![row; rows].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_is_json_as_moodle_stores_it() {
        assert_eq!(enrol_other("cohort"), r#"{"enrol":"cohort"}"#);
        assert_eq!(
            member_other("enrol_cohort", 12).as_deref(),
            Some(r#"{"component":"enrol_cohort","itemid":"12"}"#)
        );
        assert_eq!(member_other("", 0), None);
        assert_eq!(
            assigned_other(33, "enrol_cohort", 12),
            r#"{"id":33,"component":"enrol_cohort","itemid":"12"}"#
        );
        assert_eq!(
            unassigned_other(33, "enrol_cohort", 12),
            r#"{"id":"33","component":"enrol_cohort","itemid":"12"}"#
        );
        let row = EnrolmentRow {
            id: 33,
            status: 0,
            enrolid: 12,
            userid: 3,
            timestart: 0,
            timeend: 0,
            modifierid: 2,
            timecreated: 1796199598,
            timemodified: 1796199598,
            courseid: 4,
            enrol: "cohort".into(),
        };
        assert_eq!(
            row.deleted(true).other.as_deref(),
            Some(
                r#"{"userenrolment":{"id":"33","status":"0","enrolid":"12","userid":"3","timestart":"0","timeend":"0","modifierid":"2","timecreated":"1796199598","timemodified":"1796199598","courseid":"4","enrol":"cohort","lastenrol":true},"enrol":"cohort"}"#
            )
        );
    }

    #[test]
    fn strings_are_encoded_as_php_encodes_them() {
        assert_eq!(json_string("cohort"), r#""cohort""#);
        assert_eq!(
            json_string("a/b \"c\" \\ é 😀"),
            r#""a\/b \"c\" \\ \u00e9 \ud83d\ude00""#
        );
        assert_eq!(json_string("\u{1}"), r#""\u0001""#);
    }

    #[test]
    fn a_closed_journal_records_nothing() {
        let mut journal = Journal::default();
        journal.push_each(
            Kind::CohortMemberAdded,
            Place::Context(3),
            Some(1),
            [4, 5],
            None,
        );
        assert!(journal.events.is_empty());
        journal.on = true;
        journal.push_each(
            Kind::CohortMemberAdded,
            Place::Context(3),
            Some(1),
            [4, 5],
            None,
        );
        assert_eq!(journal.events.len(), 2);
    }

    #[test]
    fn every_row_has_its_placeholders() {
        let sql = log_placeholders(2);
        assert_eq!(sql.matches('?').count(), 2 * 14);
    }
}
