//! The `[users]` section of the configuration, checked into [`UserSettings`], and how the
//! report states those settings.

use serde::Deserialize;
use serde_json::{Value, json};

use super::line::{PROFILE_PREFIX, UserField, UserSettings};
use crate::{command::refs::UserIdentifier, error::ConfigError, outcome::on_off};

/// `[users]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsersSection {
    /// The field that finds an existing account.
    pub identifier: UserIdentifier,
    /// Authentication method of created accounts whose line gives none.
    pub default_auth: String,
    /// Columns an update never changes.
    pub protected_fields: Vec<String>,
    /// Bring deleted accounts back.
    pub revive_deleted: bool,
    /// Create missing profile fields as text fields.
    pub create_profile_fields: bool,
    /// The category of created profile fields.
    pub profile_field_category: String,
    /// bcrypt's cost for given passwords (sites older than Moodle 4.3).
    pub password_cost: u32,
}

impl Default for UsersSection {
    fn default() -> Self {
        let defaults = UserSettings::default();
        UsersSection {
            identifier: defaults.identifier,
            default_auth: defaults.default_auth,
            protected_fields: defaults.protected_fields,
            revive_deleted: defaults.revive_deleted,
            create_profile_fields: defaults.create_profile_fields,
            profile_field_category: defaults.profile_field_category,
            password_cost: defaults.password_cost,
        }
    }
}

impl UsersSection {
    /// Checks the section.
    pub fn settings(&self) -> Result<UserSettings, ConfigError> {
        let section = self;
        if section.identifier == UserIdentifier::Id {
            return Err(ConfigError::Invalid {
                key: "[users] identifier",
                value: "\"id\"".into(),
                reason: "accounts are created with ids Moodle chooses; use \"idnumber\", \"username\" or \"email\"".into(),
            });
        }
        let default_auth = section.default_auth.trim().to_lowercase();
        if default_auth.is_empty()
            || !default_auth
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ConfigError::Invalid {
                key: "[users] default_auth",
                value: format!("{:?}", section.default_auth),
                reason: "name an authentication plugin, such as \"manual\", \"cas\" or \"ldap\""
                    .into(),
            });
        }
        let known: Vec<&str> = UserField::ALL
            .iter()
            .map(|field| field.name())
            .chain(["password", "suspended"])
            .collect();
        for field in &section.protected_fields {
            let lowered = field.to_lowercase();
            let profile = lowered
                .strip_prefix(PROFILE_PREFIX)
                .is_some_and(|shortname| !shortname.is_empty());
            if !profile && !known.contains(&lowered.as_str()) {
                return Err(ConfigError::Invalid {
                    key: "[users] protected_fields",
                    value: format!("{field:?}"),
                    reason: format!(
                        "not a column an update changes; use {} or profile_field_<shortname>",
                        known.join(", ")
                    ),
                });
            }
        }
        if section.profile_field_category.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "[users] profile_field_category",
                value: "\"\"".into(),
                reason: "name the category created profile fields go in".into(),
            });
        }
        if !(4..=31).contains(&section.password_cost) {
            return Err(ConfigError::Invalid {
                key: "[users] password_cost",
                value: section.password_cost.to_string(),
                reason: "bcrypt's cost goes from 4 to 31 (Moodle uses 10)".into(),
            });
        }
        Ok(UserSettings {
            identifier: section.identifier,
            default_auth,
            protected_fields: section.protected_fields.clone(),
            revive_deleted: section.revive_deleted,
            create_profile_fields: section.create_profile_fields,
            profile_field_category: section.profile_field_category.trim().to_owned(),
            password_cost: section.password_cost,
        })
    }
}

/// The report's line of the settings of user files.
pub fn describe(settings: &UserSettings) -> String {
    format!(
        "accounts matched by {} (else by username), default auth {}, protected fields {}, revive_deleted {}, create_profile_fields {}",
        settings.identifier.name(),
        settings.default_auth,
        if settings.protected_fields.is_empty() {
            "none".to_owned()
        } else {
            settings.protected_fields.join(", ")
        },
        on_off(settings.revive_deleted),
        on_off(settings.create_profile_fields),
    )
}

/// The settings of user files in the JSON report.
pub fn json(settings: &UserSettings) -> Value {
    json!({
        "account_identifier": settings.identifier.name(),
        "protected_fields": settings.protected_fields,
        "revive_deleted": settings.revive_deleted,
        "create_profile_fields": settings.create_profile_fields,
        "default_auth": settings.default_auth,
    })
}
