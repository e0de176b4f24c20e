//! Reading a kept file back by the path it was kept under (the path the ledger records),
//! whether it is still in its folder or already in one of the folder's bundles.

use std::{
    fs::{self, File},
    io::{self, Read},
    path::{Path, PathBuf},
};

use zip::ZipArchive;

use super::{Month, is_bundle_name};

/// The bytes of the file kept at `path` in `folder` (a `[paths]` folder retention applies
/// to): read from `path` while it is there, else from the folder's bundle that holds it, under
/// its path relative to `folder` (a relative `path` is taken from `folder`). The bundle of the
/// month of the file's name is not guessed: every bundle of the folder is searched, newest
/// first. [`io::ErrorKind::NotFound`] when neither has it.
pub fn read_kept(folder: &Path, path: &Path) -> io::Result<Vec<u8>> {
    let (full, entry) = locate(folder, path)?;
    match fs::read(&full) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    for bundle in bundles(folder)? {
        let mut archive = ZipArchive::new(File::open(&bundle)?).map_err(io::Error::other)?;
        let Some(index) = archive.index_for_name(&entry) else {
            continue;
        };
        let mut file = archive.by_index(index).map_err(io::Error::other)?;
        let mut bytes = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} is neither in place nor in a bundle", full.display()),
    ))
}

/// Whether [`read_kept`] would find the file: in place, or in one of the folder's bundles.
pub fn exists_kept(folder: &Path, path: &Path) -> io::Result<bool> {
    let (full, entry) = locate(folder, path)?;
    if full.is_file() {
        return Ok(true);
    }
    for bundle in bundles(folder)? {
        let archive = ZipArchive::new(File::open(&bundle)?).map_err(io::Error::other)?;
        if archive.index_for_name(&entry).is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The file's full path and its entry name in a bundle.
fn locate(folder: &Path, path: &Path) -> io::Result<(PathBuf, String)> {
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        folder.join(path)
    };
    let relative = full.strip_prefix(folder).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not in {}", full.display(), folder.display()),
        )
    })?;
    let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
    let entry = parts
        .filter(|parts| !parts.is_empty() && !parts.contains(&".."))
        .map(|parts| parts.join("/"))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} cannot name a kept file", full.display()),
            )
        })?;
    Ok((full, entry))
}

/// The folder's bundles, newest month first.
fn bundles(folder: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found: Vec<(Month, PathBuf)> = Vec::new();
    let entries = match fs::read_dir(folder) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other?,
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str().filter(|name| is_bundle_name(name)) else {
            continue;
        };
        if let Some(month) = Month::from_bundle_name(name) {
            found.push((month, entry.path()));
        }
    }
    found.sort_by_key(|(month, _)| std::cmp::Reverse(*month));
    Ok(found.into_iter().map(|(_, path)| path).collect())
}
