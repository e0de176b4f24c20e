//! The retention rules, `[retention]` checked: for each folder it applies to, after how many
//! days a file is bundled and after how many months a bundle is deleted (0: never).

/// A folder retention applies to. The held, discarded, spool and state folders are not among
/// them, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// `[paths] archive`.
    Archive,
    /// `[paths] reports`.
    Reports,
    /// `[paths] failed`.
    Failed,
    /// `[paths] logs`.
    Logs,
}

impl Folder {
    /// Every folder, in the order a prune takes them.
    pub const ALL: [Folder; 4] = [
        Folder::Archive,
        Folder::Reports,
        Folder::Failed,
        Folder::Logs,
    ];

    /// The folder's name, as `[paths]` and `[retention]` write it.
    pub fn name(self) -> &'static str {
        match self {
            Folder::Archive => "archive",
            Folder::Reports => "reports",
            Folder::Failed => "failed",
            Folder::Logs => "logs",
        }
    }
}

/// One folder's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderRule {
    /// A file last modified more than this many days ago is bundled; 0: never.
    pub bundle_after_days: u32,
    /// A bundle whose month ended more than this many months ago is deleted; 0: never.
    pub delete_bundles_after_months: u32,
}

impl FolderRule {
    /// Nothing bundled, nothing deleted.
    pub const OFF: FolderRule = FolderRule {
        bundle_after_days: 0,
        delete_bundles_after_months: 0,
    };
}

/// `[retention]`, checked: one rule per folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Applied inputs.
    pub archive: FolderRule,
    /// Reports and trybacks.
    pub reports: FolderRule,
    /// Files that could not be applied.
    pub failed: FolderRule,
    /// The service's daily log files.
    pub logs: FolderRule,
}

impl RetentionSettings {
    /// A folder's rule.
    pub fn rule(&self, folder: Folder) -> FolderRule {
        match folder {
            Folder::Archive => self.archive,
            Folder::Reports => self.reports,
            Folder::Failed => self.failed,
            Folder::Logs => self.logs,
        }
    }

    /// The default rule of a folder: bundled after 30 days; bundles deleted after 24 months,
    /// 12 for logs.
    pub fn default_rule(folder: Folder) -> FolderRule {
        FolderRule {
            bundle_after_days: 30,
            delete_bundles_after_months: if folder == Folder::Logs { 12 } else { 24 },
        }
    }
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            archive: RetentionSettings::default_rule(Folder::Archive),
            reports: RetentionSettings::default_rule(Folder::Reports),
            failed: RetentionSettings::default_rule(Folder::Failed),
            logs: RetentionSettings::default_rule(Folder::Logs),
        }
    }
}
