//! This process as others see it: the host's name and the `pid@host` that names the process in
//! claims, in the ledger and in the service's heartbeat.

use std::fs;

/// This process as claims and the ledger name it: `pid@host`.
pub fn instance() -> String {
    format!("{}@{}", std::process::id(), name())
}

/// This host's name, as the kernel knows it (`localhost` if unknown), made safe for a
/// folder name.
pub fn name() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}
