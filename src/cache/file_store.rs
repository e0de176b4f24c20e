//! Moodle's file cache store (`cachestore_file`, the default): one file per key,
//! `<store folder>/<definition id>/<first three characters of the key>-cache/<key>.cache`,
//! the store folder being `<dataroot>/cache/cachestore_file/<instance>` unless the instance
//! names a `path`. Where a file is ([`key_path`]) is pure; deleting and writing are the IO.

use std::{
    fs, io,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

use chrono::{DateTime, Utc};

use super::{key::Definition, muc::FileSettings};

/// A file store instance, for one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStore {
    /// The store's folder (`filestorepath`).
    pub root: PathBuf,
    /// Keys directly in the definition's folder.
    pub single_directory: bool,
    /// Keys in a revision folder of the definition's folder.
    pub async_purge: bool,
}

impl FileStore {
    /// The instance `name` with `settings`, on a site whose `$CFG->cachedir` is `cachedir`
    /// (`<dataroot>/cache` unless `config.php` says otherwise).
    pub fn new(name: &str, settings: &FileSettings, cachedir: &Path) -> FileStore {
        let root = match &settings.path {
            Some(path) => PathBuf::from(path),
            None => cachedir.join("cachestore_file").join(
                name.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                    .collect::<String>(),
            ),
        };
        FileStore {
            root,
            single_directory: settings.single_directory,
            async_purge: settings.async_purge,
        }
    }

    /// The definition's folder as `initialise()` makes it: the id with each run of other
    /// characters than letters and digits replaced by `_`, then, with `asyncpurge`, the
    /// revision named after the time of `.lastpurged` (`YmdHis`, UTC). `None` when
    /// `asyncpurge` has no revision yet: nothing is stored.
    pub fn definition_dir(&self, definition: &Definition) -> io::Result<Option<PathBuf>> {
        let dir = self.root.join(folder_name(&definition.id));
        if !self.async_purge {
            return Ok(Some(dir));
        }
        match fs::metadata(dir.join(".lastpurged")) {
            Ok(metadata) => {
                let time: DateTime<Utc> = metadata.modified()?.into();
                Ok(Some(dir.join(time.format("%Y%m%d%H%M%S").to_string())))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Deletes the files of `keys`; returns how many there were.
    pub fn delete(&self, definition: &Definition, keys: &[String]) -> io::Result<usize> {
        let Some(dir) = self.definition_dir(definition)? else {
            return Ok(0);
        };
        let mut deleted = 0;
        for key in keys {
            match fs::remove_file(key_path(&dir, key, self.single_directory)) {
                Ok(()) => deleted += 1,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
        Ok(deleted)
    }

    /// Deletes every key file of the definition, as `purge()` does; returns how many there
    /// were.
    pub fn purge(&self, definition: &Definition) -> io::Result<usize> {
        let Some(dir) = self.definition_dir(definition)? else {
            return Ok(0);
        };
        let mut folders = vec![dir.clone()];
        if !self.single_directory {
            folders = match fs::read_dir(&dir) {
                Ok(entries) => entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
                    .map(|entry| entry.path())
                    .collect(),
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
                Err(error) => return Err(error),
            };
        }
        let mut deleted = 0;
        for folder in folders {
            let entries = match fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error),
            };
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                if path
                    .extension()
                    .is_some_and(|extension| extension == "cache")
                    && entry.file_type().is_ok_and(|kind| kind.is_file())
                {
                    match fs::remove_file(&path) {
                        Ok(()) => deleted += 1,
                        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                        Err(error) => return Err(error),
                    }
                }
            }
        }
        Ok(deleted)
    }

    /// Stores `bytes` under `key` as `set()` does: written to a temporary file beside, then
    /// renamed over the key's file. Folders made here take the mode of the folder they are
    /// made in, and the file that mode without execute bits, so that Moodle's web server can
    /// replace and delete them as it does its own. Returns whether the key was there before.
    pub fn set(&self, definition: &Definition, key: &str, bytes: &[u8]) -> io::Result<bool> {
        let dir = match self.definition_dir(definition)? {
            Some(dir) => dir,
            // No revision yet: Moodle makes one when it next opens the definition, empty.
            None => return Ok(false),
        };
        let path = key_path(&dir, key, self.single_directory);
        let parent = path.parent().expect("a key file is in a folder");
        make_dirs(parent)?;
        let existed = path.exists();
        let mode = fs::metadata(parent)?.permissions().mode() & 0o666;
        let temp = parent.join(format!(
            ".{key}.{}.{}.temp",
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = (|| {
            fs::write(&temp, bytes)?;
            fs::set_permissions(&temp, fs::Permissions::from_mode(mode))?;
            fs::rename(&temp, &path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written.map(|()| existed)
    }
}

/// Creates `dir` and the folders above it that are missing, each with the mode of the
/// folder it is made in.
fn make_dirs(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no folder {}", dir.display()),
        )
    })?;
    make_dirs(parent)?;
    let mode = fs::metadata(parent)?.permissions().mode() & 0o7777;
    match fs::create_dir(dir) {
        Ok(()) => fs::set_permissions(dir, fs::Permissions::from_mode(mode)),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// A definition's folder name: its id with each run of characters other than ASCII letters
/// and digits replaced by `_` (`core/user_group_groupings` → `core_user_group_groupings`).
pub fn folder_name(id: &str) -> String {
    let mut name = String::with_capacity(id.len());
    let mut in_run = false;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
            in_run = false;
        } else if !in_run {
            name.push('_');
            in_run = true;
        }
    }
    name
}

/// `file_path_for_key()`: the file of `key` in the definition's folder `dir`.
pub fn key_path(dir: &Path, key: &str, single_directory: bool) -> PathBuf {
    if single_directory {
        return dir.join(format!("{key}.cache"));
    }
    // PHP's substr counts bytes; keys are ASCII.
    let sub: String = key.chars().take(3).collect();
    dir.join(format!("{sub}-cache"))
        .join(format!("{key}.cache"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::key::{Definition, Site};

    #[test]
    fn finds_the_file_the_real_site_wrote() {
        // Read off the real site: course 3's groups.
        let site = Site::from_config("SG3WRSCfKMxQRvMtkiGCdC9dcSLD3AFC127.0.0.1", "2025100600.02");
        let definition = Definition::core("groupdata", 0);
        let store = FileStore::new(
            "default_application",
            &FileSettings {
                path: None,
                single_directory: false,
                prescan: false,
                async_purge: false,
            },
            Path::new("/var/moodledata/cache"),
        );
        let dir = store.definition_dir(&definition).unwrap().unwrap();
        let key = definition.store_key("3", &site).unwrap();
        assert_eq!(
            key_path(&dir, &key, false),
            Path::new(
                "/var/moodledata/cache/cachestore_file/default_application/core_groupdata/3-9-cache/3-9f1d5e69e835f0d37ea93f2e3840d903.cache"
            )
        );
        assert_eq!(
            key_path(&dir, "12-abc", true),
            Path::new(
                "/var/moodledata/cache/cachestore_file/default_application/core_groupdata/12-abc.cache"
            )
        );
    }

    #[test]
    fn names_folders_as_moodle_does() {
        assert_eq!(
            folder_name("core/user_group_groupings"),
            "core_user_group_groupings"
        );
        assert_eq!(folder_name("mod_x/a--b"), "mod_x_a_b");
        let custom = FileStore::new(
            "my store!",
            &FileSettings {
                path: Some("/srv/muc".into()),
                single_directory: false,
                prescan: true,
                async_purge: false,
            },
            Path::new("/var/moodledata/cache"),
        );
        assert_eq!(custom.root, Path::new("/srv/muc"));
        let named = FileStore::new(
            "my store!",
            &FileSettings {
                path: None,
                single_directory: false,
                prescan: false,
                async_purge: false,
            },
            Path::new("/d/cache"),
        );
        assert_eq!(named.root, Path::new("/d/cache/cachestore_file/mystore"));
    }

    #[test]
    fn deletes_purges_and_writes_keys() {
        let dir = tempfile::tempdir().unwrap();
        let settings = FileSettings {
            path: Some(dir.path().display().to_string()),
            single_directory: false,
            prescan: false,
            async_purge: false,
        };
        let store = FileStore::new("x", &settings, dir.path());
        let definition = Definition::core("groupdata", 0);
        let folder = store.definition_dir(&definition).unwrap().unwrap();
        for key in ["3-abc", "4-abc", "31-abc"] {
            let path = key_path(&folder, key, false);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, b"a:0:{}").unwrap();
        }
        assert_eq!(
            store
                .delete(&definition, &["3-abc".into(), "5-abc".into()])
                .unwrap(),
            1
        );
        assert!(!key_path(&folder, "3-abc", false).exists());
        assert!(key_path(&folder, "31-abc", false).exists());
        assert!(!store.set(&definition, "7-abc", b"i:0;").unwrap());
        assert!(store.set(&definition, "7-abc", b"i:2;").unwrap());
        assert_eq!(
            fs::read(key_path(&folder, "7-abc", false)).unwrap(),
            b"i:2;"
        );
        assert_eq!(store.purge(&definition).unwrap(), 3);
        assert!(!key_path(&folder, "4-abc", false).exists());
        // Only the keys' files go: nothing else in the folder is left behind or touched.
        let left: Vec<_> = walk(&folder);
        assert!(left.iter().all(|path| path.is_dir()), "{left:?}");
    }

    #[test]
    fn async_purge_reads_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        let settings = FileSettings {
            path: Some(dir.path().display().to_string()),
            single_directory: false,
            prescan: false,
            async_purge: true,
        };
        let store = FileStore::new("x", &settings, dir.path());
        let definition = Definition::core("groupdata", 0);
        assert_eq!(store.definition_dir(&definition).unwrap(), None);
        assert_eq!(store.delete(&definition, &["3-abc".into()]).unwrap(), 0);
        let base = dir.path().join("core_groupdata");
        fs::create_dir_all(&base).unwrap();
        let marker = fs::File::create(base.join(".lastpurged")).unwrap();
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
        marker.set_modified(time).unwrap();
        assert_eq!(
            store.definition_dir(&definition).unwrap(),
            Some(base.join("20260921141320"))
        );
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            out.push(entry.path());
            if entry.path().is_dir() {
                out.extend(walk(&entry.path()));
            }
        }
        out
    }
}
