use super::*;
use crate::cache::php::parse_assignment;

/// A site's cache configuration as Moodle writes it: the three default stores.
const DEFAULT: &str = include_str!("../../../tests/data/moodledata/muc/config.php");

fn config(text: &str) -> MucConfig {
    MucConfig::from_php(&parse_assignment(text, "configuration").unwrap()).unwrap()
}

fn names(stores: Vec<&StoreInstance>) -> Vec<&str> {
    stores
        .into_iter()
        .map(|store| store.name.as_str())
        .collect()
}

#[test]
fn reads_the_default_configuration() {
    let muc = config(DEFAULT);
    assert_eq!(
        muc.site_identifier.as_deref(),
        Some("95a9f8bc38327707eed92bde931ad099")
    );
    let groupdata = muc.definition("core/groupdata").unwrap();
    assert_eq!(
        (
            groupdata.mode,
            groupdata.simple_keys,
            groupdata.sharing,
            groupdata.ttl
        ),
        (1, true, 2, 0)
    );
    assert_eq!(muc.definition("core/coursecontacts").unwrap().ttl, 3600);
    assert_eq!(muc.definition("core/nothing"), None);
    assert_eq!(names(muc.stores_for(groupdata)), ["default_application"]);
    let store = &muc.stores["default_application"];
    assert_eq!(
        store.kind,
        StoreKind::File(FileSettings {
            path: None,
            single_directory: false,
            prescan: false,
            async_purge: false
        })
    );
    // A request cache is served by the request store.
    let suspended = muc.definition("core/suspended_userids").unwrap();
    assert_eq!(names(muc.stores_for(suspended)), ["default_request"]);
}

/// A configuration with a Redis store and a memcached one, mapped to definitions.
fn mapped(mappings: &str) -> MucConfig {
    let text = format!(
        "<?php $configuration = array (\n\
         'stores' => array (\n\
           'default_application' => array ('name' => 'default_application', 'plugin' => 'file', 'configuration' => array (), 'features' => 30, 'modes' => 3, 'default' => true),\n\
           'redis1' => array ('name' => 'redis1', 'plugin' => 'redis', 'configuration' => array ('server' => \"10.0.0.5:6380\\n10.0.0.6\", 'prefix' => 'mdl_', 'password' => 's3cret', 'serializer' => '2', 'compressor' => '1', 'clustermode' => true), 'features' => 26, 'modes' => 3, 'mappingsonly' => false),\n\
           'mem' => array ('name' => 'mem', 'plugin' => 'memcached', 'configuration' => array ('servers' => array (0 => array (0 => '127.0.0.1', 1 => '11211'))), 'features' => 2, 'modes' => 3),\n\
           'local' => array ('name' => 'local', 'plugin' => 'file', 'configuration' => array ('path' => '/srv/cache', 'singledirectory' => 1, 'asyncpurge' => '1'), 'features' => 30, 'modes' => 1, 'mappingsonly' => true),\n\
           'sessiononly' => array ('name' => 'sessiononly', 'plugin' => 'redis', 'configuration' => array ('server' => 'x'), 'features' => 26, 'modes' => 2),\n\
         ),\n\
         'modemappings' => array (0 => array ('store' => 'local', 'mode' => 1, 'sort' => 5), 1 => array ('store' => 'default_application', 'mode' => 1, 'sort' => -1), 2 => array ('store' => 'gone', 'mode' => 1)),\n\
         'definitions' => array (\n\
           'core/groupdata' => array ('mode' => 1, 'simplekeys' => true, 'component' => 'core', 'area' => 'groupdata'),\n\
           'core/coursecontacts' => array ('mode' => 1, 'simplekeys' => true, 'ttl' => 3600, 'component' => 'core', 'area' => 'coursecontacts', 'selectedsharingoption' => 1),\n\
           'core/guaranteed' => array ('mode' => 1, 'requiredataguarantee' => true, 'component' => 'core', 'area' => 'guaranteed', 'mappingsonly' => true),\n\
         ),\n\
         'definitionmappings' => array ({mappings}),\n\
         );"
    );
    config(&text)
}

#[test]
fn explicit_mappings_win_over_the_mode_default() {
    let muc = mapped(
        "0 => array ('store' => 'mem', 'definition' => 'core/groupdata', 'sort' => 1), \
         1 => array ('store' => 'redis1', 'definition' => 'core/groupdata', 'sort' => 2), \
         2 => array ('store' => 'sessiononly', 'definition' => 'core/groupdata', 'sort' => 3), \
         3 => array ('store' => 'redis1', 'definition' => 'core/unknown', 'sort' => 3)",
    );
    let groupdata = muc.definition("core/groupdata").unwrap();
    // Highest sort first; a store that does not serve application caches is left out.
    assert_eq!(names(muc.stores_for(groupdata)), ["redis1", "mem"]);
    // Without mappings of its own: the mode's mappings, highest sort first, except stores for
    // mappings only and stores the configuration does not have.
    let contacts = muc.definition("core/coursecontacts").unwrap();
    assert_eq!(contacts.sharing, 1);
    assert_eq!(names(muc.stores_for(contacts)), ["default_application"]);
    // A definition for mappings only, with none, has no store; a requirement a store lacks
    // rules it out.
    let guaranteed = muc.definition("core/guaranteed").unwrap();
    assert_eq!(guaranteed.requirements, 2);
    assert!(muc.stores_for(guaranteed).is_empty());
}

#[test]
fn reads_store_settings() {
    let muc = mapped("");
    let StoreKind::Redis(redis) = &muc.stores["redis1"].kind else {
        panic!("{:?}", muc.stores["redis1"]);
    };
    assert_eq!(redis.servers, ["10.0.0.5:6380", "10.0.0.6"]);
    assert_eq!(
        (
            redis.prefix.as_str(),
            redis.password.as_str(),
            redis.serializer,
            redis.compressor
        ),
        ("mdl_", "s3cret", 2, 1)
    );
    assert!(redis.cluster && !redis.encryption);
    assert!(!format!("{redis:?}").contains("s3cret"), "{redis:?}");
    assert_eq!(
        muc.stores["local"].kind,
        StoreKind::File(FileSettings {
            path: Some("/srv/cache".into()),
            single_directory: true,
            prescan: false,
            async_purge: true
        })
    );
    assert_eq!(muc.stores["mem"].kind, StoreKind::Other);
    assert_eq!(muc.site_identifier, None);
}

#[test]
fn refuses_a_configuration_that_is_not_an_array() {
    assert!(MucConfig::from_php(&crate::cache::php::PhpValue::Int(1)).is_err());
}
