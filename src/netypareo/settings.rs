//! What a NetYpareo instance is, once its `[[netypareo.instances]]` table is validated: where
//! its API is, how to authenticate, what to export and when.

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use super::schedule::Schedule;

/// One export, one scheduled task of the Moodle plugin. `ALL` is the order the plugin's manual
/// says to run them in by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Export {
    /// The definition cache: statuses, years, trainings, periods.
    Cache,
    /// One empty cohort per site.
    Sites,
    /// Students, teachers and tutors (one user file each), and the students of each site.
    Users,
    /// Diploma groups (formation longue) and their members.
    Groups,
    /// Continuing-education groups (formation courte) and their members.
    FcGroups,
}

impl Export {
    /// Every export, in the order to run them.
    pub const ALL: [Export; 5] = [
        Export::Cache,
        Export::Sites,
        Export::Users,
        Export::Groups,
        Export::FcGroups,
    ];

    /// The name in `--only`, schedules and file names.
    pub fn name(self) -> &'static str {
        match self {
            Export::Cache => "cache",
            Export::Sites => "sites",
            Export::Users => "users",
            Export::Groups => "groups",
            Export::FcGroups => "fcgroups",
        }
    }
}

impl FromStr for Export {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let lowered = value.trim().to_lowercase();
        Export::ALL
            .into_iter()
            .find(|export| export.name() == lowered)
            .ok_or_else(|| {
                format!("\"{value}\" is not an export (cache, sites, users, groups or fcgroups)")
            })
    }
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which NetYpareo value becomes a Moodle username or idnumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSource {
    /// The NetYpareo login (`apprenant10007`).
    Login,
    /// The NetYpareo code (`codeApprenant`, `codePersonnel`…: `6106273`).
    Code,
}

/// What fills `netypareo_cursus` (netypareo-api.md §5.3: no field holds it as such).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursusSource {
    /// The diploma's abbreviation and the year's number: `BTS` + `1` → `BTS1`.
    DiplomaYear,
    /// The year's abbreviation (`abregeAnnee`, `2A`).
    Year,
    /// The training's abbreviation (`abregeFormation`).
    Training,
}

/// A token that is never printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Token {
        Token(token.into())
    }

    /// The token itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where the token comes from; read when an export runs, so that a configuration naming a
/// token file or variable absent from this shell still serves `run` and `watch`'s other work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// Written in the configuration file.
    Inline(Token),
    /// The first line of a file (absolute path).
    File(PathBuf),
    /// An environment variable.
    Environment(String),
}

impl TokenSource {
    /// Reads the token.
    pub fn resolve(&self) -> Result<Token, String> {
        let token = match self {
            TokenSource::Inline(token) => return Ok(token.clone()),
            TokenSource::File(path) => std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read token_file {}: {error}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            TokenSource::Environment(name) => std::env::var(name)
                .map_err(|_| format!("the environment variable {name} (token_env) is not set"))?
                .trim()
                .to_owned(),
        };
        if token.is_empty() {
            return Err(match self {
                TokenSource::File(path) => format!("token_file {} is empty", path.display()),
                _ => "the token is empty".into(),
            });
        }
        Ok(Token(token))
    }
}

/// Endpoint paths that differ between instances (relative to the API root; `{from}` and
/// `{to}` are the period's first and last days as `dd-mm-yyyy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointPaths {
    /// Tutors' accounts (no public source confirms an endpoint).
    pub tutors: String,
    /// Continuing-education groups.
    pub fc_groups: String,
    /// Continuing-education learners.
    pub fc_learners: String,
}

impl Default for EndpointPaths {
    fn default() -> Self {
        EndpointPaths {
            tutors: "utilisateur/tuteurs".into(),
            fc_groups: "formation-courte/{from}/{to}/groupes".into(),
            fc_learners: "formation-courte/{from}/{to}/apprenants".into(),
        }
    }
}

/// How the HTTP client behaves towards one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Longest wait for a whole answer, body included.
    pub timeout: Duration,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Requests in flight at once.
    pub max_concurrent_requests: usize,
    /// Further attempts after a 5xx answer, a timeout or a broken connection.
    pub retries: u32,
    /// The first backoff; each next one doubles (capped at a minute), with full jitter.
    pub retry_base: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(30),
            max_concurrent_requests: 4,
            retries: 4,
            retry_base: Duration::from_secs(2),
        }
    }
}

/// One NetYpareo instance, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Its name, as the console shows it ("CFA Montpellier").
    pub name: String,
    /// Its name in file names: lowercase letters, digits and dashes ("cfa-montpellier").
    pub slug: String,
    /// The prefix of its cohorts' idnumbers and of `netypareo_usertype` (`1_SITE_CFPPH`).
    pub index: u32,
    /// The NetYpareo address as configured, shown on the console.
    pub base_url: String,
    /// The REST root, without a trailing slash (`…/index.php/r/v1`).
    pub api_root: String,
    /// The token.
    pub token: TokenSource,
    /// `codePeriode`s to export; empty: the period(s) in progress today.
    pub periods: Vec<String>,
    /// Sites (code or abbreviation) whose students and groups are exported; empty: all.
    pub sites: Vec<String>,
    /// Student statuses (code, abbreviation or name) exported; empty: all.
    pub student_statuses: Vec<String>,
    /// What becomes the Moodle username.
    pub username: IdSource,
    /// What becomes the Moodle idnumber.
    pub idnumber: IdSource,
    /// What fills `netypareo_cursus`.
    pub cursus: CursusSource,
    /// The `auth` column of the user files; `None`: the column is left out (`[users]
    /// default_auth` applies to new accounts).
    pub auth: Option<String>,
    /// Endpoint paths.
    pub paths: EndpointPaths,
    /// HTTP behaviour.
    pub http: HttpSettings,
    /// When `watch` runs each export (`None`: never on its own), in [`Export::ALL`] order.
    pub schedules: [Option<Schedule>; 5],
}

impl Instance {
    /// The schedule of `export`.
    pub fn schedule(&self, export: Export) -> Option<&Schedule> {
        let position = Export::ALL
            .iter()
            .position(|candidate| *candidate == export)?;
        self.schedules[position].as_ref()
    }

    /// The prefix of idnumbers and user types: `1_` for index 1, nothing for index 0.
    pub fn prefix(&self) -> String {
        if self.index == 0 {
            String::new()
        } else {
            format!("{}_", self.index)
        }
    }
}

/// The REST root of a NetYpareo address: `https://x.ymag.cloud/index.php` and
/// `https://demo.ymag.fr/netypareo/` both give their `…/index.php/r/v1`.
pub fn default_api_root(base_url: &str) -> String {
    let base = base_url.trim().trim_end_matches('/');
    if base.ends_with("/r/v1") {
        base.to_owned()
    } else if base.ends_with("index.php") {
        format!("{base}/r/v1")
    } else {
        format!("{base}/index.php/r/v1")
    }
}

/// A name as it appears in file names: ASCII lowercase letters and digits, other runs
/// replaced by one dash ("CFA Montpellier" → "cfa-montpellier", "Hérault" → "h-rault").
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_root_is_derived_from_the_address() {
        for (base, root) in [
            (
                "https://demo.ymag.fr/netypareo/",
                "https://demo.ymag.fr/netypareo/index.php/r/v1",
            ),
            (
                "https://lecnam.ymag.cloud/index.php",
                "https://lecnam.ymag.cloud/index.php/r/v1",
            ),
            (
                "https://iticparis.ymag.cloud/index.php/r/v1/",
                "https://iticparis.ymag.cloud/index.php/r/v1",
            ),
        ] {
            assert_eq!(default_api_root(base), root);
        }
    }

    #[test]
    fn names_become_slugs_and_tokens_never_print() {
        assert_eq!(slug("CFA Montpellier"), "cfa-montpellier");
        assert_eq!(slug(" Test  Ymag! "), "test-ymag");
        let token = Token::new("s3cr3t-token");
        assert_eq!(format!("{token} {token:?}"), "*** ***");
        assert_eq!(format!("{:?}", TokenSource::Inline(token)), "Inline(***)");
    }

    #[test]
    fn exports_parse_by_name() {
        assert_eq!("FCGroups".parse::<Export>(), Ok(Export::FcGroups));
        assert!(
            "students"
                .parse::<Export>()
                .unwrap_err()
                .contains("cache, sites, users")
        );
    }
}
