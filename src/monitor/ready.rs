//! Readiness: the database answers and the spool can be written (a probe file created and
//! removed at once, under a name the spool never takes: it starts with a dot and ends in
//! `.tmp`).

use std::{fs::OpenOptions, io, path::Path};

use crate::{config::Config, db::Db};

/// What `/readyz` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Why the database cannot be used, if it cannot.
    pub database: Option<String>,
    /// Why the spool cannot be written, if it cannot.
    pub spool: Option<String>,
}

impl Readiness {
    /// Whether both hold.
    pub fn is_ready(&self) -> bool {
        self.database.is_none() && self.spool.is_none()
    }

    /// The answer's text: one line per check.
    pub fn body(&self) -> String {
        let line = |what: &str, problem: &Option<String>| match problem {
            None => format!("{what}: ok\n"),
            Some(problem) => format!("{what}: {problem}\n"),
        };
        line("database", &self.database) + &line("spool", &self.spool)
    }
}

/// Checks the database and the spool.
pub async fn readiness(config: &Config, db: &Db) -> Readiness {
    Readiness {
        database: db.ping().await.err().map(|error| error.to_string()),
        spool: spool_writable(&config.paths.spool)
            .err()
            .map(|error| format!("cannot write in {}: {error}", config.paths.spool.display())),
    }
}

/// Creates and removes a probe file in `spool`.
fn spool_writable(spool: &Path) -> io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    let probe = spool.join(format!(
        ".moodle-sync-ready.{}.{nanos}.tmp",
        std::process::id()
    ));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spool_probe_leaves_nothing_and_says_why_it_fails() {
        let folder = tempfile::tempdir().unwrap();
        spool_writable(folder.path()).unwrap();
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
        let missing = folder.path().join("gone");
        assert!(spool_writable(&missing).is_err());
        let readiness = Readiness {
            database: None,
            spool: Some("cannot write".into()),
        };
        assert!(!readiness.is_ready());
        assert_eq!(readiness.body(), "database: ok\nspool: cannot write\n");
    }
}
