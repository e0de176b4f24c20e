//! A folder on disk: its listing, and a month's bundle written (the old entries and the new
//! files, through `output::atomic::replace_with`) and read back to check it.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs::{self, File},
    io::{self, Read, Write},
    path::Path,
};

use chrono::{DateTime, Datelike, Timelike, Utc};
use sha2::{Digest, Sha256};
use zip::{CompressionMethod, ZipArchive, ZipWriter, write::SimpleFileOptions};

use super::{Listed, Listing, Month, is_bundle_name};
use crate::output::atomic;

/// Lists a folder for a prune: its regular files, not hidden, not bundles, in it and its
/// sub-folders (hidden sub-folders skipped, links never followed), and the months of the
/// bundles in the folder itself. A folder that does not exist is empty. Names that are not
/// UTF-8 are left out (they cannot name an entry faithfully).
pub fn list(dir: &Path) -> io::Result<Listing> {
    let mut listing = Listing::default();
    if let Err(error) = fs::metadata(dir) {
        if error.kind() == io::ErrorKind::NotFound {
            return Ok(listing);
        }
        return Err(error);
    }
    walk(dir, "", &mut listing)?;
    listing.files.sort_by(|a, b| a.name.cmp(&b.name));
    listing.bundles.sort();
    Ok(listing)
}

fn walk(dir: &Path, prefix: &str, listing: &mut Listing) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        let relative = format!("{prefix}{name}");
        if kind.is_dir() {
            walk(&entry.path(), &format!("{relative}/"), listing)?;
        } else if kind.is_file() && is_bundle_name(&name) {
            if let (true, Some(month)) = (prefix.is_empty(), Month::from_bundle_name(&name)) {
                listing.bundles.push(month);
            }
        } else if kind.is_file() {
            let metadata = entry.metadata()?;
            listing.files.push(Listed {
                name: relative,
                modified: DateTime::<Utc>::from(metadata.modified()?),
                size: metadata.len(),
            });
        }
    }
    Ok(())
}

/// What a bundle holds of one entry: its size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Digest256 {
    pub size: u64,
    pub sha256: [u8; 32],
}

/// Copies `from` into `to` (if any), returning the size and SHA-256 of what went through.
pub(super) fn digest(from: &mut dyn Read, mut to: Option<&mut dyn Write>) -> io::Result<Digest256> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..read]);
        if let Some(out) = to.as_mut() {
            out.write_all(&buffer[..read])?;
        }
        size += read as u64;
    }
    Ok(Digest256 {
        size,
        sha256: hasher.finalize().into(),
    })
}

/// The size and SHA-256 of a file as it is now.
pub(super) fn digest_file(path: &Path) -> io::Result<Digest256> {
    digest(&mut File::open(path)?, None)
}

/// Every entry of a bundle, read to its end (the zip reader checks each entry's CRC there),
/// with its size and SHA-256.
pub(super) fn read_entries(
    path: &Path,
) -> Result<BTreeMap<String, Digest256>, zip::result::ZipError> {
    let mut archive = ZipArchive::new(File::open(path)?)?;
    let mut entries = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let name = entry.name()?.into_owned();
        let digest = digest(&mut entry, None)?;
        entries.insert(name, digest);
    }
    Ok(entries)
}

/// A new file going into a bundle: where it is, under which entry name.
pub(super) struct NewEntry<'a> {
    pub file: &'a Listed,
    pub entry: String,
}

/// Writes the bundle at `path` whole and puts it in place atomically: the entries of the
/// bundle there before (if any, copied as they are), then each new file. Returns what was
/// written of each new file, by entry name.
pub(super) fn write(
    path: &Path,
    dir: &Path,
    had_bundle: bool,
    new: &[NewEntry<'_>],
) -> io::Result<BTreeMap<String, Digest256>> {
    let mut written = BTreeMap::new();
    atomic::replace_with(path, |out| {
        let mut zip = ZipWriter::new_stream(out);
        if had_bundle {
            let mut old = ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
            for index in 0..old.len() {
                let entry = old.by_index_raw(index).map_err(io::Error::other)?;
                zip.raw_copy_file(entry).map_err(io::Error::other)?;
            }
        }
        for item in new {
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .large_file(item.file.size >= u64::from(u32::MAX))
                .last_modified_time(zip_time(item.file.modified));
            zip.start_file(item.entry.as_str(), options)
                .map_err(io::Error::other)?;
            let mut source = File::open(dir.join(&item.file.name))?;
            let digest = digest(&mut source, Some(&mut zip))?;
            written.insert(item.entry.clone(), digest);
        }
        zip.finish().map_err(io::Error::other)?;
        Ok(())
    })?;
    Ok(written)
}

/// A modification time as a zip entry stores it (local fields, here UTC; 1980 at the
/// earliest).
fn zip_time(time: DateTime<Utc>) -> zip::DateTime {
    let part = |value: u32| u8::try_from(value).unwrap_or(0);
    u16::try_from(time.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                part(time.month()),
                part(time.day()),
                part(time.hour()),
                part(time.minute()),
                part(time.second()),
            )
            .ok()
        })
        .unwrap_or_default()
}

/// The entry name for a file named `name` in a bundle that already holds `taken`: the name
/// itself when free, else `stem~N.ext` with the first free `N` from 2.
pub(super) fn free_entry(name: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(name) {
        return name.to_owned();
    }
    let (folder, last) = match name.rsplit_once('/') {
        Some((folder, last)) => (format!("{folder}/"), last),
        None => (String::new(), name),
    };
    let (stem, extension) = match last.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (last, String::new()),
    };
    (2u32..)
        .map(|n| format!("{folder}{stem}~{n}{extension}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| name.to_owned())
}
