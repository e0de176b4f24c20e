//! Running the exports of one instance: fetch from NetYpareo, render with [`super::export`],
//! publish the command files into the spool (atomically, under names the watcher routes), and
//! tell the console what was written, with the plugin's own lines.
//!
//! Failures are isolated: an endpoint the token may not call fails the part that needs it
//! (the tutors, say) and the others are still written. A part whose data is incomplete never
//! writes its `sync` file, since a missing member would be removed.

use std::{
    collections::BTreeMap,
    io,
    path::{Path, PathBuf},
    sync::Mutex,
};

use chrono::{DateTime, Local, NaiveDate};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::{
    client::{Client, FetchError},
    export::{self, Definitions, GroupKind, Person, Skipped, SyncedCohort, UserKind, path_date},
    settings::{Export, Instance},
    wire::{Account, Group, Learner, Period, Site},
};
use crate::{
    command::{FileKind, Routing, refs::UserIdentifier},
    output::{atomic, naming},
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

/// One part of an export that did not complete.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    /// NetYpareo did not give the data.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The token cannot be read, or the client set up.
    #[error("{0}")]
    Setup(String),
    /// No period to export.
    #[error(
        "no period is in progress on {0} in the definition cache: list the periods to export in `periods`, or refresh the cache"
    )]
    NoPeriod(String),
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The definition cache cannot be read.
    #[error("the definition cache {} cannot be read: {message}; run the cache export", path.display())]
    Cache {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The routing would not send the file to the right kind, or `[watch] ignore` ignores it.
    #[error(
        "{name} would not be read as a {kind} file under [routing] ({routing}) and [watch] ignore; add \"{prefix}*.csv\" to [routing] {kind}"
    )]
    Routing {
        /// The file name.
        name: String,
        /// The kind it must have.
        kind: FileKind,
        /// The kind's prefix.
        prefix: &'static str,
        /// The routing, described.
        routing: String,
    },
}

/// What one export did.
#[derive(Debug)]
pub struct ExportOutcome {
    /// The export.
    pub export: Export,
    /// Files published into the spool.
    pub written: Vec<PathBuf>,
    /// Parts that failed.
    pub errors: Vec<PartError>,
}

/// What a pull of one instance did.
#[derive(Debug)]
pub struct PullOutcome {
    /// The instance's name.
    pub instance: String,
    /// One per export run, in order.
    pub exports: Vec<ExportOutcome>,
    /// The pull's report, if it could be written.
    pub report: Option<PathBuf>,
}

impl PullOutcome {
    /// Whether every export completed.
    pub fn succeeded(&self) -> bool {
        self.exports.iter().all(|export| export.errors.is_empty())
    }
}

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

    fn transcript(&self) -> String {
        let lines = self
            .transcript
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }
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

/// The format version of `last-pull.json`.
pub const LAST_PULL_VERSION: u32 = 1;

/// `state/netypareo/<instance>/last-pull.json`: when each export of an instance last ran and
/// how it ended, for `status`. Written by every pull, `netypareo pull` and `watch`'s schedules
/// alike; an export a pull did not run keeps its earlier record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastPull {
    /// Format version ([`LAST_PULL_VERSION`]).
    pub version: u32,
    /// The instance's name.
    pub instance: String,
    /// When the last pull ran (RFC 3339, local time).
    pub pulled_at: String,
    /// The exports it ran.
    pub ran: Vec<String>,
    /// Whether all of them completed.
    pub succeeded: bool,
    /// Its report (the console transcript), if it could be written.
    pub report: Option<String>,
    /// Each export's last run, in the plugin's order.
    pub exports: Vec<ExportRecord>,
}

/// One export's last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecord {
    /// The export (`cache`, `sites`, `users`, `groups`, `fcgroups`).
    pub export: String,
    /// When it ran (RFC 3339, local time).
    pub at: String,
    /// `success`, or `failed` when a part of it failed.
    pub outcome: String,
    /// The command files it wrote into the spool.
    pub files: Vec<String>,
    /// Why parts failed.
    pub errors: Vec<String>,
    /// The pull's report.
    pub report: Option<String>,
}

/// Where the last pull of the instance `slug` is recorded.
pub fn last_pull_path(state: &Path, slug: &str) -> PathBuf {
    state.join("netypareo").join(slug).join("last-pull.json")
}

/// The record of the last pull of `slug`: `None` when it never ran here, `Err` (in words) when
/// the record cannot be read.
pub fn read_last_pull(state: &Path, slug: &str) -> Option<Result<LastPull, String>> {
    let path = last_pull_path(state, slug);
    match std::fs::read(&path) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .map_err(|error| format!("{} cannot be read: {error}", path.display())),
        ),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => Some(Err(format!("{} cannot be read: {error}", path.display()))),
    }
}

/// Records `outcome` as the last pull of `instance`, over the earlier record (atomically).
fn record_last_pull(
    instance: &Instance,
    destination: &Destination,
    outcome: &PullOutcome,
    now: DateTime<Local>,
) {
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let report = outcome
        .report
        .as_ref()
        .map(|path| path.display().to_string());
    let mut exports = match read_last_pull(&destination.state, &instance.slug) {
        Some(Ok(earlier)) => earlier.exports,
        _ => Vec::new(),
    };
    exports.retain(|record| {
        !outcome
            .exports
            .iter()
            .any(|export| export.export.name() == record.export)
    });
    exports.extend(outcome.exports.iter().map(|export| {
        ExportRecord {
            export: export.export.name().to_owned(),
            at: at.clone(),
            outcome: if export.errors.is_empty() {
                "success"
            } else {
                "failed"
            }
            .to_owned(),
            files: export
                .written
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            errors: export.errors.iter().map(ToString::to_string).collect(),
            report: report.clone(),
        }
    }));
    let order = |name: &str| {
        Export::ALL
            .iter()
            .position(|export| export.name() == name)
            .unwrap_or(usize::MAX)
    };
    exports.sort_by_key(|record| order(&record.export));
    let record = LastPull {
        version: LAST_PULL_VERSION,
        instance: instance.name.clone(),
        pulled_at: at,
        ran: outcome
            .exports
            .iter()
            .map(|export| export.export.name().to_owned())
            .collect(),
        succeeded: outcome.succeeded(),
        report,
        exports,
    };
    let path = last_pull_path(&destination.state, &instance.slug);
    let bytes = serde_json::to_vec_pretty(&record).expect("plain data serializes");
    let written = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .and_then(|()| atomic::replace(&path, &bytes));
    if let Err(error) = written {
        tracing::error!(
            "cannot record the NetYpareo pull in {}: {error}",
            path.display()
        );
    }
}

fn write_report(
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

/// One pull's context.
struct Run<'a> {
    instance: &'a Instance,
    client: &'a Client,
    destination: &'a Destination,
    stamp: &'a str,
    today: NaiveDate,
    console: &'a Console<'a>,
    /// The exported students, fetched once per pull: the users' and both groups' exports
    /// need them, and the learners' answer is NetYpareo's heaviest.
    students: &'a OnceCell<Students>,
}

/// The exported students and those left out, with why.
type Students = (Vec<Person>, Vec<Skipped>);

impl Run<'_> {
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

    fn cache_path(&self) -> PathBuf {
        self.destination
            .state
            .join("netypareo")
            .join(&self.instance.slug)
            .join("definitions.json")
    }

    /// Fetches the reference tables and stores them.
    async fn cache(&self) -> Result<Definitions, PartError> {
        self.console.say(format!(
            "Updating cache status for instance {}",
            self.instance.index
        ));
        let (statuses, years, formations, periods) = futures_util::try_join!(
            self.client.collection(&["statuts"], &[]),
            self.client.collection(&["annees"], &[]),
            self.client.collection(&["formations"], &[]),
            self.client.collection(&["periodes"], &[]),
        )?;
        let definitions = Definitions {
            statuses,
            years,
            formations,
            periods,
        };
        self.console
            .say(format!("Reading {} records...", definitions.len()));
        let path = self.cache_path();
        let bytes = serde_json::to_vec_pretty(&definitions).expect("plain data serializes");
        let folder = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)
            .and_then(|()| atomic::replace(&path, &bytes))
            .map_err(|source| PartError::Write {
                path: path.clone(),
                source,
            })?;
        Ok(definitions)
    }

    /// The cached definitions, fetched first when there are none yet.
    async fn definitions(&self) -> Result<Definitions, PartError> {
        let path = self.cache_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| PartError::Cache {
                path,
                message: error.to_string(),
            }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                self.console
                    .say("  No definition cache yet: reading it first");
                self.cache().await
            }
            Err(error) => Err(PartError::Cache {
                path,
                message: error.to_string(),
            }),
        }
    }

    fn periods<'d>(&self, definitions: &'d Definitions) -> Result<Vec<&'d Period>, PartError> {
        let periods = definitions.periods_for(self.instance, self.today);
        if periods.is_empty() {
            return Err(PartError::NoPeriod(
                self.today.format("%d/%m/%Y").to_string(),
            ));
        }
        Ok(periods)
    }

    fn period_query(&self, periods: &[&Period]) -> Vec<(&'static str, String)> {
        let codes: Vec<&str> = periods
            .iter()
            .filter_map(|period| period.code_periode.as_deref())
            .collect();
        let mut query = vec![("codesPeriode", codes.join(","))];
        let sites: Vec<&str> = self
            .instance
            .sites
            .iter()
            .filter(|site| site.chars().all(|c| c.is_ascii_digit()))
            .map(String::as_str)
            .collect();
        if !sites.is_empty() && sites.len() == self.instance.sites.len() {
            query.push(("codesSite", sites.join(",")));
        }
        query
    }

    async fn sites(&self, outcome: &mut ExportOutcome) -> Result<(), PartError> {
        self.console.say("  Syncing cohorts...");
        let sites: Vec<Site> = self.client.collection(&["sites"], &[]).await?;
        let kept = export::sites_to_export(self.instance, &sites);
        for site in &kept {
            if let Some(idnumber) = export::site_idnumber(self.instance, site) {
                self.console.say(format!(
                    "    Site cohort updated: {} [{idnumber}]",
                    site.nom_site.as_deref().unwrap_or_default()
                ));
            }
        }
        let bytes = export::site_cohort_file(self.instance, &kept);
        outcome
            .written
            .push(self.publish(FileKind::Cohorts, "sites", &bytes)?);
        Ok(())
    }

    /// The exported students (fetched by the first export of the pull that needs them).
    async fn students(
        &self,
        definitions: &Definitions,
        periods: &[&Period],
    ) -> Result<&Students, PartError> {
        self.students
            .get_or_try_init(|| self.fetch_students(definitions, periods))
            .await
    }

    async fn fetch_students(
        &self,
        definitions: &Definitions,
        periods: &[&Period],
    ) -> Result<Students, PartError> {
        let query = self.period_query(periods);
        let accounts = self
            .client
            .collection::<Account>(&["utilisateur", "apprenants"], &[]);
        let long = self
            .client
            .collection::<Learner>(&["formation-longue", "apprenants"], &query);
        let (accounts, mut learners, continuing) =
            futures_util::try_join!(accounts, long, self.continuing_learners(periods))?;
        learners.extend(continuing);
        Ok(export::students(
            self.instance,
            &accounts,
            &learners,
            definitions,
            periods,
        ))
    }

    async fn continuing_learners(&self, periods: &[&Period]) -> Result<Vec<Learner>, FetchError> {
        let path = &self.instance.paths.fc_learners;
        if path.is_empty() {
            return Ok(Vec::new());
        }
        let Some((from, to)) = export::window(periods) else {
            return Ok(Vec::new());
        };
        let segments = dated(path, from, to);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        self.client.collection(&segments, &[]).await
    }

    async fn users(&self, outcome: &mut ExportOutcome) {
        let definitions = match self.definitions().await {
            Ok(definitions) => definitions,
            Err(error) => return outcome.errors.push(error),
        };
        for kind in UserKind::ALL {
            self.console.say(format!("  Syncing {}s...", kind.name()));
            let result = match kind {
                UserKind::Student => self.student_files(&definitions, outcome).await,
                UserKind::Teacher | UserKind::Tutor => self.staff_file(kind, outcome).await,
            };
            if let Err(error) = result {
                outcome.errors.push(error);
            }
        }
    }

    async fn student_files(
        &self,
        definitions: &Definitions,
        outcome: &mut ExportOutcome,
    ) -> Result<(), PartError> {
        let periods = self.periods(definitions)?;
        let (sites, students) = futures_util::join!(
            self.client.collection::<Site>(&["sites"], &[]),
            self.students(definitions, &periods)
        );
        let (students, skipped) = students?;
        self.people_file(UserKind::Student, students, skipped, outcome)?;
        let sites = sites?;
        let kept = export::sites_to_export(self.instance, &sites);
        let cohorts = export::site_members(
            self.instance,
            &kept,
            students,
            self.destination.member_identifier,
        );
        self.sync_file("site-members", "Site cohort members", &cohorts, outcome)
    }

    async fn staff_file(
        &self,
        kind: UserKind,
        outcome: &mut ExportOutcome,
    ) -> Result<(), PartError> {
        let path = match kind {
            UserKind::Tutor => self.instance.paths.tutors.clone(),
            _ => "utilisateur/personnels".to_owned(),
        };
        if path.is_empty() {
            self.console.say("    (no tutors' endpoint configured)");
            return Ok(());
        }
        let segments: Vec<&str> = path.split('/').collect();
        let accounts: Vec<Account> = self.client.collection(&segments, &[]).await?;
        let (people, skipped) = export::staff(self.instance, kind, &accounts);
        self.people_file(kind, &people, &skipped, outcome)
    }

    fn people_file(
        &self,
        kind: UserKind,
        people: &[Person],
        skipped: &[Skipped],
        outcome: &mut ExportOutcome,
    ) -> Result<(), PartError> {
        for person in people {
            self.console.say(format!(
                "    User {} updated: [{}] [{}]",
                kind.name(),
                person.username,
                person.idnumber
            ));
        }
        for skip in skipped {
            self.console.say(format!(
                "    {} skipped: [{}] {}",
                kind.name(),
                skip.who,
                skip.why
            ));
        }
        if people.is_empty() {
            self.console
                .say(format!("    No {} to export", kind.name()));
            return Ok(());
        }
        let bytes = export::user_file(self.instance, kind, people, self.today);
        let part = format!("{}s", kind.name());
        outcome
            .written
            .push(self.publish(FileKind::Users, &part, &bytes)?);
        Ok(())
    }

    async fn groups(&self, kind: GroupKind, outcome: &mut ExportOutcome) -> Result<(), PartError> {
        let (label, part) = match kind {
            GroupKind::Diploma => ("Group", "groups"),
            GroupKind::Continuing => ("FC group", "fcgroups"),
        };
        self.console.say(format!("  Syncing {part}..."));
        let definitions = self.definitions().await?;
        let periods = self.periods(&definitions)?;
        let groups = match kind {
            GroupKind::Diploma => {
                let query = self.period_query(&periods);
                self.client
                    .collection::<Group>(&["formation-longue", "groupes"], &query)
                    .await?
            }
            GroupKind::Continuing => {
                let path = &self.instance.paths.fc_groups;
                let window = export::window(&periods);
                let (true, Some((from, to))) = (!path.is_empty(), window) else {
                    self.console
                        .say("    (no continuing-education groups' endpoint configured)");
                    return Ok(());
                };
                let segments = dated(path, from, to);
                let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
                self.client.collection::<Group>(&segments, &[]).await?
            }
        };
        // Groups name their site by code: a filter naming sites by abbreviation needs the sites.
        let by_code = |site: &String| site.chars().all(|c| c.is_ascii_digit());
        let sites: Vec<Site> = if self.instance.sites.iter().all(by_code) {
            Vec::new()
        } else {
            self.client.collection(&["sites"], &[]).await?
        };
        let groups: Vec<Group> = groups
            .into_iter()
            .filter(|group| export::group_wanted(self.instance, group, &periods, &sites))
            .collect();
        let (students, _) = self.students(&definitions, &periods).await?;
        let by_code: BTreeMap<&str, &Person> = students
            .iter()
            .map(|student| (student.code.as_str(), student))
            .collect();
        let members = join_all(groups.iter().map(|group| async move {
            let code = group.code_groupe.as_deref().unwrap_or_default();
            self.client
                .collection::<Learner>(&["groupes", code, "apprenants"], &[])
                .await
        }))
        .await;
        let mut cohorts = Vec::with_capacity(groups.len());
        for (group, learners) in groups.iter().zip(members) {
            match learners {
                Ok(learners) => cohorts.extend(export::group_cohort(
                    self.instance,
                    kind,
                    group,
                    &learners,
                    &by_code,
                    self.destination.member_identifier,
                )),
                // The group is left out of the file: its cohort stays as it is.
                Err(error) => outcome.errors.push(error.into()),
            }
        }
        self.sync_file(part, &format!("{label} cohort"), &cohorts, outcome)
    }

    fn sync_file(
        &self,
        part: &str,
        label: &str,
        cohorts: &[SyncedCohort],
        outcome: &mut ExportOutcome,
    ) -> Result<(), PartError> {
        for cohort in cohorts {
            self.console.say(format!(
                "    {label} updated: {} [{}] ({} members)",
                cohort.name,
                cohort.idnumber,
                cohort.members.len()
            ));
        }
        if cohorts.is_empty() {
            return Ok(());
        }
        let bytes = export::sync_file(cohorts);
        outcome
            .written
            .push(self.publish(FileKind::Cohorts, part, &bytes)?);
        Ok(())
    }

    /// Publishes a command file into the spool: `<kind>_netypareo_<instance>_<part>_<stamp>.csv`,
    /// then its done marker when the watcher waits for one. The file starts with a comment
    /// naming the pull: two pulls never give the same bytes, so that a snapshot equal to an
    /// earlier one is applied again (restoring what changed in Moodle since) rather than
    /// skipped as a duplicate.
    fn publish(&self, kind: FileKind, part: &str, bytes: &[u8]) -> Result<PathBuf, PartError> {
        let name = |n: u32| {
            format!(
                "{}_netypareo_{}_{part}_{}.csv",
                kind.file_prefix(),
                self.instance.slug,
                naming::suffixed(self.stamp, n)
            )
        };
        let first = name(0);
        if self.destination.routing.kind_of(&first) != Some(kind)
            || self
                .destination
                .ignore
                .iter()
                .any(|pattern| crate::command::matches(pattern, &first))
        {
            return Err(PartError::Routing {
                name: first,
                kind,
                prefix: kind.file_prefix(),
                routing: self.destination.routing.describe(),
            });
        }
        let spool = &self.destination.spool;
        let comment = format!(
            "# NetYpareo \"{}\": {part}, pulled {}\n",
            self.instance.name, self.stamp
        );
        let path = std::fs::create_dir_all(spool)
            .and_then(|()| {
                atomic::publish_with(spool, &name, 0, |out| {
                    out.write_all(comment.as_bytes())?;
                    out.write_all(bytes)
                })
            })
            .map_err(|source| PartError::Write {
                path: spool.join(&first),
                source,
            })?;
        if let Some(marker) = &self.destination.done_marker {
            let mut marker_path = path.clone().into_os_string();
            marker_path.push(marker);
            atomic::replace(Path::new(&marker_path), b"").map_err(|source| PartError::Write {
                path: marker_path.into(),
                source,
            })?;
        }
        self.console.say(format!("  Wrote {}", path.display()));
        Ok(path)
    }
}

/// The path's segments with `{from}` and `{to}` replaced by `dd-mm-yyyy` dates.
fn dated(path: &str, from: NaiveDate, to: NaiveDate) -> Vec<String> {
    path.split('/')
        .map(|segment| {
            segment
                .replace("{from}", &path_date(from))
                .replace("{to}", &path_date(to))
        })
        .collect()
}
