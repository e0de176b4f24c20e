//! What a pull reads from NetYpareo: the definition cache (fetched, stored, read back), the
//! periods to export and their query, and the students, fetched once per pull.

use std::{
    io,
    path::{Path, PathBuf},
};

use chrono::NaiveDate;

use super::{
    outcome::PartError,
    run::{Run, Students},
};
use crate::{
    netypareo::{
        client::FetchError,
        export::{self, Definitions, path_date},
        wire::{Account, Learner, Period},
    },
    output::atomic,
};

impl Run<'_> {
    fn cache_path(&self) -> PathBuf {
        self.destination
            .state
            .join("netypareo")
            .join(&self.instance.slug)
            .join("definitions.json")
    }

    /// Fetches the reference tables and stores them.
    pub(super) async fn cache(&self) -> Result<Definitions, PartError> {
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
    pub(super) async fn definitions(&self) -> Result<Definitions, PartError> {
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

    /// The periods to export today: the configured ones, or those in progress.
    pub(super) fn periods<'d>(
        &self,
        definitions: &'d Definitions,
    ) -> Result<Vec<&'d Period>, PartError> {
        let periods = definitions.periods_for(self.instance, self.today);
        if periods.is_empty() {
            return Err(PartError::NoPeriod(
                self.today.format("%d/%m/%Y").to_string(),
            ));
        }
        Ok(periods)
    }

    /// The query of the endpoints filtered by period: the periods' codes, and the sites'
    /// when the instance names them all by code.
    pub(super) fn period_query(&self, periods: &[&Period]) -> Vec<(&'static str, String)> {
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

    /// The exported students (fetched by the first export of the pull that needs them).
    pub(super) async fn students(
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
}

/// The path's segments with `{from}` and `{to}` replaced by `dd-mm-yyyy` dates.
pub(super) fn dated(path: &str, from: NaiveDate, to: NaiveDate) -> Vec<String> {
    path.split('/')
        .map(|segment| {
            segment
                .replace("{from}", &path_date(from))
                .replace("{to}", &path_date(to))
        })
        .collect()
}
