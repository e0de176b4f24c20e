//! `retry FILE` and `discard FILE`: a person's decisions on the files moodle-sync kept (see
//! `manage`), and what they print.

use std::path::Path;

use super::run::{connect, shown};
use crate::{config::Config, exit::Fatal, manage};

/// `retry FILE`: puts a failed file or a tryback back into the spool, and says where.
pub(super) async fn retry(config: &Config, file: &Path) -> Result<(), Fatal> {
    let db = connect(config).await?;
    let retried = manage::retry(config, &db, file, &manage::who()).await;
    db.close().await;
    let retried = retried?;
    crate::say!(
        "{}: back in the spool as {}{}",
        shown(&retried.from),
        shown(&retried.to),
        match retried.of_run {
            Some(run) if retried.tryback => format!(" (the tryback of run #{run})"),
            Some(run) => format!(" (retry of run #{run})"),
            None => String::new(),
        }
    );
    crate::say!(
        "  next     `moodle-sync watch` takes it (`moodle-sync status` shows it waiting), or `moodle-sync run {}` applies it now",
        shown(&retried.to)
    );
    if let Some(problem) = &retried.left_behind {
        crate::say_err!("moodle-sync: retried, but {problem}");
    }
    Ok(())
}

/// `discard FILE`: ends a held file unapplied, and says where it and its report are kept.
pub(super) async fn discard(config: &Config, file: &Path) -> Result<(), Fatal> {
    let db = connect(config).await?;
    let discarded = manage::discard(config, &db, file, &manage::who()).await;
    db.close().await;
    let discarded = discarded?;
    crate::say!(
        "{}: discarded by {}, never applied{}",
        shown(&discarded.from),
        discarded.by,
        discarded
            .held_by
            .map(|run| format!(" (held by run #{run})"))
            .unwrap_or_default()
    );
    crate::say!("  kept     {}", shown(&discarded.to));
    crate::say!("  report   {}", shown(&discarded.report));
    if let Some(problem) = &discarded.left_behind {
        crate::say_err!("moodle-sync: discarded, but {problem}");
    }
    Ok(())
}
