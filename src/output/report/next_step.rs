//! What an administrator does next once a file has run, in words with the command to run:
//! the report's "Next step", also told by the alerts. Pure.

use crate::outcome::{RunStatus, plural};

use super::Outputs;

/// What [`next_step`] is told about a run.
#[derive(Debug, Clone, Copy)]
pub struct NextStepFacts<'a> {
    /// How the run ended.
    pub status: RunStatus,
    /// A simulation.
    pub simulation: bool,
    /// The input as given.
    pub input: &'a str,
    /// Where the input and the tryback went.
    pub outputs: &'a Outputs,
    /// Lines that failed.
    pub failed: usize,
    /// The spool, where a fixed file is dropped again.
    pub spool: Option<&'a str>,
    /// The failed lines went to the failed folder: the tryback generation limit is reached.
    pub generation_limit_reached: bool,
}

/// What an administrator does next, in words with the command to run: fix a rejected file and
/// retry it, fix a tryback and drop it again, approve or discard a held file. `None` when the
/// run needs nothing more.
pub fn next_step(facts: &NextStepFacts<'_>) -> Option<String> {
    let input = shell_word(facts.input);
    let outputs = facts.outputs;
    if facts.simulation {
        return match facts.status {
            RunStatus::Success | RunStatus::Duplicate => {
                Some(format!("To apply it: moodle-sync run {input}"))
            }
            RunStatus::Partial => Some(format!(
                "Fix the {} that would fail in {}, then apply it: moodle-sync run {input} (or apply it as it is: the failed lines would go to a tryback)",
                plural(facts.failed, "line"),
                facts.input
            )),
            RunStatus::Rejected | RunStatus::RolledBack => Some(format!(
                "Fix {}, then simulate it again: moodle-sync run --dry-run {input}",
                facts.input
            )),
            RunStatus::Held => Some(format!(
                "A real run would hold it until approved: moodle-sync run {input}, then moodle-sync approve on the held file"
            )),
        };
    }
    match facts.status {
        RunStatus::Success | RunStatus::Duplicate => None,
        RunStatus::Rejected | RunStatus::RolledBack => {
            let what = if facts.status == RunStatus::Rejected {
                "Fix"
            } else {
                "Once the database's refusal is dealt with, check"
            };
            Some(match &outputs.kept {
                Some(kept) => format!(
                    "{what} {kept}, then put it back into the spool: moodle-sync retry {}",
                    shell_word(kept)
                ),
                None => format!(
                    "{what} {}, then run it again: moodle-sync run {input}",
                    facts.input
                ),
            })
        }
        RunStatus::Partial => Some(match &outputs.tryback {
            Some(tryback) if facts.generation_limit_reached => format!(
                "The {} failed again at the last tryback generation and went to {tryback}: fix them there and run moodle-sync retry {}, or leave them",
                plural(facts.failed, "line"),
                shell_word(tryback)
            ),
            Some(tryback) => format!(
                "Fix the {} in {tryback} (it holds the header and those lines only), then drop it into the spool{} or run moodle-sync retry {}",
                plural(facts.failed, "failed line"),
                facts
                    .spool
                    .map(|spool| format!(" ({spool})"))
                    .unwrap_or_default(),
                shell_word(tryback)
            ),
            None => format!(
                "Fix the {} and apply them again",
                plural(facts.failed, "failed line")
            ),
        }),
        RunStatus::Held => {
            let held = outputs.held.as_deref().map_or(input.clone(), shell_word);
            Some(format!(
                "If the removals it would make are intended, apply it as it is: moodle-sync approve {held}; if not, end it unapplied: moodle-sync discard {held}"
            ))
        }
    }
}

/// `text` as one word of a shell command line: as it is when it holds nothing a shell would
/// read otherwise, else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,=".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
