//! Hints that the spool changed: the kernel's events through `notify`, or none (polling). A
//! hint only makes the next listing come sooner; what is ready is decided by the listing
//! (`scan`), which also runs on a timer, so a lost event delays a file, never loses it.
//!
//! Events are not trusted on network filesystems, where the kernel sends none for other
//! hosts' writes: `auto` mode polls there. The filesystem type comes from
//! `/proc/self/mountinfo` (notify cannot tell).

use std::path::Path;

use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::settings::WatchMode;

/// How the spool is actually watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watching {
    /// Kernel events, plus a periodic listing.
    Events,
    /// Periodic listings only.
    Poll,
}

/// The hint channel and what feeds it.
pub struct Hints {
    /// Receives `()` when something may have changed. Capacity one: hints coalesce.
    pub receiver: mpsc::Receiver<()>,
    /// How the spool is watched.
    pub watching: Watching,
    /// Why, in words, for the start-up log line.
    pub reason: String,
    // Kept alive for its events; dropped with the hints.
    _watcher: Option<notify::RecommendedWatcher>,
}

/// Starts watching `spool` as `mode` says.
pub fn watch(spool: &Path, mode: WatchMode) -> Hints {
    let (sender, receiver) = mpsc::channel(1);
    let filesystem = filesystem_type(spool);
    let network = filesystem.as_deref().is_some_and(is_network);
    let (use_events, reason) = match mode {
        WatchMode::Poll => (false, "mode = \"poll\"".to_owned()),
        WatchMode::Events => (true, "mode = \"events\"".to_owned()),
        WatchMode::Auto if network => (
            false,
            format!(
                "mode = \"auto\" on a network filesystem ({}), where the kernel sends no events for other hosts' writes",
                filesystem.as_deref().unwrap_or("?")
            ),
        ),
        WatchMode::Auto => (
            true,
            format!(
                "mode = \"auto\" on a local filesystem ({})",
                filesystem.as_deref().unwrap_or("unknown")
            ),
        ),
    };
    if !use_events {
        return Hints {
            receiver,
            watching: Watching::Poll,
            reason,
            _watcher: None,
        };
    }
    let handler = move |event: notify::Result<notify::Event>| {
        match &event {
            Err(error) => debug!("spool watch error: {error}"),
            // Opening or reading the folder (our own listings do) changes nothing; answering
            // it with a listing would list the spool again and again.
            Ok(event)
                if matches!(
                    event.kind,
                    notify::EventKind::Access(
                        notify::event::AccessKind::Open(_)
                            | notify::event::AccessKind::Read
                            | notify::event::AccessKind::Close(notify::event::AccessMode::Read)
                    )
                ) =>
            {
                return;
            }
            Ok(_) => {}
        }
        // Full means a hint is already pending, which is all a hint says: the notify thread
        // cannot wait, and nothing is lost by dropping this one.
        let _ = sender.try_send(());
    };
    let started = notify::recommended_watcher(handler).and_then(|mut watcher| {
        watcher.watch(spool, RecursiveMode::NonRecursive)?;
        Ok(watcher)
    });
    match started {
        Ok(watcher) => Hints {
            receiver,
            watching: Watching::Events,
            reason,
            _watcher: Some(watcher),
        },
        Err(error) => {
            warn!("cannot watch the spool for events ({error}); polling instead");
            Hints {
                receiver,
                watching: Watching::Poll,
                reason: format!("events unavailable: {error}"),
                _watcher: None,
            }
        }
    }
}

/// The type of the filesystem `path` is on, from the mount table.
pub fn filesystem_type(path: &Path) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    mount_type(&table, &path.to_string_lossy())
}

/// The filesystem type of the deepest mount point holding `path`, in a `mountinfo` table.
pub fn mount_type(mountinfo: &str, path: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(separator) = fields.iter().position(|field| *field == "-") else {
            continue;
        };
        let (Some(mount_point), Some(fs_type)) = (fields.get(4), fields.get(separator + 1)) else {
            continue;
        };
        let mount_point = unescape(mount_point);
        let inside = path == mount_point
            || mount_point == "/"
            || path
                .strip_prefix(mount_point.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        if inside
            && best
                .as_ref()
                .is_none_or(|(length, _)| mount_point.len() >= *length)
        {
            best = Some((mount_point.len(), (*fs_type).to_owned()));
        }
    }
    best.map(|(_, fs_type)| fs_type)
}

/// `mountinfo` escapes spaces, tabs, newlines and backslashes as octal.
fn unescape(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Whether a filesystem type is a network or user-space one, where events cannot be trusted.
pub fn is_network(fs_type: &str) -> bool {
    matches!(
        fs_type,
        "nfs"
            | "nfs4"
            | "cifs"
            | "smb3"
            | "smbfs"
            | "9p"
            | "ceph"
            | "glusterfs"
            | "afs"
            | "lustre"
            | "gpfs"
            | "ncpfs"
            | "davfs"
            | "fuse"
    ) || fs_type.starts_with("fuse.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:40 / /var/moodledata rw shared:2 - nfs4 files:/export/moodledata rw,vers=4.2
41 40 0:41 / /var/moodledata/local\\040disk rw - tmpfs tmpfs rw
42 22 0:42 / /mnt/share rw - fuse.sshfs host:/ rw
";

    #[test]
    fn the_deepest_mount_point_tells_the_type() {
        assert_eq!(mount_type(MOUNTINFO, "/srv/sync").as_deref(), Some("ext4"));
        assert_eq!(
            mount_type(MOUNTINFO, "/var/moodledata/sync").as_deref(),
            Some("nfs4")
        );
        assert_eq!(
            mount_type(MOUNTINFO, "/var/moodledata/local disk/sync").as_deref(),
            Some("tmpfs")
        );
        // A name that only starts like a mount point is not under it.
        assert_eq!(
            mount_type(MOUNTINFO, "/var/moodledata2/sync").as_deref(),
            Some("ext4")
        );
        assert_eq!(
            mount_type(MOUNTINFO, "/mnt/share/in").as_deref(),
            Some("fuse.sshfs")
        );
    }

    #[test]
    fn network_filesystems_are_polled() {
        for fs_type in ["nfs", "nfs4", "cifs", "smb3", "9p", "fuse.sshfs"] {
            assert!(is_network(fs_type), "{fs_type}");
        }
        for fs_type in ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs"] {
            assert!(!is_network(fs_type), "{fs_type}");
        }
    }
}
