//! Retention of the folders that grow with every run (`archive`, `reports`, `failed`, `logs`):
//! files older than a folder's limit rolled into one zip bundle per month
//! (`bundle-YYYY-MM.zip`, in the same folder), bundles older than its horizon deleted, and
//! kept files read back whether they are still in place or bundled. Never the held,
//! discarded, spool or state folders: they are not listed here and cannot be configured.
//!
//! `settings` holds the rules; `plan` decides what one prune does from a listing and a time
//! (pure); `bundle` lists a folder and writes, verifies and replaces a month's bundle;
//! `prune` runs a plan in the order that loses nothing (bundle written, put in place, read
//! back and checked, and only then the originals removed); `kept` reads a kept file back.

mod bundle;
mod kept;
mod plan;
mod prune;
mod settings;

pub use bundle::list;
pub use kept::{exists_kept, read_kept};
pub use plan::{FolderPlan, Listed, Listing, Month, MonthBundle, is_bundle_name, plan};
pub use prune::{BundleDone, Pruned, RetentionError, prune_folder, prune_folder_with};
pub use settings::{Folder, FolderRule, RetentionSettings};

#[cfg(test)]
mod tests;
