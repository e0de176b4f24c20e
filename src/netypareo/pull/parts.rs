//! Each export's parts: the sites' cohorts, the users (students with their site cohorts,
//! teachers, tutors) and the groups' cohorts, fetched, rendered and published.

use std::collections::BTreeMap;

use futures_util::future::join_all;

use super::{
    fetch::dated,
    outcome::{ExportOutcome, PartError},
    run::Run,
};
use crate::{
    command::FileKind,
    netypareo::{
        export::{self, Definitions, GroupKind, Person, Skipped, SyncedCohort, UserKind},
        wire::{Account, Group, Learner, Site},
    },
};

impl Run<'_> {
    /// The `sites` export: one cohort per site, without members.
    pub(super) async fn sites(&self, outcome: &mut ExportOutcome) -> Result<(), PartError> {
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

    /// The `users` export: a user file per kind of account, and the site cohorts' members.
    pub(super) async fn users(&self, outcome: &mut ExportOutcome) {
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

    /// The `groups` or `fcgroups` export: one cohort per group, holding its students.
    pub(super) async fn groups(
        &self,
        kind: GroupKind,
        outcome: &mut ExportOutcome,
    ) -> Result<(), PartError> {
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
}
