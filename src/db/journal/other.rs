//! The events' `other`, as Moodle stores it: JSON written as PHP's `json_encode` writes it.

use super::{
    event::{Event, Place},
    kind::Kind,
};
use crate::db::database::{int, text};

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
    pub(super) const COLUMNS: &'static str = "ue.id, ue.status, ue.enrolid, ue.userid, ue.timestart, ue.timeend, \
         ue.modifierid, ue.timecreated, ue.timemodified, e.courseid, e.enrol";

    pub(super) fn read(row: &sqlx::any::AnyRow) -> Result<EnrolmentRow, sqlx::Error> {
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
}
