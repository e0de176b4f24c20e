//! Who runs a command, as the ledger and a discard's report name them.

use std::fs;

use crate::host;

/// Who runs this command: the operating system user (the one behind `sudo`, when it is used),
/// and the host.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|user| !user.is_empty())
        .unwrap_or_else(uid);
    let user = match std::env::var("SUDO_USER") {
        Ok(sudo) if !sudo.is_empty() && sudo != user => format!("{sudo} (as {user}, by sudo)"),
        _ => user,
    };
    format!("{user} on {}", host::name())
}

/// The process's user id, when no name is known.
fn uid() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(metadata) = fs::metadata("/proc/self") {
            return format!("uid {}", metadata.uid());
        }
    }
    "an unknown user".to_owned()
}
