//! The check made before a held file is approved: that no later snapshot of the same export
//! followed it.

use std::{fs, path::Path};

use crate::{config::Config, exit::Fatal, output::naming};

/// Refuses to approve a snapshot that a later one of the same series has followed: a file
/// whose name carries its own time stamp (NetYpareo's `…_groups_20261121-014000.csv`) when
/// `archive/` or `held/` holds the same name with a later stamp. Approving it would apply an
/// out-of-date membership over the later one.
pub fn check_latest_snapshot(config: &Config, path: &Path) -> Result<(), Fatal> {
    let Some(file_name) = path.file_name().map(|name| name.to_string_lossy()) else {
        return Ok(());
    };
    let Some((series, stamp)) = naming::series(naming::unstamp(&file_name)) else {
        return Ok(());
    };
    for (dir, what) in [
        (&config.paths.archive, "applied"),
        (&config.paths.held, "held"),
    ] {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let other = entry.file_name().to_string_lossy().into_owned();
            if let Some((other_series, other_stamp)) = naming::series(naming::unstamp(&other))
                && other_series == series
                && other_stamp > stamp
            {
                return Err(Fatal::Usage(format!(
                    "{} is out of date: a later snapshot of the same export, {other}, was {what} since ({}); approving this one would apply the older membership over it. Approve the later one, or pass --force",
                    path.display(),
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}
