//! The step after the commit: reads the site's cache configuration, turns the file's changes
//! into the keys Moodle's own functions would drop ([`super::plan`]) and drops (or rebuilds)
//! them in every store that serves each definition. Nothing here fails the file: the commit
//! happened; what could not be done is said in the outcome, for the report and the log.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

use tracing::{info, warn};

use super::{
    file_store::FileStore,
    key::{Definition, Site},
    muc::{MucConfig, StoreInstance, StoreKind},
    outcome::{CacheAction, CacheEntry, CacheOutcome, CacheResult},
    php,
    plan::{Need, Subject, Task, plan},
    redis_store::RedisStore,
};
use crate::db::{CacheChanges, Db};

/// Where the site's cache configuration is in its data root.
pub fn config_path(dataroot: &Path) -> PathBuf {
    dataroot.join("muc").join("config.php")
}

/// Refreshes, in the site whose data root is `dataroot`, what `changes` made stale.
pub async fn refresh(dataroot: &Path, db: &Db, changes: &CacheChanges) -> CacheOutcome {
    let mut outcome = CacheOutcome {
        dataroot: dataroot.display().to_string(),
        ..CacheOutcome::default()
    };
    let started = std::time::Instant::now();
    let muc = match read_config(&config_path(dataroot)) {
        Ok(muc) => muc,
        Err(problem) => {
            warn!("Moodle's caches not refreshed: {problem}");
            outcome.problem = Some(problem);
            return outcome;
        }
    };
    let hidden = muc.definition("core/coursehiddengroups").is_some();
    let facts = match db.cache_facts(changes, hidden).await {
        Ok(facts) => facts,
        Err(error) => {
            let problem = error.to_string();
            warn!("Moodle's caches not refreshed: {problem}");
            outcome.problem = Some(problem);
            return outcome;
        }
    };
    let site = match (&muc.site_identifier, &facts.siteidentifier) {
        (Some(identifier), _) => Site {
            identifier: identifier.clone(),
            version: facts.version.clone(),
        },
        (None, Some(siteidentifier)) => Site::from_config(siteidentifier, &facts.version),
        (None, None) => {
            let problem = "the site identifier is unknown: neither muc/config.php nor the config table holds siteidentifier".to_owned();
            warn!("Moodle's caches not refreshed: {problem}");
            outcome.problem = Some(problem);
            return outcome;
        }
    };
    let cachedir = dataroot.join("cache");
    let mut connections: HashMap<String, Result<RedisStore, String>> = HashMap::new();
    for task in plan(changes, &facts) {
        let id = format!("core/{}", task.area);
        // A definition the configuration does not list was never used on the site: it holds
        // nothing. An older site has no `coursehiddengroups` either.
        let Some(definition) = muc.definition(&id) else {
            continue;
        };
        for store in muc.stores_for(definition) {
            let entry = apply(&task, definition, store, &site, &cachedir, &mut connections).await;
            match entry.result {
                CacheResult::Done => {}
                CacheResult::Failed => warn!(
                    definition = %entry.definition,
                    store = %entry.store,
                    "Moodle's cache not refreshed: {}",
                    entry.detail.as_deref().unwrap_or_default()
                ),
                CacheResult::Unsupported => warn!(
                    definition = %entry.definition,
                    store = %entry.store,
                    plugin = %entry.plugin,
                    "Moodle's cache not refreshed: moodle-sync cannot reach this store; purge Moodle's caches"
                ),
            }
            outcome.entries.push(entry);
        }
    }
    info!(
        entries = outcome.entries.len(),
        incomplete = outcome.incomplete(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "Moodle's caches refreshed"
    );
    outcome
}

/// Reads and parses `muc/config.php`.
pub fn read_config(path: &Path) -> Result<MucConfig, String> {
    let text = fs::read(path).map_err(|error| {
        format!(
            "cannot read Moodle's cache configuration {}: {error}",
            path.display()
        )
    })?;
    let text = String::from_utf8_lossy(&text);
    let value = php::parse_assignment(&text, "configuration").map_err(|error| {
        format!(
            "cannot read Moodle's cache configuration {}: {error}",
            path.display()
        )
    })?;
    MucConfig::from_php(&value).map_err(|error| {
        format!(
            "cannot read Moodle's cache configuration {}: {error}",
            path.display()
        )
    })
}

/// Does one task in one store.
async fn apply(
    task: &Task,
    definition: &Definition,
    store: &StoreInstance,
    site: &Site,
    cachedir: &Path,
    connections: &mut HashMap<String, Result<RedisStore, String>>,
) -> CacheEntry {
    let (action, ids): (CacheAction, Vec<i64>) = match &task.need {
        Need::Drop(ids) => (CacheAction::Drop, ids.iter().copied().collect()),
        Need::Purge => (CacheAction::Purge, Vec::new()),
        Need::Rebuild(values) => (
            CacheAction::Rebuild,
            values.iter().map(|(id, _)| *id).collect(),
        ),
    };
    let mut entry = CacheEntry {
        definition: definition.id.clone(),
        store: store.name.clone(),
        plugin: store.plugin.clone(),
        action,
        subject: task.subject,
        count: ids.len(),
        courses: if task.subject == Subject::Course {
            ids.clone()
        } else {
            Vec::new()
        },
        cached: 0,
        result: CacheResult::Done,
        detail: None,
    };
    let keys: Option<Vec<String>> = ids
        .iter()
        .map(|id| definition.store_key(&id.to_string(), site))
        .collect();
    let Some(keys) = keys else {
        entry.result = CacheResult::Failed;
        entry.detail =
            Some("the definition hashes its keys, which moodle-sync does not compute".into());
        return entry;
    };
    let values: Vec<i64> = match &task.need {
        Need::Rebuild(values) => values.iter().map(|(_, value)| *value).collect(),
        _ => Vec::new(),
    };
    let done: Result<usize, String> = match &store.kind {
        StoreKind::Other => {
            entry.result = CacheResult::Unsupported;
            entry.detail = Some(format!("moodle-sync cannot reach a {} store", store.plugin));
            return entry;
        }
        StoreKind::File(settings) => {
            let files = FileStore::new(&store.name, settings, cachedir);
            match &task.need {
                Need::Drop(_) => files.delete(definition, &keys),
                Need::Purge => files.purge(definition),
                Need::Rebuild(_) => keys.iter().zip(&values).try_fold(0, |found, (key, value)| {
                    files
                        .set(definition, key, php::serialize_int(*value).as_bytes())
                        .map(|existed| found + usize::from(existed))
                }),
            }
            .map_err(|error| format!("{}: {error}", files.root.display()))
        }
        StoreKind::Redis(settings) => {
            if !connections.contains_key(&store.name) {
                let connection = RedisStore::connect(settings).await;
                connections.insert(store.name.clone(), connection);
            }
            match connections.get_mut(&store.name).expect("inserted above") {
                Err(problem) => Err(problem.clone()),
                Ok(redis) => match &task.need {
                    Need::Drop(_) => redis.delete(definition, &keys).await,
                    Need::Purge => redis.purge(definition).await,
                    Need::Rebuild(_) => match redis.integer_bytes(0) {
                        Some(_) => {
                            let now = chrono::Utc::now().timestamp();
                            let mut found = 0;
                            let mut result = Ok(());
                            for (key, value) in keys.iter().zip(&values) {
                                let bytes = redis.integer_bytes(*value).expect("checked above");
                                match redis.set(definition, key, &bytes, now).await {
                                    Ok(existed) => found += usize::from(existed),
                                    Err(error) => {
                                        result = Err(error);
                                        break;
                                    }
                                }
                            }
                            result.map(|()| found)
                        }
                        None => {
                            // Values this store serializes with igbinary or compresses are
                            // not written here: the key is dropped, and Moodle counts again
                            // at its next read.
                            entry.action = CacheAction::Drop;
                            entry.detail = Some(
                                "dropped rather than rebuilt: the store serializes with igbinary or compresses its values".into(),
                            );
                            redis.delete(definition, &keys).await
                        }
                    },
                },
            }
        }
    };
    match done {
        Ok(cached) => entry.cached = cached,
        Err(problem) => {
            entry.result = CacheResult::Failed;
            entry.detail = Some(problem);
        }
    }
    entry
}
