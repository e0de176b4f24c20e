//! The names Moodle's cache API (MUC) gives what it stores, computed as it computes them: a
//! definition's hash (`definition::generate_definition_hash`), its single key prefix
//! (`generate_single_key_prefix`, from the mode, component, area and the site identifier the
//! sharing option asks for) and the key a store receives (`helper::hash_key`). Pure.

use md5::{Digest, Md5};

/// `cache_store::MODE_APPLICATION`.
pub const MODE_APPLICATION: i64 = 1;

/// `definition::SHARING_ALL`: shared with every site.
pub const SHARING_ALL: i64 = 1;
/// `definition::SHARING_SITEID`: shared with the sites of the same identifier (the default).
pub const SHARING_SITEID: i64 = 2;
/// `definition::SHARING_VERSION`: shared with the sites of the same version.
pub const SHARING_VERSION: i64 = 4;
/// `definition::SHARING_INPUT`: shared with the sites given the same key.
pub const SHARING_INPUT: i64 = 8;

/// A cache definition, as far as its keys depend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// `component/area`, as `cache::make` names it.
    pub id: String,
    /// One of `cache_store::MODE_*`.
    pub mode: i64,
    /// The component (`core`).
    pub component: String,
    /// The area (`groupdata`).
    pub area: String,
    /// Keys are passed to the stores as they are, with the prefix after them (`simplekeys`);
    /// otherwise they are hashed.
    pub simple_keys: bool,
    /// Time to live, in seconds; 0 for none.
    pub ttl: i64,
    /// The selected sharing option (`SHARING_*`).
    pub sharing: i64,
    /// The key of `SHARING_INPUT`.
    pub sharing_key: String,
    /// What a store must support to serve it (`cache_store::SUPPORTS_*`, `IS_SEARCHABLE`).
    pub requirements: i64,
    /// Served by explicitly mapped stores only, never by the mode's default.
    pub mappings_only: bool,
}

impl Definition {
    /// An application cache of Moodle core as `lib/db/caches.php` declares it, with the
    /// default sharing option.
    pub fn core(area: &str, ttl: i64) -> Definition {
        Definition {
            id: format!("core/{area}"),
            mode: MODE_APPLICATION,
            component: "core".into(),
            area: area.into(),
            simple_keys: true,
            ttl,
            sharing: SHARING_SITEID,
            sharing_key: String::new(),
            requirements: 0,
            mappings_only: false,
        }
    }

    /// `generate_definition_hash()`: what the Redis store names the definition's hash.
    pub fn hash(&self) -> String {
        md5_hex(&format!("{} {} {}", self.mode, self.component, self.area))
    }

    /// `generate_single_key_prefix()`: `site` supplies what the sharing option includes.
    pub fn single_key_prefix(&self, site: &Site) -> String {
        md5_hex(&format!(
            "{}/{}/{}/{}",
            self.mode,
            self.component,
            self.area,
            self.cache_identifier(site)
        ))
    }

    /// `get_cache_identifier()`: the parts of the site's identity the sharing option keeps.
    fn cache_identifier(&self, site: &Site) -> String {
        if self.sharing & SHARING_ALL != 0 {
            return String::new();
        }
        let mut parts = Vec::new();
        if self.sharing & SHARING_SITEID != 0 {
            parts.push(site.identifier.as_str());
        }
        if self.sharing & SHARING_VERSION != 0 {
            parts.push(site.version.as_str());
        }
        if self.sharing & SHARING_INPUT != 0 && !self.sharing_key.is_empty() {
            parts.push(self.sharing_key.as_str());
        }
        parts.join("/")
    }

    /// `helper::hash_key()` for a store that does not support multiple identifiers (the
    /// file and Redis stores): `<key>-<prefix>` for simple keys. `None` for a definition with
    /// hashed keys, which moodle-sync does not compute (none of the caches it refreshes has
    /// them).
    pub fn store_key(&self, key: &str, site: &Site) -> Option<String> {
        self.simple_keys
            .then(|| format!("{key}-{}", self.single_key_prefix(site)))
    }
}

/// What a site contributes to its cache keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `helper::get_site_identifier()`: the `siteidentifier` of `muc/config.php`, which is
    /// the MD5 of `$CFG->siteidentifier`.
    pub identifier: String,
    /// `helper::get_site_version()`: `$CFG->version`.
    pub version: String,
}

impl Site {
    /// The identity of a site whose cache configuration does not say its identifier: the MD5
    /// of `$CFG->siteidentifier`, as `helper::update_site_identifier` records it.
    pub fn from_config(siteidentifier: &str, version: &str) -> Site {
        Site {
            identifier: md5_hex(siteidentifier),
            version: version.to_owned(),
        }
    }
}

/// The MD5 of `text`, in lowercase hexadecimal (PHP's `md5()`).
pub fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PostgreSQL site of the reference scenario: its `siteidentifier` config row.
    const SITEIDENTIFIER: &str = "SG3WRSCfKMxQRvMtkiGCdC9dcSLD3AFC127.0.0.1";

    #[test]
    fn computes_the_keys_the_real_site_uses() {
        // Read off the real site: course 3's groups are in
        // core_groupdata/3-9-cache/3-9f1d5e69e835f0d37ea93f2e3840d903.cache.
        let site = Site::from_config(SITEIDENTIFIER, "2025100600.02");
        let groupdata = Definition::core("groupdata", 0);
        assert_eq!(
            groupdata.store_key("3", &site).as_deref(),
            Some("3-9f1d5e69e835f0d37ea93f2e3840d903")
        );
        assert_eq!(groupdata.hash(), md5_hex("1 core groupdata"));
        // The version is not part of the default sharing option's key.
        let other_version = Site::from_config(SITEIDENTIFIER, "2024100700");
        assert_eq!(
            groupdata.store_key("3", &other_version),
            groupdata.store_key("3", &site)
        );
    }

    #[test]
    fn sharing_options_change_the_prefix() {
        let site = Site {
            identifier: "abc".into(),
            version: "2025100600.02".into(),
        };
        let mut definition = Definition::core("coursecontacts", 3600);
        assert_eq!(
            definition.single_key_prefix(&site),
            md5_hex("1/core/coursecontacts/abc")
        );
        definition.sharing = SHARING_ALL | SHARING_SITEID;
        assert_eq!(
            definition.single_key_prefix(&site),
            md5_hex("1/core/coursecontacts/")
        );
        definition.sharing = SHARING_SITEID | SHARING_VERSION | SHARING_INPUT;
        definition.sharing_key = "shared".into();
        assert_eq!(
            definition.single_key_prefix(&site),
            md5_hex("1/core/coursecontacts/abc/2025100600.02/shared")
        );
        definition.sharing = SHARING_INPUT;
        definition.sharing_key.clear();
        assert_eq!(
            definition.single_key_prefix(&site),
            md5_hex("1/core/coursecontacts/")
        );
        definition.simple_keys = false;
        assert_eq!(definition.store_key("3", &site), None);
    }
}
