//! Moodle's cache configuration, `<dataroot>/muc/config.php`, as `core_cache\config` reads
//! it: the store instances and their settings, the definitions, and which stores serve each
//! definition (its explicit mappings, else its mode's default mappings). Pure: built from
//! the parsed literal ([`super::php`]).

use std::{collections::BTreeMap, fmt};

use super::{key::Definition, php::PhpValue};

/// `cache_store::SUPPORTS_MULTIPLE_IDENTIFIERS`.
const SUPPORTS_MULTIPLE_IDENTIFIERS: i64 = 1;
/// `cache_store::SUPPORTS_DATA_GUARANTEE`.
const SUPPORTS_DATA_GUARANTEE: i64 = 2;
/// `cache_store::IS_SEARCHABLE`.
const IS_SEARCHABLE: i64 = 8;

/// The cache configuration of a site.
#[derive(Debug, Clone, PartialEq)]
pub struct MucConfig {
    /// `siteidentifier`: the MD5 of `$CFG->siteidentifier`, when recorded.
    pub site_identifier: Option<String>,
    /// The store instances by name.
    pub stores: BTreeMap<String, StoreInstance>,
    /// The definitions by id (`core/groupdata`).
    definitions: BTreeMap<String, Definition>,
    /// `modemappings`, highest `sort` first.
    mode_mappings: Vec<Mapping>,
    /// `definitionmappings`, highest `sort` first.
    definition_mappings: Vec<Mapping>,
}

/// A mapping of a store to a mode or to a definition.
#[derive(Debug, Clone, PartialEq)]
struct Mapping {
    /// The store instance.
    store: String,
    /// The mode (mode mappings) or the definition id (definition mappings).
    target: String,
    sort: i64,
}

/// A store instance (`stores` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreInstance {
    /// Its name (`default_application`).
    pub name: String,
    /// Its plugin (`file`, `redis`, `memcached`, `apcu`…).
    pub plugin: String,
    /// The modes it serves (`cache_store::MODE_*`, added).
    pub modes: i64,
    /// What it supports (`cache_store::SUPPORTS_*`, added).
    pub features: i64,
    /// Serves only the definitions mapped to it explicitly.
    pub mappings_only: bool,
    /// Its settings, for the plugins moodle-sync can reach.
    pub kind: StoreKind,
}

/// A store instance's settings.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreKind {
    /// `cachestore_file`.
    File(FileSettings),
    /// `cachestore_redis`.
    Redis(RedisSettings),
    /// Any other plugin: moodle-sync cannot refresh what it holds.
    Other,
}

/// `cachestore_file`'s settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSettings {
    /// `path`: a folder of the administrator's; `None`: `<cachedir>/cachestore_file/<name>`.
    pub path: Option<String>,
    /// `singledirectory`: every key in the definition's folder, no sub-folders.
    pub single_directory: bool,
    /// `prescan`: Moodle lists the keys when it opens the store (nothing changes on disk).
    pub prescan: bool,
    /// `asyncpurge`: the keys live in a revision folder named after `.lastpurged`.
    pub async_purge: bool,
}

/// `cachestore_redis`'s settings.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `server`: `host[:port]` or a Unix socket path; with `clustermode`, one seed per line.
    pub servers: Vec<String>,
    /// `prefix`: put before every Redis key name.
    pub prefix: String,
    /// `password`, empty for none. Never printed.
    pub password: String,
    /// `serializer`: 1 (PHP's `serialize`, the default) or 2 (igbinary).
    pub serializer: i64,
    /// `compressor`: 0 (none, the default), 1 (gzip) or 2 (zstd).
    pub compressor: i64,
    /// `clustermode`: the server is a Redis Cluster.
    pub cluster: bool,
    /// `encryption`: TLS.
    pub encryption: bool,
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("servers", &self.servers)
            .field("prefix", &self.prefix)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("serializer", &self.serializer)
            .field("compressor", &self.compressor)
            .field("cluster", &self.cluster)
            .field("encryption", &self.encryption)
            .finish()
    }
}

impl MucConfig {
    /// Reads the `$configuration` array. Entries Moodle would skip (no name, unknown store,
    /// invalid mode) are skipped; only a value that is not an array is refused.
    pub fn from_php(configuration: &PhpValue) -> Result<MucConfig, String> {
        if !configuration.is_array() {
            return Err("$configuration is not an array".into());
        }
        let site_identifier = configuration
            .get("siteidentifier")
            .and_then(PhpValue::as_string)
            .filter(|identifier| !identifier.is_empty());
        let section = |name: &str| configuration.get(name).map_or(&[][..], PhpValue::entries);

        let mut stores = BTreeMap::new();
        for (_, store) in section("stores") {
            let (Some(name), Some(plugin)) = (
                store.get("name").and_then(PhpValue::as_string),
                store.get("plugin").and_then(PhpValue::as_string),
            ) else {
                continue;
            };
            if stores.contains_key(&name) {
                continue;
            }
            let settings = store
                .get("configuration")
                .filter(|value| value.is_array())
                .cloned()
                .unwrap_or(PhpValue::Array(Vec::new()));
            let kind = match plugin.as_str() {
                "file" => StoreKind::File(file_settings(&settings)),
                "redis" => StoreKind::Redis(redis_settings(&settings)),
                _ => StoreKind::Other,
            };
            stores.insert(
                name.clone(),
                StoreInstance {
                    name,
                    plugin,
                    modes: store.get("modes").map_or(0, PhpValue::as_int),
                    features: store.get("features").map_or(0, PhpValue::as_int),
                    mappings_only: store.get("mappingsonly").is_some_and(PhpValue::truthy),
                    kind,
                },
            );
        }

        let mut definitions = BTreeMap::new();
        for (id, entry) in section("definitions") {
            let id = id.to_string();
            if let Some(definition) = definition(&id, entry) {
                definitions.entry(id).or_insert(definition);
            }
        }

        let mappings = |name: &str, target: &str| {
            let mut list: Vec<Mapping> = section(name)
                .iter()
                .filter_map(|(_, mapping)| {
                    let store = mapping.get("store")?.as_string()?;
                    let target = mapping.get(target)?;
                    Some(Mapping {
                        store,
                        target: match target {
                            PhpValue::Str(text) => text.clone(),
                            other => other.as_int().to_string(),
                        },
                        sort: mapping.get("sort").map_or(0, PhpValue::as_int),
                    })
                })
                .filter(|mapping| stores.contains_key(&mapping.store))
                .collect();
            // `sort_mappings`: highest first; PHP's sort keeps equal ones in order.
            list.sort_by_key(|mapping| std::cmp::Reverse(mapping.sort));
            list
        };
        let mode_mappings = mappings("modemappings", "mode");
        let definition_mappings = mappings("definitionmappings", "definition")
            .into_iter()
            .filter(|mapping| definitions.contains_key(&mapping.target))
            .collect();
        Ok(MucConfig {
            site_identifier,
            stores,
            definitions,
            mode_mappings,
            definition_mappings,
        })
    }

    /// A definition the site knows. A definition the configuration does not list has never
    /// been used on the site (Moodle records every definition it makes a cache of), so it
    /// holds nothing.
    pub fn definition(&self, id: &str) -> Option<&Definition> {
        self.definitions.get(id)
    }

    /// `config::get_stores_for_definition()`: the stores that serve `definition`, the first
    /// being the one Moodle reads first. The definition's explicit mappings win; without any,
    /// the default mappings of its mode (unless it is for mappings only).
    pub fn stores_for(&self, definition: &Definition) -> Vec<&StoreInstance> {
        let available = |store: &StoreInstance| {
            store.modes & definition.mode != 0
                && store.features & definition.requirements == definition.requirements
        };
        let mut chosen: Vec<&StoreInstance> = Vec::new();
        for mapping in &self.definition_mappings {
            if mapping.target != definition.id {
                continue;
            }
            let Some(store) = self
                .stores
                .get(&mapping.store)
                .filter(|store| available(store))
            else {
                continue;
            };
            // A store mapped twice takes the place of its last mapping.
            chosen.retain(|found| found.name != store.name);
            chosen.push(store);
        }
        if chosen.is_empty() && !definition.mappings_only {
            let mode = definition.mode.to_string();
            for mapping in &self.mode_mappings {
                if mapping.target != mode {
                    continue;
                }
                if let Some(store) = self
                    .stores
                    .get(&mapping.store)
                    .filter(|store| available(store) && !store.mappings_only)
                    && !chosen.iter().any(|found| found.name == store.name)
                {
                    chosen.push(store);
                }
            }
        }
        chosen
    }
}

/// A `definitions` entry, as `core_cache\config::load` and `definition::load` read it.
fn definition(id: &str, entry: &PhpValue) -> Option<Definition> {
    let mode = entry.get("mode")?.as_int();
    let component = entry.get("component")?.as_string()?;
    let area = entry.get("area")?.as_string()?;
    if !(1..=4).contains(&mode) {
        return None;
    }
    let flag = |name: &str| entry.get(name).is_some_and(PhpValue::truthy);
    let mut requirements = 0;
    if flag("requiredataguarantee") {
        requirements += SUPPORTS_DATA_GUARANTEE;
    }
    if flag("requiremultipleidentifiers") {
        requirements += SUPPORTS_MULTIPLE_IDENTIFIERS;
    }
    // Session caches require searchable stores unless they say otherwise.
    let searchable = match entry.get("requiresearchable") {
        Some(value) => value.truthy(),
        None => mode == 2,
    };
    if searchable {
        requirements += IS_SEARCHABLE;
    }
    // Only application caches may change their sharing; the others keep the default, which
    // `config::load` also gives an application cache that records none.
    let (sharing, sharing_key) = if mode == super::key::MODE_APPLICATION {
        let sharing = entry
            .get("selectedsharingoption")
            .map_or(super::key::SHARING_SITEID, PhpValue::as_int);
        let key = entry
            .get("userinputsharingkey")
            .and_then(PhpValue::as_string)
            .unwrap_or_default();
        (sharing, key)
    } else {
        (2, String::new())
    };
    Some(Definition {
        id: id.to_owned(),
        mode,
        component,
        area,
        simple_keys: flag("simplekeys"),
        ttl: entry.get("ttl").map_or(0, PhpValue::as_int),
        sharing,
        sharing_key,
        requirements,
        mappings_only: flag("mappingsonly"),
    })
}

fn file_settings(settings: &PhpValue) -> FileSettings {
    let flag = |name: &str| settings.get(name).is_some_and(PhpValue::truthy);
    FileSettings {
        path: settings
            .get("path")
            .and_then(PhpValue::as_string)
            .filter(|path| !path.is_empty()),
        single_directory: flag("singledirectory"),
        prescan: flag("prescan"),
        async_purge: flag("asyncpurge"),
    }
}

fn redis_settings(settings: &PhpValue) -> RedisSettings {
    let text = |name: &str| {
        settings
            .get(name)
            .filter(|value| value.truthy())
            .and_then(PhpValue::as_string)
            .unwrap_or_default()
    };
    RedisSettings {
        servers: text("server")
            .lines()
            .map(str::trim)
            .filter(|server| !server.is_empty())
            .map(str::to_owned)
            .collect(),
        prefix: text("prefix"),
        password: text("password"),
        serializer: settings.get("serializer").map_or(1, PhpValue::as_int),
        compressor: settings.get("compressor").map_or(0, PhpValue::as_int),
        cluster: settings.get("clustermode").is_some_and(PhpValue::truthy),
        encryption: settings.get("encryption").is_some_and(PhpValue::truthy),
    }
}

#[cfg(test)]
mod tests;
