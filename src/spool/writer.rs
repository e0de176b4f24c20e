//! Whether a process still holds a file open for writing: an upload in progress, whatever its
//! name and however long its writer pauses. A file some process may still write is never
//! taken.
//!
//! On Linux, the kernel tells: a read lease (`fcntl(F_SETLEASE, F_RDLCK)`) is refused while any
//! process has the file open for writing, and granting it costs two system calls (it is
//! released at once). A lease needs the service to own the file or to hold `CAP_LEASE`, and a
//! filesystem that supports leases (local ones do; NFS and FUSE mounts mostly do not). Where it
//! cannot be had, every process's open files are read from `/proc/*/fd` and `/proc/*/fdinfo`:
//! complete only when every process can be inspected (the same user, or `CAP_SYS_PTRACE`).
//! Where neither works (another host's writer on NFS, another platform), the check says it
//! cannot tell, and the settle time and the check before the commit (`pipeline`) are what stand
//! between a writer and a partial file.

use std::path::Path;

use serde::Deserialize;

/// `[watch] writer_check`: how to tell whether a file is still open for writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriterCheck {
    /// A read lease, else the open files listed in `/proc`.
    #[default]
    Auto,
    /// Only the open files listed in `/proc`.
    Proc,
    /// No check: the settle time alone decides.
    Off,
}

impl WriterCheck {
    /// The configuration value.
    pub fn name(self) -> &'static str {
        match self {
            WriterCheck::Auto => "auto",
            WriterCheck::Proc => "proc",
            WriterCheck::Off => "off",
        }
    }
}

/// A process holding a file open for writing, when it can be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// Its process id.
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`), such as `scp` or `vsftpd`.
    pub command: String,
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writers {
    /// No process holds the file open for writing.
    None,
    /// At least one does; those that could be named are listed (a lease refused names none,
    /// unless `/proc` tells).
    Open(Vec<Writer>),
    /// The check cannot tell here; why, in words.
    Unknown(String),
}

impl Writers {
    /// Whether a writer was found.
    pub fn is_open(&self) -> bool {
        matches!(self, Writers::Open(_))
    }

    /// The writers in words: `pid 4242 (scp)`, or `a process` when none could be named.
    pub fn describe(&self) -> String {
        match self {
            Writers::Open(writers) if !writers.is_empty() => writers
                .iter()
                .map(|writer| format!("pid {} ({})", writer.pid, writer.command))
                .collect::<Vec<_>>()
                .join(", "),
            Writers::Open(_) => "a process".into(),
            Writers::None => "no process".into(),
            Writers::Unknown(why) => format!("unknown ({why})"),
        }
    }
}

/// How a check was made, for the service's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A read lease was asked for.
    Lease,
    /// `/proc` was read.
    Proc,
    /// No check could be made.
    None,
}

/// Whether a process holds `path` open for writing, and how that was told. A file that
/// disappeared meanwhile has no writer.
pub fn check(path: &Path, how: WriterCheck) -> (Writers, Method) {
    match how {
        WriterCheck::Off => (
            Writers::Unknown("[watch] writer_check = \"off\"".into()),
            Method::None,
        ),
        WriterCheck::Proc => platform::proc_writers(path),
        WriterCheck::Auto => match platform::lease(path) {
            Ok(true) => (Writers::None, Method::Lease),
            // Refused: a writer has it open. `/proc` may name it.
            Ok(false) => match platform::proc_writers(path) {
                (Writers::Open(writers), _) => (Writers::Open(writers), Method::Lease),
                _ => (Writers::Open(Vec::new()), Method::Lease),
            },
            Err(lease_refused) => match platform::proc_writers(path) {
                (Writers::Unknown(why), method) => {
                    (Writers::Unknown(format!("{lease_refused}; {why}")), method)
                }
                found => found,
            },
        },
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use std::{
        fs::{self, File, OpenOptions},
        io::{self, ErrorKind},
        os::{
            fd::AsRawFd,
            unix::fs::{MetadataExt, OpenOptionsExt},
        },
        path::Path,
        sync::Once,
    };

    use super::{Method, Writer, Writers};

    /// Asks for a read lease on `path` and gives it back at once: `Ok(true)` when granted (no
    /// process has the file open for writing), `Ok(false)` when refused because one has, `Err`
    /// (in words) when leases cannot be had here. A file gone meanwhile counts as granted.
    pub fn lease(path: &Path) -> Result<bool, String> {
        ignore_lease_breaks();
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(path)
        {
            Ok(file) => file,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(true),
            Err(error) => return Err(format!("cannot open it to ask for a lease: {error}")),
        };
        match set_lease(&file, libc::F_RDLCK) {
            Ok(()) => {
                // Closing the file would release it too; this says so at once.
                let _ = set_lease(&file, libc::F_UNLCK);
                Ok(true)
            }
            Err(error) if error.raw_os_error() == Some(libc::EAGAIN) => Ok(false),
            Err(error) => Err(match error.raw_os_error() {
                Some(libc::EACCES | libc::EPERM) => format!(
                    "read leases refused ({error}): the service must own the files or hold CAP_LEASE"
                ),
                Some(libc::EINVAL) => format!(
                    "read leases unavailable on this filesystem or disabled (/proc/sys/fs/leases-enable): {error}"
                ),
                _ => format!("read leases unavailable: {error}"),
            }),
        }
    }

    fn set_lease(file: &File, kind: libc::c_int) -> io::Result<()> {
        // SAFETY: `file` owns an open descriptor for the whole call; F_SETLEASE takes an int
        // argument and touches no memory of ours.
        let done = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLEASE, kind) };
        if done == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// A lease is held for two system calls only, but a writer opening the file in between
    /// makes the kernel send the holder SIGIO, whose default action ends the process. Nothing
    /// else in moodle-sync uses SIGIO: it is ignored, once, before the first lease. The writer's
    /// open then waits for the lease's release, microseconds later.
    fn ignore_lease_breaks() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code and
            // is async-signal-safe; SIGIO is not used by the runtime or any dependency.
            unsafe {
                libc::signal(libc::SIGIO, libc::SIG_IGN);
            }
        });
    }

    /// The processes holding `path` open for writing, from `/proc`. Unknown when some
    /// process's open files cannot be read (another user's, without `CAP_SYS_PTRACE`).
    pub fn proc_writers(path: &Path) -> (Writers, Method) {
        let target = match fs::metadata(path) {
            Ok(metadata) => (metadata.dev(), metadata.ino()),
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return (Writers::None, Method::Proc);
            }
            Err(error) => return (Writers::Unknown(error.to_string()), Method::Proc),
        };
        let Some(name) = path.file_name() else {
            return (Writers::None, Method::Proc);
        };
        let processes = match fs::read_dir("/proc") {
            Ok(processes) => processes,
            Err(error) => {
                return (
                    Writers::Unknown(format!("cannot read /proc: {error}")),
                    Method::None,
                );
            }
        };
        let mut writers = Vec::new();
        let mut hidden = 0usize;
        for process in processes.filter_map(Result::ok) {
            let Some(pid) = process
                .file_name()
                .to_str()
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            let fds = match fs::read_dir(process.path().join("fd")) {
                Ok(fds) => fds,
                // Gone meanwhile.
                Err(error) if error.kind() == ErrorKind::NotFound => continue,
                Err(_) => {
                    hidden += 1;
                    continue;
                }
            };
            for fd in fds.filter_map(Result::ok) {
                // The link names the file as it is now (a rename shows): only a file of the
                // same name can be ours, which spares a stat of every open file.
                let Ok(link) = fs::read_link(fd.path()) else {
                    continue;
                };
                let link_name = link.file_name();
                let deleted = link
                    .to_str()
                    .and_then(|text| text.strip_suffix(" (deleted)"))
                    .is_some();
                if link_name != Some(name) && !deleted {
                    continue;
                }
                let same = fs::metadata(fd.path())
                    .is_ok_and(|metadata| (metadata.dev(), metadata.ino()) == target);
                if !same {
                    continue;
                }
                let info = fs::read_to_string(process.path().join("fdinfo").join(fd.file_name()))
                    .unwrap_or_default();
                if opened_for_writing(&info) {
                    let command = fs::read_to_string(process.path().join("comm"))
                        .map(|command| command.trim().to_owned())
                        .unwrap_or_else(|_| "?".into());
                    writers.push(Writer { pid, command });
                    break;
                }
            }
        }
        if !writers.is_empty() {
            return (Writers::Open(writers), Method::Proc);
        }
        if hidden > 0 {
            return (
                Writers::Unknown(format!(
                    "the open files of {hidden} processes cannot be read in /proc (other users'; CAP_SYS_PTRACE would show them)"
                )),
                Method::Proc,
            );
        }
        (Writers::None, Method::Proc)
    }

    /// Whether an `fdinfo` text says the descriptor was opened for writing.
    pub fn opened_for_writing(fdinfo: &str) -> bool {
        fdinfo
            .lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
            .is_some_and(|flags| {
                let mode = flags & libc::O_ACCMODE as u32;
                mode == libc::O_WRONLY as u32 || mode == libc::O_RDWR as u32
            })
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::path::Path;

    use super::{Method, Writers};

    pub fn lease(_: &Path) -> Result<bool, String> {
        Err("read leases exist on Linux only".into())
    }

    pub fn proc_writers(_: &Path) -> (Writers, Method) {
        (
            Writers::Unknown("open files can be listed on Linux only".into()),
            Method::None,
        )
    }
}

#[cfg(test)]
mod tests;
