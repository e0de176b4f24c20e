//! A run's files served for download: its input (in the archive, failed, held or discarded
//! folder), its tryback, its text and JSON reports. Only paths the ledger recorded are served,
//! and only inside the service's own folders: a path that leaves them, through `..` or a
//! link, is refused. A file the retention rolled into a monthly bundle is read from it.

use std::{
    fs, io,
    path::{Component, Path, PathBuf},
    sync::Arc,
};

use axum::{
    Extension,
    extract::{Path as UrlPath, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{Console, auth::Caller, page};
use crate::config::Config;

/// Which of a run's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    /// The input as kept.
    Input,
    /// The tryback.
    Tryback,
    /// The text report.
    Report,
    /// The JSON report.
    Json,
}

impl Which {
    fn from_name(name: &str) -> Option<Which> {
        match name {
            "input" => Some(Which::Input),
            "tryback" => Some(Which::Tryback),
            "report" => Some(Which::Report),
            "json" => Some(Which::Json),
            _ => None,
        }
    }

    /// Its name in URLs.
    pub(super) fn name(self) -> &'static str {
        match self {
            Which::Input => "input",
            Which::Tryback => "tryback",
            Which::Report => "report",
            Which::Json => "json",
        }
    }
}

/// The folders whose files the console serves.
fn folders(config: &Config) -> [&Path; 5] {
    let paths = &config.paths;
    [
        &paths.archive,
        &paths.reports,
        &paths.failed,
        &paths.held,
        &paths.discarded,
    ]
}

/// The bytes of a file the ledger recorded, if it lies in one of the service's folders: from
/// the folder itself, or from the monthly bundle the retention rolled it into.
pub(super) fn read_kept(config: &Config, recorded: &str) -> io::Result<Vec<u8>> {
    let path = Path::new(recorded);
    let refused = || {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{recorded} is not in one of moodle-sync's folders"),
        )
    };
    if path
        .components()
        .any(|component| matches!(component, Component::ParentDir))
    {
        return Err(refused());
    }
    let name = path.file_name().ok_or_else(refused)?;
    let parent = path.parent().ok_or_else(refused)?;
    for folder in folders(config) {
        let (Ok(folder), Ok(dir)) = (fs::canonicalize(folder), fs::canonicalize(parent)) else {
            continue;
        };
        if !dir.starts_with(&folder) {
            continue;
        }
        let file = dir.join(name);
        return match fs::canonicalize(&file) {
            Ok(real) if real.starts_with(&folder) && real.is_file() => fs::read(real),
            Ok(_) => Err(refused()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                crate::retention::read_kept(&folder, &file)
            }
            Err(error) => Err(error),
        };
    }
    Err(refused())
}

/// `GET /runs/{id}/files/{which}`: a run's file, as an attachment.
pub(super) async fn download(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    UrlPath((id, which)): UrlPath<(i64, String)>,
) -> Response {
    let lang = caller.lang;
    let Some(which) = Which::from_name(&which) else {
        return page::error(
            &caller,
            StatusCode::NOT_FOUND,
            lang.pick("No such file of a run.", "Ce fichier n'existe pas."),
        );
    };
    let detail = match console.db.run_detail(id).await {
        Ok(Some(detail)) => detail,
        Ok(None) => {
            return page::error(
                &caller,
                StatusCode::NOT_FOUND,
                &format!("{} #{id}", lang.pick("No run", "Aucune exécution")),
            );
        }
        Err(error) => {
            return page::error(&caller, StatusCode::SERVICE_UNAVAILABLE, &error.to_string());
        }
    };
    let recorded = match which {
        Which::Input => detail.run.kept.clone(),
        Which::Tryback => detail.run.tryback.clone(),
        Which::Report => Some(detail.run.report.clone()).filter(|path| !path.is_empty()),
        Which::Json => detail.report_json.clone(),
    };
    let Some(recorded) = recorded else {
        return page::error(
            &caller,
            StatusCode::NOT_FOUND,
            lang.pick(
                "This run has no such file.",
                "Cette exécution n'a pas ce fichier.",
            ),
        );
    };
    let config = console.config.clone();
    let read = {
        let recorded = recorded.clone();
        tokio::task::spawn_blocking(move || read_kept(&config, &recorded)).await
    };
    match read {
        Ok(Ok(bytes)) => attachment(&recorded, which, bytes),
        Ok(Err(error)) if error.kind() == io::ErrorKind::PermissionDenied => {
            page::error(&caller, StatusCode::FORBIDDEN, &error.to_string())
        }
        Ok(Err(error)) => page::error(
            &caller,
            StatusCode::NOT_FOUND,
            &format!("{recorded}: {error}"),
        ),
        Err(error) => page::error(
            &caller,
            StatusCode::INTERNAL_SERVER_ERROR,
            &error.to_string(),
        ),
    }
}

/// A file's bytes as a download named after it.
fn attachment(recorded: &str, which: Which, bytes: Vec<u8>) -> Response {
    let name: String = PathBuf::from(recorded)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| which.name().to_owned())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let content_type = match which {
        Which::Input | Which::Tryback => "text/csv",
        Which::Report => "text/plain; charset=utf-8",
        Which::Json => "application/json",
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
