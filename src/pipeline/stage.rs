//! Phase 7, stage: where each output goes (free names that share a suffix), what the ledger
//! records, and the report, the tryback and a copy of the input written into the claim folder
//! with the plan of where they go, all before the commit.

use std::{
    io,
    path::{Path, PathBuf},
};

use super::{lookup::Found, read::Input, run::Run, take::Taker, verdict::Verdict};
use crate::{
    config::Config,
    db::LedgerEntry,
    output::{
        atomic::{self, Namer},
        naming,
        report::{LedgerInfo, Outputs, Report},
        tryback,
    },
    spool::claim::{self, Claim, OutputPlan, Placement, STAGED_INPUT, SourceRemoval},
};

pub(super) const REPORT: &str = "report.txt";
pub(super) const REPORT_JSON: &str = "report.json";
pub(super) const TRYBACK: &str = "tryback.csv";

/// Where an input goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Area {
    Archive,
    Failed,
    Held,
}

impl Area {
    fn dir(self, config: &Config) -> &Path {
        match self {
            Area::Archive => &config.paths.archive,
            Area::Failed => &config.paths.failed,
            Area::Held => &config.paths.held,
        }
    }

    /// Where the input of a file that ended with `verdict` goes; `None` leaves it where it
    /// was given (a `run` refused).
    pub(super) fn of(verdict: &Verdict<'_>, external: bool) -> Option<Area> {
        match (verdict, external) {
            (Verdict::Applied { .. } | Verdict::Duplicate(_), _) => Some(Area::Archive),
            // Held by `run` too: it waits in the held area to be approved.
            (Verdict::Held { .. }, _) => Some(Area::Held),
            (_, false) => Some(Area::Failed),
            (_, true) => None,
        }
    }
}

/// The final names of a run's files, chosen free together so that they share a suffix.
pub(super) struct Names {
    /// The run's stamp with that suffix.
    pub(super) stamp: String,
    pub(super) report: PathBuf,
    pub(super) report_json: PathBuf,
    pub(super) input: Option<PathBuf>,
    pub(super) tryback: Option<PathBuf>,
}

/// Where a decided file's outputs go.
pub(super) struct Destinations {
    pub(super) names: Names,
    /// Where the input goes.
    pub(super) input_to: Option<Area>,
    /// The failed lines under the header, when lines failed.
    pub(super) tryback: Option<Vec<u8>>,
    /// Where the tryback goes: the reports, or the failed area once the tryback generation
    /// reached `[watch] max_tryback_generations`.
    pub(super) tryback_dir: PathBuf,
    /// Whether this tryback generation reached the limit.
    pub(super) limit_reached: bool,
}

impl Destinations {
    /// The destinations of a file that ended with `verdict`, of `generation`.
    pub(super) fn choose(
        run: &Run<'_>,
        verdict: &Verdict<'_>,
        input: Option<&Input>,
        external: bool,
        generation: u32,
    ) -> Destinations {
        let config = run.config;
        let limit_reached =
            generation > 0 && generation >= config.watch.max_tryback_generations.max(1);
        let tryback = match (verdict, input) {
            (Verdict::Applied { outcome, table }, Some(input)) => {
                let failed: Vec<_> = outcome.failed().map(|line| line.raw.clone()).collect();
                (!failed.is_empty()).then(|| tryback::render(&input.bytes, table, &failed))
            }
            _ => None,
        };
        let input_to = Area::of(verdict, external);
        let tryback_dir = if limit_reached {
            config.paths.failed.clone()
        } else {
            config.paths.reports.clone()
        };
        let names = run.names(
            input_to.map(|area| area.dir(config)),
            tryback.as_ref().map(|_| tryback_dir.as_path()),
        );
        Destinations {
            names,
            input_to,
            tryback,
            tryback_dir,
            limit_reached,
        }
    }

    /// The outputs the report names, given where the input and the tryback are.
    pub(super) fn outputs(&self, input: Option<&Path>, tryback: Option<&Path>) -> Outputs {
        let input_in = |area: Area| {
            input
                .filter(|_| self.input_to == Some(area))
                .map(|path| path.display().to_string())
        };
        Outputs {
            tryback: tryback.map(|path| path.display().to_string()),
            archive: input_in(Area::Archive),
            kept: input_in(Area::Failed),
            held: input_in(Area::Held),
        }
    }

    /// The outputs the report names before they are placed: their planned names.
    pub(super) fn planned_outputs(&self) -> Outputs {
        self.outputs(self.names.input.as_deref(), self.names.tryback.as_deref())
    }
}

impl Run<'_> {
    /// Chooses free names for the reports and, when given a folder, the input and the
    /// tryback.
    pub(super) fn names(&self, input_dir: Option<&Path>, tryback_dir: Option<&Path>) -> Names {
        let paths = &self.config.paths;
        let stamp = naming::stamp(&self.started);
        let input_name = self.input.name.as_str();
        let archive_name = |n: u32| naming::archive(&naming::suffixed(&stamp, n), input_name);
        let tryback_name =
            |n: u32| naming::tryback(self.kind, input_name, &naming::suffixed(&stamp, n));
        let report_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), input_name, "txt");
        let json_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), input_name, "json");
        let mut candidates: Vec<(&Path, Namer<'_>)> = vec![
            (paths.reports.as_path(), &report_name),
            (paths.reports.as_path(), &json_name),
        ];
        if let Some(dir) = input_dir {
            candidates.push((dir, &archive_name));
        }
        if let Some(dir) = tryback_dir {
            candidates.push((dir, &tryback_name));
        }
        let n = atomic::free_suffix(&candidates);
        Names {
            stamp: naming::suffixed(&stamp, n),
            report: paths.reports.join(report_name(n)),
            report_json: paths.reports.join(json_name(n)),
            input: input_dir.map(|dir| dir.join(archive_name(n))),
            tryback: tryback_dir.map(|dir| dir.join(tryback_name(n))),
        }
    }
}

/// The ledger's record of a decided file.
pub(super) fn ledger_entry(
    taker: &Taker<'_>,
    claim: &Claim,
    run: &Run<'_>,
    verdict: &Verdict<'_>,
    found: &Found,
    destinations: &Destinations,
    sha256: &str,
) -> LedgerEntry {
    let (lines, changed, failed) = verdict.counts();
    let names = &destinations.names;
    LedgerEntry {
        claim: claim.id.clone(),
        name: claim.name.clone(),
        kind: claim.kind.name().to_owned(),
        size: run.input.size,
        sha256: sha256.to_owned(),
        host: taker.instance.to_owned(),
        claimed_at: claim.claimed_at,
        finished_at: claim::now_ms(),
        outcome: verdict.status().name().to_owned(),
        lines,
        changed,
        failed,
        duplicate_of: verdict.duplicate_of().map(|earlier| earlier.id),
        parent: found.lineage.first().map(|parent| parent.id),
        generation: found.generation(),
        report: names.report.display().to_string(),
        report_json: names.report_json.display().to_string(),
        kept: names.input.as_ref().map(|path| path.display().to_string()),
        tryback: names
            .tryback
            .as_ref()
            .map(|path| path.display().to_string()),
        error: verdict.error(),
        summary: verdict.summary(claim.kind, false),
        of_run: found.retry.as_ref().and_then(|retry| retry.of_run),
    }
}

/// Writes the report, its JSON twin, the tryback and the copy of the input into the claim
/// folder, and the plan of where they go. Returns the report and the plan.
pub(super) fn stage<'v>(
    run: &Run<'_>,
    claim: &Claim,
    verdict: &'v Verdict<'_>,
    destinations: &Destinations,
    input: Option<&Input>,
    ledger: LedgerInfo,
) -> io::Result<(Report<'v>, OutputPlan)> {
    let context = run.context(
        verdict.status(),
        verdict.error(),
        destinations.planned_outputs(),
        Vec::new(),
        Some(ledger),
    );
    let report = Report::new(context, verdict.outcome());
    let mut plan = output_plan(run.config, claim, destinations, input);
    if let (Some(input), Some(_)) = (input, &plan.input_to) {
        atomic::replace(&claim.dir.join(STAGED_INPUT), &input.bytes)?;
        plan.input_staged = Some(STAGED_INPUT.to_owned());
    }
    write_report_files(claim, &report)?;
    let names = &destinations.names;
    plan.files.push(Placement {
        staged: format!("staged-{REPORT}"),
        to: names.report.clone(),
    });
    plan.files.push(Placement {
        staged: format!("staged-{REPORT_JSON}"),
        to: names.report_json.clone(),
    });
    if let (Some(bytes), Some(to)) = (&destinations.tryback, &names.tryback) {
        atomic::replace(&claim.staged(TRYBACK), bytes)?;
        plan.files.push(Placement {
            staged: format!("staged-{TRYBACK}"),
            to: to.clone(),
        });
    }
    claim.plan(&plan)?;
    Ok((report, plan))
}

/// The plan of where the staged files go, once committed.
fn output_plan(
    config: &Config,
    claim: &Claim,
    destinations: &Destinations,
    input: Option<&Input>,
) -> OutputPlan {
    let names = &destinations.names;
    let mut plan = OutputPlan {
        version: claim::PLAN_VERSION,
        files: Vec::new(),
        input_to: names.input.clone(),
        input_staged: None,
        input_read: input.filter(|_| !claim.external).map(|input| input.stamp),
        input_sha256: input.map(|input| input.sha256.clone()),
        changed_to: Some(
            config
                .paths
                .failed
                .join(naming::archive(&names.stamp, &naming::changed(&claim.name))),
        ),
        remove_source: None,
    };
    if claim.external && matches!(destinations.input_to, Some(Area::Archive | Area::Held)) {
        plan.remove_source = input.map(|input| SourceRemoval {
            path: claim.source.clone(),
            sha256: input.sha256.clone(),
        });
    }
    plan
}

/// Writes (again) the staged report and its JSON twin.
pub(super) fn write_report_files(claim: &Claim, report: &Report<'_>) -> io::Result<()> {
    atomic::replace_with(&claim.staged(REPORT), |out| report.write_text(out))?;
    atomic::replace_with(&claim.staged(REPORT_JSON), |out| report.write_json(out))
}
