//! `[netypareo]` and its `[[netypareo.instances]]` tables, and their validation into
//! [`Instance`]s.

use std::{collections::HashSet, path::Path, time::Duration};

use serde::Deserialize;

use super::Config;
use crate::{
    command::refs::{CohortIdentifier, UserIdentifier},
    error::ConfigError,
    netypareo::{
        pull::Destination,
        schedule::Schedule,
        settings::{
            CursusSource, EndpointPaths, Export, HttpSettings, IdSource, Instance, Token,
            TokenSource, default_api_root, slug,
        },
    },
};

/// `[netypareo]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetypareoSection {
    /// The NetYpareo instances to pull from.
    pub instances: Vec<InstanceSection>,
}

/// One `[[netypareo.instances]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstanceSection {
    /// The name shown on the console and used in file names.
    pub name: String,
    /// Prefix of cohort idnumbers and user types (`1_SITE_CFPPH`); 0 for none.
    pub index: u32,
    /// The NetYpareo address (`https://demo.ymag.fr/netypareo/`).
    pub base_url: String,
    /// The REST root; empty: derived from `base_url` (`…/index.php/r/v1`).
    pub api_root: String,
    /// The token (prefer `token_file` or `token_env`).
    pub token: String,
    /// A file whose first line is the token (relative to the configuration file).
    pub token_file: String,
    /// An environment variable holding the token.
    pub token_env: String,
    /// `codePeriode`s; empty: the periods in progress.
    pub periods: Vec<String>,
    /// Sites kept (codes or abbreviations); empty: all.
    pub sites: Vec<String>,
    /// Student statuses kept (codes, abbreviations or names); empty: all.
    pub student_statuses: Vec<String>,
    /// `login` or `code`.
    pub username_source: String,
    /// `code` or `login`.
    pub idnumber_source: String,
    /// `diploma_year`, `year` or `training`.
    pub cursus: String,
    /// The authentication method of the accounts (the `auth` column of user files); empty: no
    /// column.
    pub auth: String,
    /// Allow a method that makes Moodle's cron generate and mail a password to every new
    /// account (`manual`, `email`).
    pub send_passwords: bool,
    /// Tutors' endpoint.
    pub tutors_path: String,
    /// Continuing-education groups' endpoint.
    pub fc_groups_path: String,
    /// Continuing-education learners' endpoint.
    pub fc_learners_path: String,
    /// Whole-answer timeout, seconds.
    pub timeout_s: u64,
    /// Connection timeout, seconds.
    pub connect_timeout_s: u64,
    /// Requests in flight at once.
    pub max_concurrent_requests: usize,
    /// Further attempts after a 5xx, a timeout or a broken connection.
    pub retries: u32,
    /// First backoff, milliseconds.
    pub retry_base_ms: u64,
    /// When `watch` runs each export.
    pub schedule: ScheduleSection,
}

impl Default for InstanceSection {
    fn default() -> Self {
        let paths = EndpointPaths::default();
        let http = HttpSettings::default();
        InstanceSection {
            name: String::new(),
            index: 0,
            base_url: String::new(),
            api_root: String::new(),
            token: String::new(),
            token_file: String::new(),
            token_env: String::new(),
            periods: Vec::new(),
            sites: Vec::new(),
            student_statuses: Vec::new(),
            username_source: "login".into(),
            idnumber_source: "code".into(),
            cursus: "diploma_year".into(),
            auth: DEFAULT_AUTH.into(),
            send_passwords: false,
            tutors_path: paths.tutors,
            fc_groups_path: paths.fc_groups,
            fc_learners_path: paths.fc_learners,
            timeout_s: http.timeout.as_secs(),
            connect_timeout_s: http.connect_timeout.as_secs(),
            max_concurrent_requests: http.max_concurrent_requests,
            retries: http.retries,
            retry_base_ms: u64::try_from(http.retry_base.as_millis()).unwrap_or(u64::MAX),
            schedule: ScheduleSection::default(),
        }
    }
}

/// `[netypareo.instances.schedule]`: Moodle's cron syntax, `minute hour day month weekday`;
/// an empty string: never run by `watch` (the plugin's "disabled": run by hand only).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSection {
    /// The definition cache.
    pub cache: String,
    /// Site cohorts.
    pub sites: String,
    /// Students, teachers, tutors.
    pub users: String,
    /// Diploma groups.
    pub groups: String,
    /// Continuing-education groups.
    pub fcgroups: String,
}

impl Default for ScheduleSection {
    fn default() -> Self {
        ScheduleSection {
            cache: "0 1 * * *".into(),
            sites: "10 1 * * *".into(),
            users: "20 1 * * *".into(),
            groups: "40 1 * * *".into(),
            fcgroups: "50 1 * * *".into(),
        }
    }
}

impl ScheduleSection {
    fn text(&self, export: Export) -> &str {
        match export {
            Export::Cache => &self.cache,
            Export::Sites => &self.sites,
            Export::Users => &self.users,
            Export::Groups => &self.groups,
            Export::FcGroups => &self.fcgroups,
        }
    }
}

/// The authentication method of NetYpareo accounts by default: the auth_netypareo plugin's
/// own, as its synchronisations created them. It checks passwords elsewhere, so Moodle never
/// generates nor mails one.
pub const DEFAULT_AUTH: &str = "netypareo";

/// Methods for which Moodle's cron generates a password for an account created without one,
/// and mails it.
const MAILING_AUTHS: [&str; 2] = ["manual", "email"];

/// Validates the instances; `default_auth` is `[users] default_auth`, which new accounts get
/// when an instance writes no `auth` column.
pub fn instances(
    section: NetypareoSection,
    base: &Path,
    default_auth: &str,
) -> Result<Vec<Instance>, ConfigError> {
    let mut names = HashSet::new();
    let mut slugs = HashSet::new();
    let mut indexes = HashSet::new();
    let mut instances = Vec::with_capacity(section.instances.len());
    for table in section.instances {
        let send_passwords = table.send_passwords;
        let instance = instance(table, base)?;
        let effective = instance.auth.as_deref().unwrap_or(default_auth);
        if MAILING_AUTHS.contains(&effective) && !send_passwords {
            return Err(ConfigError::Invalid {
                key: "[[netypareo.instances]] auth",
                value: instance.auth.clone().unwrap_or_default(),
                reason: format!(
                    "instance \"{}\": with \"{effective}\"{}, Moodle's cron would generate a password for every account created and mail it to its owner; set send_passwords = true if that is wanted, or give the method your learners log in with (\"{DEFAULT_AUTH}\", \"cas\", \"ldap\", \"oauth2\"…, or \"nologin\")",
                    instance.name,
                    if instance.auth.is_none() {
                        " ([users] default_auth, as no auth column is written)"
                    } else {
                        ""
                    }
                ),
            });
        }
        let invalid = |key, value: String, reason: &str| ConfigError::Invalid {
            key,
            value,
            reason: reason.into(),
        };
        if !names.insert(instance.name.clone()) || !slugs.insert(instance.slug.clone()) {
            return Err(invalid(
                "[[netypareo.instances]] name",
                instance.name,
                "two instances have this name (or names that give the same file names)",
            ));
        }
        if !indexes.insert(instance.index) {
            return Err(invalid(
                "[[netypareo.instances]] index",
                instance.index.to_string(),
                "two instances have this index: their cohorts would share idnumbers",
            ));
        }
        instances.push(instance);
    }
    Ok(instances)
}

/// Validates one instance; a relative token file is taken from `base`.
fn instance(table: InstanceSection, base: &Path) -> Result<Instance, ConfigError> {
    let name = table.name.trim().to_owned();
    if name.is_empty() || slug(&name).is_empty() {
        return Err(invalid_in(
            &name,
            "[[netypareo.instances]] name",
            &table.name,
            "give each instance a name with letters or digits".into(),
        ));
    }
    let base_url = table.base_url.trim().to_owned();
    if !secure(&base_url) {
        return Err(invalid_in(
            &name,
            "[[netypareo.instances]] base_url",
            &table.base_url,
            "the NetYpareo address, starting with https:// (http:// only on this machine: the token would travel in clear)".into(),
        ));
    }
    let api_root = match table.api_root.trim() {
        "" => default_api_root(&base_url),
        root if secure(root) => root.trim_end_matches('/').to_owned(),
        _ => {
            return Err(invalid_in(
                &name,
                "[[netypareo.instances]] api_root",
                &table.api_root,
                "the REST root, starting with https:// (http:// only on this machine), or empty to derive it from base_url"
                    .into(),
            ));
        }
    };
    let token = token_source(&table, base, &name)?;
    let (username, idnumber) = id_sources(&table, &name)?;
    let cursus = match table.cursus.trim().to_lowercase().as_str() {
        "diploma_year" => CursusSource::DiplomaYear,
        "year" => CursusSource::Year,
        "training" => CursusSource::Training,
        _ => {
            return Err(invalid_in(
                &name,
                "[[netypareo.instances]] cursus",
                &table.cursus,
                "\"diploma_year\" (BTS1), \"year\" (2A) or \"training\"".into(),
            ));
        }
    };
    let auth = table.auth.trim().to_lowercase();
    let http = http_settings(&table, &name)?;
    let schedules = schedules(&table.schedule, &name)?;
    let path = |value: String| value.trim().trim_matches('/').to_owned();
    Ok(Instance {
        slug: slug(&name),
        index: table.index,
        base_url,
        api_root,
        token,
        periods: trimmed(table.periods),
        sites: trimmed(table.sites),
        student_statuses: trimmed(table.student_statuses),
        username,
        idnumber,
        cursus,
        auth: (!auth.is_empty()).then_some(auth),
        paths: EndpointPaths {
            tutors: path(table.tutors_path),
            fc_groups: path(table.fc_groups_path),
            fc_learners: path(table.fc_learners_path),
        },
        http,
        schedules,
        name,
    })
}

/// Where instance `name` reads its token: exactly one of `token`, `token_file` (taken from
/// `base`) and `token_env`.
fn token_source(
    table: &InstanceSection,
    base: &Path,
    name: &str,
) -> Result<TokenSource, ConfigError> {
    let given = [
        !table.token.is_empty(),
        !table.token_file.is_empty(),
        !table.token_env.is_empty(),
    ];
    match given {
        [true, false, false] => Ok(TokenSource::Inline(Token::new(table.token.trim()))),
        [false, true, false] => Ok(TokenSource::File(base.join(table.token_file.trim()))),
        [false, false, true] => Ok(TokenSource::Environment(table.token_env.trim().to_owned())),
        _ => Err(invalid_in(
            name,
            "[[netypareo.instances]] token",
            "***",
            "give exactly one of token, token_file and token_env".into(),
        )),
    }
}

/// Which of NetYpareo's values make the usernames and which the idnumbers: two different ones.
fn id_sources(table: &InstanceSection, name: &str) -> Result<(IdSource, IdSource), ConfigError> {
    let source = |key, value: &str| match value.trim().to_lowercase().as_str() {
        "login" => Ok(IdSource::Login),
        "code" => Ok(IdSource::Code),
        _ => Err(invalid_in(name, key, value, "\"login\" or \"code\"".into())),
    };
    let username = source(
        "[[netypareo.instances]] username_source",
        &table.username_source,
    )?;
    let idnumber = source(
        "[[netypareo.instances]] idnumber_source",
        &table.idnumber_source,
    )?;
    if username == idnumber {
        return Err(invalid_in(
            name,
            "[[netypareo.instances]] idnumber_source",
            &table.idnumber_source,
            "the username and the idnumber must come from different values".into(),
        ));
    }
    Ok((username, idnumber))
}

/// The HTTP settings of instance `name`: timeouts and requests in flight of at least 1.
fn http_settings(table: &InstanceSection, name: &str) -> Result<HttpSettings, ConfigError> {
    let positive = |key, value: u64| {
        if value == 0 {
            Err(invalid_in(
                name,
                key,
                &value.to_string(),
                "must be at least 1".into(),
            ))
        } else {
            Ok(value)
        }
    };
    Ok(HttpSettings {
        timeout: Duration::from_secs(positive(
            "[[netypareo.instances]] timeout_s",
            table.timeout_s,
        )?),
        connect_timeout: Duration::from_secs(positive(
            "[[netypareo.instances]] connect_timeout_s",
            table.connect_timeout_s,
        )?),
        max_concurrent_requests: usize::try_from(positive(
            "[[netypareo.instances]] max_concurrent_requests",
            table.max_concurrent_requests as u64,
        )?)
        .unwrap_or(usize::MAX),
        retries: table.retries,
        retry_base: Duration::from_millis(table.retry_base_ms),
    })
}

/// Each export's schedule of instance `name`, in [`Export::ALL`]'s order; `None` for an export
/// run by hand only.
fn schedules(section: &ScheduleSection, name: &str) -> Result<[Option<Schedule>; 5], ConfigError> {
    let mut schedules: [Option<Schedule>; 5] = Default::default();
    for (slot, export) in schedules.iter_mut().zip(Export::ALL) {
        let text = section.text(export).trim();
        if text.is_empty() {
            continue;
        }
        *slot = Some(
            text.parse::<Schedule>()
                .map_err(|error| ConfigError::Invalid {
                    key: "[netypareo.instances.schedule]",
                    value: format!("{export} = \"{text}\""),
                    reason: format!("instance \"{name}\": {error}"),
                })?,
        );
    }
    Ok(schedules)
}

/// The error for a bad `value` of `key` in instance `name`.
fn invalid_in(name: &str, key: &'static str, value: &str, reason: String) -> ConfigError {
    ConfigError::Invalid {
        key,
        value: value.to_owned(),
        reason: format!("instance \"{name}\": {reason}"),
    }
}

/// An `https://` address, or an `http://` one on this machine (the fake server, a local
/// tunnel): the token must not cross a network in clear.
fn secure(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

fn trimmed(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .collect()
}

impl Config {
    /// Where a NetYpareo pull under this configuration writes; refuses identifier settings
    /// NetYpareo's files cannot serve.
    pub fn netypareo_destination(&self) -> Result<Destination, String> {
        let config = self;
        if !matches!(
            config.kinds.cohorts.user_identifier,
            UserIdentifier::Idnumber | UserIdentifier::Username
        ) {
            return Err(
                "NetYpareo's cohort files name members by idnumber or username (Moodle ids are unknown to NetYpareo, and a member without an e-mail would be removed): set [cohorts] user_identifier to \"idnumber\" or \"username\"".into());
        }
        if config.kinds.cohorts.cohort_identifier != CohortIdentifier::Idnumber {
            return Err(
                "NetYpareo's cohort files name cohorts by idnumber (SITE_…, GROUP_…): set [cohorts] cohort_identifier to \"idnumber\"".into());
        }
        Ok(Destination {
            spool: config.paths.spool.clone(),
            state: config.paths.state.clone(),
            reports: config.paths.reports.clone(),
            routing: config.routing.clone(),
            member_identifier: config.kinds.cohorts.user_identifier,
            ignore: config.watch.ignore.clone(),
            done_marker: config.watch.done_marker.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::{
        config::Config,
        netypareo::settings::{Export, IdSource, TokenSource},
    };

    fn load(text: &str) -> Result<Config, String> {
        let file = Config::parse(text)?;
        Config::from_file(file, Path::new("/etc/moodle-sync"), None).map_err(|e| e.to_string())
    }

    const MINIMAL: &str = "[[netypareo.instances]]\nname = \"CFA Montpellier\"\nindex = 1\nbase_url = \"https://demo.ymag.fr/netypareo/\"\n";

    /// The commented instance of moodle-sync.example.toml, uncommented.
    fn example_instance() -> String {
        let text = include_str!("../../moodle-sync.example.toml");
        let start = text
            .find("# [[netypareo.instances]]")
            .expect("an example instance");
        text[start..]
            .lines()
            .filter_map(|line| line.strip_prefix("# ").or(line.strip_prefix("#")))
            .filter(|line| !line.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_documented_instance_is_valid_and_states_the_defaults() {
        let example = load(&example_instance()).unwrap();
        let minimal = load(&format!("{MINIMAL}token_env = \"NETYPAREO_TOKEN\"\n")).unwrap();
        let mut documented = example.netypareo[0].clone();
        // The example's own values for the keys without a default.
        assert_eq!(documented.name, "CFA Montpellier");
        assert_eq!(documented.api_root, "https://cfa.ymag.cloud/index.php/r/v1");
        documented.base_url = minimal.netypareo[0].base_url.clone();
        documented.api_root = minimal.netypareo[0].api_root.clone();
        documented.index = 1;
        assert_eq!(documented, minimal.netypareo[0]);
        let instance = &minimal.netypareo[0];
        assert_eq!(instance.slug, "cfa-montpellier");
        assert_eq!(instance.prefix(), "1_");
        assert_eq!(
            (instance.username, instance.idnumber),
            (IdSource::Login, IdSource::Code)
        );
        assert_eq!(instance.http.timeout.as_secs(), 120);
        assert_eq!(
            instance
                .schedule(Export::Users)
                .map(ToString::to_string)
                .as_deref(),
            Some("20 1 * * *")
        );
        assert_eq!(
            instance.token,
            TokenSource::Environment("NETYPAREO_TOKEN".into())
        );
    }

    #[test]
    fn accounts_never_get_a_mailed_password_unless_asked() {
        let instance = format!("{MINIMAL}token = \"t\"\n");
        let default = load(&instance).unwrap();
        assert_eq!(default.netypareo[0].auth.as_deref(), Some("netypareo"));
        for auth in ["manual", "email", "Manual"] {
            let error = load(&format!("{instance}auth = \"{auth}\"\n")).unwrap_err();
            assert!(
                error.contains("[[netypareo.instances]] auth")
                    && error.contains("generate a password")
                    && error.contains("send_passwords = true"),
                "{auth}: {error}"
            );
            let asked = load(&format!(
                "{instance}auth = \"{auth}\"\nsend_passwords = true\n"
            ))
            .unwrap();
            assert_eq!(
                asked.netypareo[0].auth.as_deref(),
                Some(auth.to_lowercase().as_str())
            );
        }
        // No column: new accounts get [users] default_auth, "manual" unless set.
        let error = load(&format!("{instance}auth = \"\"\n")).unwrap_err();
        assert!(error.contains("[users] default_auth"), "{error}");
        let cas = load(&format!(
            "[users]\ndefault_auth = \"cas\"\n{instance}auth = \"\"\n"
        ))
        .unwrap();
        assert_eq!(cas.netypareo[0].auth, None);
        assert!(load(&format!("{instance}auth = \"nologin\"\n")).is_ok());
    }

    #[test]
    fn tokens_paths_and_schedules_are_checked() {
        let none = load(MINIMAL).unwrap_err();
        assert!(
            none.contains("exactly one of token, token_file and token_env"),
            "{none}"
        );
        let plain = MINIMAL.replace("https://demo.ymag.fr", "http://demo.ymag.fr");
        let clear = load(&format!("{plain}token = \"t\"\n")).unwrap_err();
        assert!(clear.contains("in clear"), "{clear}");
        let local = plain.replace("demo.ymag.fr", "127.0.0.1:8470");
        assert!(load(&format!("{local}token = \"t\"\n")).is_ok());
        let two = load(&format!("{MINIMAL}token = \"a\"\ntoken_env = \"B\"\n")).unwrap_err();
        assert!(!two.contains("\"a\""), "the token is never shown: {two}");
        let file = load(&format!("{MINIMAL}token_file = \"secrets/ypareo\"\n")).unwrap();
        assert_eq!(
            file.netypareo[0].token,
            TokenSource::File("/etc/moodle-sync/secrets/ypareo".into())
        );
        let schedule = load(&format!(
            "{MINIMAL}token = \"t\"\n[netypareo.instances.schedule]\nusers = \"61 * * * *\"\ngroups = \"\"\n"
        ))
        .unwrap_err();
        assert!(schedule.contains("users = \"61 * * * *\""), "{schedule}");
        let off = load(&format!(
            "{MINIMAL}token = \"t\"\n[netypareo.instances.schedule]\ngroups = \"\"\n"
        ))
        .unwrap();
        assert!(off.netypareo[0].schedule(Export::Groups).is_none());
        let same = load(&format!(
            "{MINIMAL}token = \"t\"\nusername_source = \"code\"\nidnumber_source = \"code\"\n"
        ))
        .unwrap_err();
        assert!(same.contains("different values"), "{same}");
    }

    #[test]
    fn a_token_line_is_never_quoted_in_a_parse_error() {
        for line in ["token = \"SUPERSECRET-TOKEN", "token = SUPERSECRET-TOKEN"] {
            let error = load(&format!("{MINIMAL}{line}\n")).unwrap_err();
            assert!(!error.contains("SUPERSECRET"), "{error}");
            assert!(
                error.contains("at line 5 (the line is not shown"),
                "{error}"
            );
        }
    }

    #[test]
    fn two_instances_need_their_own_names_and_indexes() {
        let one = format!("{MINIMAL}token = \"t\"\n");
        let twice = load(&format!("{one}{one}")).unwrap_err();
        assert!(twice.contains("two instances have this name"), "{twice}");
        let other_name = one.replace("CFA Montpellier", "CFA Toulouse");
        let same_index = load(&format!("{one}{other_name}")).unwrap_err();
        assert!(
            same_index.contains("two instances have this index"),
            "{same_index}"
        );
        let both = load(&format!(
            "{one}{}",
            other_name.replace("index = 1", "index = 2")
        ))
        .unwrap();
        assert_eq!(both.netypareo.len(), 2);
    }
}
