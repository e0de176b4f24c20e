//! Reading what a user file refers to: the accounts (deleted ones too), the profile fields and
//! their data, the site's defaults and settings, in bulk, in the file's transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;

use crate::command::{
    dates::SiteZone,
    user::{
        Account, CategoryRow, ProfileField, SiteDefaults, Snapshot, UserField, UserSettings, Wanted,
    },
};
use crate::db::{
    DbError, Tx,
    sql::{Context, Keys, ONE_PASS_ABOVE, int, optional_text, placeholders, query, set_vec, text},
};

/// The `user` columns read, in [`UserField::ALL`] order, then the rest.
const ACCOUNT_COLUMNS: &str = "id, username, firstname, lastname, email, idnumber, auth, lang, city, country, \
     institution, department, phone1, phone2, address, description, password";

impl Tx {
    /// Reads the site settings, the accounts `wanted` may match (deleted ones too), the profile
    /// field definitions and the loaded accounts' profile data.
    pub async fn user_snapshot(
        &mut self,
        wanted: &Wanted,
        settings: &UserSettings,
    ) -> Result<Snapshot, DbError> {
        let site = self.site_defaults().await?;
        let accounts = self.accounts(wanted, site.mnethost).await?;
        let doing = "reading profile fields";
        let sql = self
            .dialect
            .sql("SELECT id, shortname, datatype, param1 FROM {user_info_field} ORDER BY id");
        let mut fields = Vec::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            fields.push(ProfileField {
                id: int(&row, 0).doing(doing)?,
                shortname: text(&row, 1).doing(doing)?,
                datatype: text(&row, 2).doing(doing)?,
                param1: optional_text(&row, 3).doing(doing)?,
            });
        }
        let ids: Vec<i64> = accounts.iter().map(|account| account.id).collect();
        let mut data = HashMap::new();
        for row in self
            .select_in(
                "SELECT userid, fieldid, data FROM {user_info_data}",
                "userid",
                Keys::Ids(&ids),
                "",
                "reading profile data",
            )
            .await?
        {
            data.insert(
                (
                    int(&row, 0).doing("reading profile data")?,
                    int(&row, 1).doing("reading profile data")?,
                ),
                text(&row, 2).doing("reading profile data")?,
            );
        }
        let doing = "reading profile field categories";
        let sql = self
            .dialect
            .sql("SELECT id, name, sortorder FROM {user_info_category} ORDER BY sortorder, id");
        let mut category = None;
        let mut max_category_sortorder = 0;
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            max_category_sortorder = max_category_sortorder.max(int(&row, 2).doing(doing)?);
            let row = CategoryRow {
                id: int(&row, 0).doing(doing)?,
                name: text(&row, 1).doing(doing)?,
            };
            if category.is_none() && row.name == settings.profile_field_category {
                category = Some(row);
            }
        }
        let max_field_sortorder = match &category {
            None => 0,
            Some(category) => {
                let sql = self.dialect.sql(
                    "SELECT COALESCE(MAX(sortorder), 0) FROM {user_info_field} WHERE categoryid = ?",
                );
                let row = query(sql)
                    .bind(category.id)
                    .fetch_one(&mut *self.transaction)
                    .await
                    .doing("reading profile fields")?;
                int(&row, 0).doing("reading profile fields")?
            }
        };
        Ok(Snapshot {
            site,
            accounts,
            fields,
            data,
            category,
            max_category_sortorder,
            max_field_sortorder,
        })
    }

    /// The settings Moodle creates accounts with, with Moodle's fallbacks for missing rows.
    async fn site_defaults(&mut self) -> Result<SiteDefaults, DbError> {
        let doing = "reading the site's settings";
        let names = [
            "mnet_localhost_id",
            "lang",
            "calendartype",
            "country",
            "defaultcity",
            "forcetimezone",
            "extendedusernamechars",
            "defaultpreference_maildisplay",
            "defaultpreference_mailformat",
            "defaultpreference_maildigest",
            "defaultpreference_autosubscribe",
            "defaultpreference_trackforums",
            "siteadmins",
            "siteguest",
            "version",
        ];
        let sql = self.dialect.sql(&format!(
            "SELECT name, value FROM {{config}} WHERE name IN ({})",
            placeholders(names.len())
        ));
        let mut statement = query(sql);
        for name in names {
            statement = statement.bind(name);
        }
        let mut config = BTreeMap::new();
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            config.insert(text(&row, 0).doing(doing)?, text(&row, 1).doing(doing)?);
        }
        let value = |name: &str| {
            config
                .get(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let number = |name: &str, default: i64| {
            value(name)
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        let defaults = SiteDefaults::default();

        let sql = self
            .dialect
            .sql("SELECT plugin FROM {config_plugins} WHERE name = 'version'");
        let mut auths = BTreeSet::new();
        for row in query(sql)
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            if let Some(auth) = text(&row, 0).doing(doing)?.strip_prefix("auth_") {
                auths.insert(auth.to_owned());
            }
        }
        let zone = SiteZone::from_config(&self.config_values(&SiteZone::SETTINGS).await?);
        Ok(SiteDefaults {
            zone,
            mnethost: number("mnet_localhost_id", 1),
            lang: value("lang").unwrap_or(defaults.lang),
            calendartype: value("calendartype").unwrap_or(defaults.calendartype),
            country: value("country").filter(|country| country != "0"),
            city: value("defaultcity"),
            timezone: value("forcetimezone")
                .filter(|zone| zone != "99")
                .unwrap_or(defaults.timezone),
            extended_username_chars: value("extendedusernamechars").is_some_and(|v| v != "0"),
            preferences: [
                number("defaultpreference_maildisplay", defaults.preferences[0]),
                number("defaultpreference_mailformat", defaults.preferences[1]),
                number("defaultpreference_maildigest", defaults.preferences[2]),
                number("defaultpreference_autosubscribe", defaults.preferences[3]),
                number("defaultpreference_trackforums", defaults.preferences[4]),
            ],
            auths: (!auths.is_empty()).then_some(auths),
            admins: value("siteadmins")
                .map(|list| {
                    list.split(',')
                        .filter_map(|id| id.trim().parse().ok())
                        .collect()
                })
                .unwrap_or(defaults.admins),
            guest: number("siteguest", defaults.guest),
            // `2025100600.02`: the date and the day's release, then the weekly build.
            version: value("version").and_then(|version| {
                version
                    .split('.')
                    .next()
                    .and_then(|whole| whole.parse().ok())
            }),
        })
    }

    /// The local accounts, deleted or not, that hold a wanted username, idnumber or email.
    /// As for cohort files, keys are looked up on their column alone (so its index serves) and
    /// the host is checked here; many keys, and emails matched without regard to case, are
    /// matched in one streamed pass over the table.
    async fn accounts(&mut self, wanted: &Wanted, host: i64) -> Result<Vec<Account>, DbError> {
        let select = format!(
            "SELECT {ACCOUNT_COLUMNS}, {}, {}, timemodified, mnethostid FROM {{user}}",
            self.dialect.int("suspended"),
            self.dialect.int("deleted"),
        );
        let usernames = set_vec(&wanted.usernames);
        let idnumbers = set_vec(&wanted.idnumbers);
        let deleted_emails = set_vec(&wanted.deleted_emails);
        let keys = usernames.len() + idnumbers.len() + deleted_emails.len();
        let mut found: BTreeMap<i64, Account> = BTreeMap::new();
        if wanted.emails.is_empty() && keys <= ONE_PASS_ABOVE {
            for (column, keys) in [
                ("username", &usernames),
                ("idnumber", &idnumbers),
                ("email", &deleted_emails),
            ] {
                for row in self
                    .select_in(&select, column, Keys::Texts(keys), "", "reading accounts")
                    .await?
                {
                    let (account, mnethost) = account_row(&row).doing("reading accounts")?;
                    if mnethost == host {
                        found.insert(account.id, account);
                    }
                }
            }
        } else {
            let sql = self.dialect.sql(&select);
            let mut stream = query(sql).fetch(&mut *self.transaction);
            while let Some(row) = stream.try_next().await.doing("reading accounts")? {
                let (account, mnethost) = account_row(&row).doing("reading accounts")?;
                let email = account.get(UserField::Email);
                let wanted = wanted.usernames.contains(account.get(UserField::Username))
                    || wanted.idnumbers.contains(account.get(UserField::Idnumber))
                    || wanted.deleted_emails.contains(email)
                    || wanted.emails.contains(&email.to_lowercase());
                if wanted && mnethost == host {
                    found.insert(account.id, account);
                }
            }
        }
        Ok(found.into_values().collect())
    }
}

/// An account row and its MNet host.
fn account_row(row: &AnyRow) -> Result<(Account, i64), sqlx::Error> {
    let mut fields: [String; 15] = Default::default();
    for (index, field) in fields.iter_mut().enumerate() {
        *field = optional_text(row, index + 1)?.unwrap_or_default();
    }
    let account = Account {
        id: int(row, 0)?,
        fields,
        password: text(row, 16)?,
        suspended: int(row, 17)? != 0,
        deleted: int(row, 18)? != 0,
        timemodified: int(row, 19)?,
    };
    Ok((account, int(row, 20)?))
}
