//! A pull of one instance: its exports run in the plugin's order, each part's failure kept
//! apart, then the report and the record of the pull.

use std::path::PathBuf;

use chrono::{DateTime, Local, NaiveDate};
use tokio::sync::OnceCell;

use super::{
    console::{Console, write_report},
    last_pull::record_last_pull,
    outcome::{ExportOutcome, PartError, PullOutcome},
};
use crate::{
    command::{Routing, refs::UserIdentifier},
    netypareo::{
        client::Client,
        export::{GroupKind, Person, Skipped},
        settings::{Export, Instance},
    },
    output::naming,
};

/// Where an export writes, and what the files must fit.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The spool.
    pub spool: PathBuf,
    /// The state folder (the definition cache lives in `netypareo/<instance>/`).
    pub state: PathBuf,
    /// Where the pull's report goes.
    pub reports: PathBuf,
    /// The routing of the watcher, which the names must match.
    pub routing: Routing,
    /// How cohort files name members (`[cohorts] user_identifier`).
    pub member_identifier: UserIdentifier,
    /// Names the watcher never takes (`[watch] ignore`), which a file must not match.
    pub ignore: Vec<String>,
    /// `[watch] done_marker`: written after each file, when set.
    pub done_marker: Option<String>,
}

/// Runs `exports` (in [`Export::ALL`] order) of `instance` now.
pub async fn pull(
    instance: &Instance,
    exports: &[Export],
    destination: &Destination,
    now: DateTime<Local>,
    console: &Console<'_>,
) -> PullOutcome {
    console.say("Running on :");
    console.say(format!("Name : {}", instance.name));
    console.say(format!("Base URL : {}", instance.base_url));
    let stamp = naming::stamp(&now);
    let today = now.date_naive();
    let client = instance
        .token
        .resolve()
        .and_then(|token| Client::new(instance, &token));
    let students = OnceCell::new();
    let mut outcomes = Vec::new();
    for export in Export::ALL
        .into_iter()
        .filter(|export| exports.contains(export))
    {
        let mut outcome = ExportOutcome {
            export,
            written: Vec::new(),
            errors: Vec::new(),
        };
        match &client {
            Err(message) => outcome.errors.push(PartError::Setup(format!(
                "instance \"{}\": {message}",
                instance.name
            ))),
            Ok(client) => {
                let run = Run {
                    instance,
                    client,
                    destination,
                    stamp: &stamp,
                    today,
                    console,
                    students: &students,
                };
                run.export(export, &mut outcome).await;
            }
        }
        for error in &outcome.errors {
            console.say(format!("  Failed: {error}"));
        }
        outcomes.push(outcome);
    }
    let report = write_report(instance, destination, &stamp, console);
    let outcome = PullOutcome {
        instance: instance.name.clone(),
        exports: outcomes,
        report,
    };
    record_last_pull(instance, destination, &outcome, now);
    outcome
}

/// One pull's context.
pub(super) struct Run<'a> {
    pub(super) instance: &'a Instance,
    pub(super) client: &'a Client,
    pub(super) destination: &'a Destination,
    pub(super) stamp: &'a str,
    pub(super) today: NaiveDate,
    pub(super) console: &'a Console<'a>,
    /// The exported students, fetched once per pull: the users' and both groups' exports
    /// need them, and the learners' answer is NetYpareo's heaviest.
    pub(super) students: &'a OnceCell<Students>,
}

/// The exported students and those left out, with why.
pub(super) type Students = (Vec<Person>, Vec<Skipped>);

impl Run<'_> {
    /// Runs one export, its failures recorded in `outcome`.
    async fn export(&self, export: Export, outcome: &mut ExportOutcome) {
        let result = match export {
            Export::Cache => self.cache().await.map(|_| ()),
            Export::Sites => self.sites(outcome).await,
            Export::Users => {
                self.users(outcome).await;
                Ok(())
            }
            Export::Groups => self.groups(GroupKind::Diploma, outcome).await,
            Export::FcGroups => self.groups(GroupKind::Continuing, outcome).await,
        };
        if let Err(error) = result {
            outcome.errors.push(error);
        }
    }
}
