//! A command file published into the spool, under a name the watcher routes to its kind.

use std::path::{Path, PathBuf};

use super::{outcome::PartError, run::Run};
use crate::{
    command::FileKind,
    output::{atomic, naming},
};

impl Run<'_> {
    /// Publishes a command file into the spool: `<kind>_netypareo_<instance>_<part>_<stamp>.csv`,
    /// then its done marker when the watcher waits for one. The file starts with a comment
    /// naming the pull: two pulls never give the same bytes, so that a snapshot equal to an
    /// earlier one is applied again (restoring what changed in Moodle since) rather than
    /// skipped as a duplicate.
    pub(super) fn publish(
        &self,
        kind: FileKind,
        part: &str,
        bytes: &[u8],
    ) -> Result<PathBuf, PartError> {
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
