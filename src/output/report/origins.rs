//! Where the lines of a tryback dropped again were in the file they first came from, read
//! back from the JSON report of the run that wrote the tryback. Pure.

use std::collections::HashMap;

use crate::command::FileKind;

/// Where a tryback's lines were in the file they first came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// That file's name.
    pub file: String,
    /// Line in this file → line in that one.
    pub lines: HashMap<usize, usize>,
}

/// Where the lines of a tryback dropped again were in the file they first came from, read
/// from the JSON report of the run that wrote the tryback (`parent_report`). The tryback's
/// records are that run's failed lines, in order; `lines` are this file's data lines (line,
/// key values). Matched by position when the counts agree (values may have been fixed), else
/// by key values (lines were added or removed), else not at all. `None` when the report cannot
/// be read.
pub fn origins(
    parent_report: &[u8],
    kind: FileKind,
    lines: &[(usize, Vec<String>)],
) -> Option<Origins> {
    #[derive(serde::Deserialize)]
    struct Parent {
        input: ParentInput,
        original_file: Option<String>,
        lines: Vec<serde_json::Map<String, serde_json::Value>>,
    }
    #[derive(serde::Deserialize)]
    struct ParentInput {
        name: String,
    }
    let parent: Parent = serde_json::from_slice(parent_report).ok()?;
    let key_columns = kind.key_columns();
    let failed: Vec<(usize, Vec<String>)> = parent
        .lines
        .iter()
        .filter(|line| line.get("status").and_then(|status| status.as_str()) == Some("failed"))
        .filter_map(|line| {
            let number = line
                .get("original_line")
                .or_else(|| line.get("line"))?
                .as_u64()?;
            let keys = key_columns
                .iter()
                .map(|column| {
                    line.get(*column)
                        .and_then(|value| value.as_str())
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            Some((usize::try_from(number).ok()?, keys))
        })
        .collect();
    let mut map = HashMap::new();
    if failed.len() == lines.len() {
        for ((line, _), (original, _)) in lines.iter().zip(&failed) {
            map.insert(*line, *original);
        }
    } else {
        let mut used = vec![false; failed.len()];
        for (line, keys) in lines {
            if let Some(found) = (0..failed.len()).find(|&at| !used[at] && failed[at].1 == *keys) {
                used[found] = true;
                map.insert(*line, failed[found].0);
            }
        }
    }
    Some(Origins {
        file: parent.original_file.unwrap_or(parent.input.name),
        lines: map,
    })
}
