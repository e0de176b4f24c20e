//! Reading the configuration: the file found and parsed (an error names its key and never
//! quotes a line that may hold a secret), then `MOODLE_SYNC_DATABASE_URL` applied.

use std::{env, path::Path};

use super::{Config, FileConfig};
use crate::error::ConfigError;

/// The configuration file read when `--config` is not given, in the current folder.
pub const DEFAULT_FILE: &str = "moodle-sync.toml";

/// The environment variable that overrides `[database] url`, so that a password need not be
/// written in the file.
pub const DATABASE_URL_VARIABLE: &str = "MOODLE_SYNC_DATABASE_URL";

impl Config {
    /// Loads the configuration of the running program: the file at `path` (which must exist),
    /// or `moodle-sync.toml` in the current folder if there is one, or the defaults; then
    /// `MOODLE_SYNC_DATABASE_URL`, when set, replaces `[database] url`. Only this function
    /// reads the environment, so that code building a configuration from a file of its own
    /// (the tests, the benchmark) can never be pointed at another database by it.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let current = env::current_dir().map_err(|source| ConfigError::Read {
            path: ".".into(),
            source,
        })?;
        let path = match path {
            Some(path) => Some(current.join(path)),
            None => Some(current.join(DEFAULT_FILE)).filter(|path| path.is_file()),
        };
        let Some(path) = path else {
            return Config::from_file(with_environment(FileConfig::default()), &current, None);
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let file = Config::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.clone(),
            message,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or(current);
        Config::from_file(with_environment(file), &base, Some(path))
    }

    /// Parses TOML text; the error names the offending key as `[section] key` and keeps
    /// TOML's own snippet (line, column, caret), on several lines. A line that may hold a
    /// token (`token = …`) is never quoted.
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|error| {
            let line = error
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count());
            let key = line
                .and_then(|line| key_at(text, line))
                .map(|key| format!("{key}: "))
                .unwrap_or_default();
            if let Some(line) = line
                && text.lines().nth(line).is_some_and(may_hold_secret)
            {
                return format!(
                    "{key}{} at line {} (the line is not shown: it may hold a token or a password)",
                    error.message().trim_end(),
                    line + 1
                );
            }
            format!("{key}\n{}", error.to_string().trim_end())
        })
    }
}

/// The key that line `line` (from 0) of a TOML text sets, as `[section] key`, or the table
/// it opens (`[section]`).
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines.get(line)?;
    // A value of a list written over several lines: its key is on the line that opens it.
    let line = (0..=line).rev().find(|&at| {
        let content = lines[at].trim();
        content.starts_with('[') || (content.contains('=') && !content.starts_with('"'))
    })?;
    let content = lines[line].trim();
    let header = |content: &str| {
        content
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .map(|name| name.trim_start_matches('[').trim().to_owned())
    };
    if content.starts_with('[') {
        return header(content).map(|name| format!("[{name}]"));
    }
    let key = content.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = lines[..line]
        .iter()
        .rev()
        .map(|line| line.trim())
        .find(|line| line.starts_with('['))
        .and_then(header);
    Some(match table {
        Some(table) if table.starts_with("netypareo.instances") && !table.contains("schedule") => {
            format!("[[{table}]] {key}")
        }
        Some(table) => format!("[{table}] {key}"),
        None => key.to_owned(),
    })
}

/// Whether a configuration line may hold a secret, and is never quoted in an error: a token,
/// a password, or a URL with credentials (`postgres://moodle:secret@db/moodle`).
fn may_hold_secret(line: &str) -> bool {
    let lowered = line.to_lowercase();
    if ["token", "password", "passwd", "secret"]
        .iter()
        .any(|word| lowered.contains(word))
    {
        return true;
    }
    lowered.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '"', '\'', ' ']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .is_some_and(|(credentials, _)| credentials.contains(':'))
    })
}

/// Applies `MOODLE_SYNC_DATABASE_URL` to a parsed file.
fn with_environment(mut file: FileConfig) -> FileConfig {
    if let Some(url) = env::var(DATABASE_URL_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
    {
        file.database.url = url;
    }
    file
}
