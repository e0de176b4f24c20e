//! Configuration: the `moodle-sync.toml` file ([`FileConfig`], every key optional, unknown keys
//! refused) and its validated form ([`Config`]), with paths resolved against the file's folder
//! and every choice turned into the type that uses it.
//!
//! `file` is the file as written and `load` how it is found and read; `check` turns it into
//! the `settings` of [`Config`]; `alerts`, `console`, `netypareo` and `retention` hold their sections and checks.

mod alerts;
mod check;
mod console;
mod file;
mod load;
mod netypareo;
mod retention;
mod settings;

pub use alerts::{AlertsSection, CommandSection, MailSection};
pub use console::{
    ConsoleSection, ConsoleSettings, ConsoleToken, ConsoleUser, DEFAULT_LISTEN, ProxySection,
    ProxySettings, Role, TokenSection, UserSection,
};
pub use file::{
    DatabaseSection, DelimiterName, EncodingName, FileConfig, InputSection, MoodleSection,
    PathsSection, RoutingSection, WatchSection,
};
pub use load::{DATABASE_URL_VARIABLE, DEFAULT_FILE};
pub use netypareo::{InstanceSection, NetypareoSection, ScheduleSection};
pub use retention::{FolderSection, RetentionSection};
pub use settings::{
    Config, DatabaseConfig, InputConfig, MoodleConfig, Paths, encoding_setting_label,
};

#[cfg(test)]
mod tests;
