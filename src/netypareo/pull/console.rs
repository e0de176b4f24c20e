//! The console a pull prints to, and the pull's report: the console's transcript, written
//! into the reports folder.

use std::{path::PathBuf, sync::Mutex};

use super::run::Destination;
use crate::{
    netypareo::settings::Instance,
    output::{atomic, naming},
};

/// The console: lines go to `sink` as they come and are kept for the report.
pub struct Console<'a> {
    sink: &'a (dyn Fn(&str) + Sync),
    transcript: Mutex<Vec<String>>,
}

impl<'a> Console<'a> {
    /// A console printing through `sink`.
    pub fn new(sink: &'a (dyn Fn(&str) + Sync)) -> Console<'a> {
        Console {
            sink,
            transcript: Mutex::new(Vec::new()),
        }
    }

    /// Prints a line.
    pub fn say(&self, line: impl Into<String>) {
        let line = line.into();
        (self.sink)(&line);
        self.transcript
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line);
    }

    /// Every line printed so far, one per line.
    pub(super) fn transcript(&self) -> String {
        let lines = self
            .transcript
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }
}

/// Writes the console's transcript as the pull's report; `None` (logged) when it cannot be
/// written.
pub(super) fn write_report(
    instance: &Instance,
    destination: &Destination,
    stamp: &str,
    console: &Console<'_>,
) -> Option<PathBuf> {
    let text = console.transcript();
    let written = std::fs::create_dir_all(&destination.reports).and_then(|()| {
        atomic::publish(
            &destination.reports,
            &|n| {
                format!(
                    "{}_netypareo_{}.report.txt",
                    naming::suffixed(stamp, n),
                    instance.slug
                )
            },
            0,
            text.as_bytes(),
        )
    });
    match written {
        Ok(path) => Some(path),
        Err(error) => {
            tracing::error!(
                "cannot write the NetYpareo pull report into {}: {error}",
                destination.reports.display()
            );
            None
        }
    }
}
