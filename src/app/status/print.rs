//! `status` itself: the status gathered once, printed as text or as JSON.

use super::text::render_text;
use crate::{config::Config, exit::Fatal, status::gather};

/// Prints the status of the spool and the last `runs` runs, as text or as JSON.
pub async fn print(config: &Config, runs: u32, json: bool) -> Result<(), Fatal> {
    let report = gather(config, runs).await;
    if json {
        let text = serde_json::to_string_pretty(&report).expect("plain data serializes");
        crate::say!("{text}");
    } else {
        crate::say!("{}", render_text(&report).trim_end());
    }
    Ok(())
}
