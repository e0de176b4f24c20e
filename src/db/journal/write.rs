//! The recorded events written into the standard log before the commit, in batches, each in
//! the context its place resolves to.

use std::collections::{BTreeMap, BTreeSet};

use super::event::{Event, Place};
use crate::db::{
    DbError, Tx,
    database::{Context, int, query, text},
    dialect::placeholders,
    sql::{CHUNK, bind_all},
};

/// Log rows per multi-row `INSERT` (13 values a row: under every backend's limit).
const LOG_ROWS: usize = 500;

const CONTEXT_SYSTEM: i64 = 10;
const CONTEXT_USER: i64 = 30;
const CONTEXT_COURSE: i64 = 50;

/// A context as the log row names it: id, level, instance, and the course it is in.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    id: i64,
    level: i64,
    instance: i64,
    course: i64,
}

impl Tx {
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
    fn every_row_has_its_placeholders() {
        let sql = log_placeholders(2);
        assert_eq!(sql.matches('?').count(), 2 * 14);
    }
}
