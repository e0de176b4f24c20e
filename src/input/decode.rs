//! Reads a command file's bytes into a [`Table`]: strips a UTF-8 BOM, settles the encoding
//! (configured, or detected: valid UTF-8 is UTF-8, anything else the configured legacy
//! encoding), settles the delimiter (configured, or detected from the header), then splits the
//! records and decodes their values to trimmed UTF-8 strings. No IO.

use std::ops::Range;

use encoding_rs::{Encoding, UTF_8};
use serde::Serialize;

use super::record::{self, RawRecord};
use crate::error::FileError;

/// How to decode the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSetting {
    /// UTF-8 only; other bytes reject the file.
    Utf8,
    /// Always this single-byte encoding (ISO-8859-1 is read as its superset Windows-1252).
    Legacy(&'static Encoding),
    /// UTF-8 when the whole file is valid UTF-8, otherwise the given legacy encoding.
    Auto(&'static Encoding),
}

/// Which byte separates values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelimiterSetting {
    /// Always this byte.
    Fixed(u8),
    /// The one of `;`, `,` and tab that the header contains.
    Auto,
}

/// What the reader needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSettings {
    /// Text encoding.
    pub encoding: EncodingSetting,
    /// Value separator.
    pub delimiter: DelimiterSetting,
}

/// How a file was written, as far as reading it goes. The tryback reproduces it byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceFormat {
    /// The encoding the text was decoded with.
    #[serde(serialize_with = "serialize_encoding")]
    pub encoding: &'static Encoding,
    /// Whether the encoding was detected (`auto`) rather than configured.
    pub encoding_detected: bool,
    /// Whether the file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// The value separator.
    #[serde(serialize_with = "serialize_delimiter")]
    pub delimiter: u8,
    /// Whether the delimiter was detected from the header.
    pub delimiter_detected: bool,
    /// The line terminators seen.
    pub line_ending: LineEnding,
}

/// The line terminators of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// Unix `\n`.
    Lf,
    /// Windows `\r\n`.
    Crlf,
    /// Old Mac `\r`.
    Cr,
    /// More than one kind.
    Mixed,
    /// A single line without terminator.
    None,
}

impl LineEnding {
    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF",
            LineEnding::Crlf => "CRLF",
            LineEnding::Cr => "CR",
            LineEnding::Mixed => "mixed",
            LineEnding::None => "none",
        }
    }
}

/// A data record: its values, where it came from, and its exact bytes in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Physical line (from 1) on which the record starts.
    pub line: usize,
    /// The record's bytes in the file, terminator included.
    pub raw: Range<usize>,
    /// Decoded, trimmed values, in header order.
    pub values: Vec<String>,
}

/// A decoded command file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// How the file was written.
    pub format: SourceFormat,
    /// The header record; its values are the column names.
    pub header: Record,
    /// The data records, in file order. Comments and empty lines are not among them.
    pub records: Vec<Record>,
    /// Records that held no value at all (such as `;;;`), skipped.
    pub empty_records: usize,
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads `bytes` as a command file.
pub fn read_table(bytes: &[u8], settings: &ReadSettings) -> Result<Table, FileError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FileError::Utf16);
    }
    if let Some(what) = not_text(bytes) {
        return Err(FileError::NotText { what });
    }
    let bom = bytes.starts_with(BOM);
    let body_start = if bom { BOM.len() } else { 0 };
    let body = &bytes[body_start..];

    // Validating UTF-8 scans the whole file: do it at most once, and only when UTF-8 is possible.
    let utf8_error = |body: &[u8]| std::str::from_utf8(body).err();
    let (encoding, encoding_detected, invalid) = match settings.encoding {
        // A BOM says UTF-8 whatever the setting.
        _ if bom => (UTF_8, false, utf8_error(body)),
        EncodingSetting::Utf8 => (UTF_8, false, utf8_error(body)),
        EncodingSetting::Legacy(encoding) => (encoding, false, None),
        EncodingSetting::Auto(legacy) => match utf8_error(body) {
            None => (UTF_8, true, None),
            Some(_) => (legacy, true, None),
        },
    };
    if let Some(error) = invalid {
        let byte = body_start + error.valid_up_to();
        let line = 1 + record::count_line_breaks(&bytes[body_start..byte]);
        return Err(if bom {
            FileError::InvalidUtf8AfterBom { line, byte }
        } else {
            FileError::InvalidUtf8 { line, byte }
        });
    }

    let Some((header_line, header_bytes)) = record::first_content_line(body) else {
        return Err(FileError::NoHeader);
    };
    let (delimiter, delimiter_detected) = match settings.delimiter {
        DelimiterSetting::Fixed(delimiter) => (delimiter, false),
        DelimiterSetting::Auto => (detect_delimiter(header_line, header_bytes)?, true),
    };

    let raw_records = record::split(body, delimiter, body_start)
        .map_err(|error| FileError::UnterminatedQuote { line: error.line })?;
    let mut records = raw_records
        .into_iter()
        .map(|raw| decode_record(raw, encoding));
    // The header is the record on the line the delimiter was read from; the records before
    // it hold no value under any delimiter.
    let mut empty_records = 0;
    let header = loop {
        match records.next() {
            None => return Err(FileError::NoHeader),
            Some(record) if record.line < header_line => empty_records += 1,
            Some(record) => break record,
        }
    };
    let mut data = Vec::new();
    for record in records {
        if record.values.iter().all(String::is_empty) {
            empty_records += 1;
        } else {
            data.push(record);
        }
    }
    Ok(Table {
        format: SourceFormat {
            encoding,
            encoding_detected,
            bom,
            delimiter,
            delimiter_detected,
            line_ending: line_ending(body),
        },
        header,
        records: data,
        empty_records,
    })
}

/// What a file that is not text looks like, before any header is looked at: a known binary
/// signature, NUL bytes (UTF-16 without a byte order mark has one every other byte), or many
/// control characters. `None` for text, in whatever encoding.
fn not_text(bytes: &[u8]) -> Option<String> {
    const SIGNATURES: [(&[u8], &str); 5] = [
        (
            b"PK\x03\x04",
            "it is a ZIP archive, as an Excel (.xlsx) or LibreOffice (.ods) workbook is",
        ),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "it is an old Excel workbook (.xls) or another Office document",
        ),
        (b"%PDF-", "it is a PDF document"),
        (b"\x1F\x8B", "it is gzip-compressed"),
        (b"{\\rtf", "it is an RTF document"),
    ];
    if let Some((_, what)) = SIGNATURES
        .iter()
        .find(|(signature, _)| bytes.starts_with(signature))
    {
        return Some((*what).to_owned());
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let nuls = sample.iter().filter(|byte| **byte == 0).count();
    let header_end = sample
        .iter()
        .position(|byte| *byte == b'\n')
        .unwrap_or(sample.len());
    // One stray NUL in a value is that line's problem (it fails, naming the column); NUL
    // bytes in the header, or many of them, make a file that is not text.
    let binary = sample[..header_end].contains(&0) || nuls >= 8;
    if binary && let Some(first) = sample.iter().position(|byte| *byte == 0) {
        let line = 1 + record::count_line_breaks(&bytes[..first]);
        return Some(if nuls * 3 >= sample.len() {
            format!(
                "it holds NUL bytes every other byte from byte {} (line {line}): UTF-16 text without a byte order mark, or a binary file",
                first + 1
            )
        } else {
            format!(
                "it holds NUL bytes, the first at byte {} (line {line})",
                first + 1
            )
        });
    }
    let controls: Vec<usize> = sample
        .iter()
        .enumerate()
        .filter(|(_, byte)| (**byte < 0x20 && !b"\t\n\r\x0c\x1a".contains(byte)) || **byte == 0x7f)
        .map(|(at, _)| at)
        .collect();
    if controls.len() >= 8 && controls.len() * 100 >= sample.len() {
        let first = controls[0];
        let line = 1 + record::count_line_breaks(&bytes[..first]);
        return Some(format!(
            "{} of its first {} bytes are control characters, the first at byte {} (line {line})",
            controls.len(),
            sample.len(),
            first + 1
        ));
    }
    None
}

fn decode_record(raw: RawRecord, encoding: &'static Encoding) -> Record {
    let values = raw
        .fields
        .iter()
        .map(|field| {
            let (text, _) = encoding.decode_without_bom_handling(field);
            text.trim().to_owned()
        })
        .collect();
    Record {
        line: raw.line,
        raw: raw.range,
        values,
    }
}

/// Picks the delimiter from the header line: the one candidate it contains outside quotes.
fn detect_delimiter(line: usize, header: &[u8]) -> Result<u8, FileError> {
    const CANDIDATES: [(u8, &str); 3] = [(b';', "';'"), (b',', "','"), (b'\t', "tab")];
    let mut in_quotes = false;
    let mut seen = [false; 3];
    for &byte in header {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            for (index, (candidate, _)) in CANDIDATES.iter().enumerate() {
                if byte == *candidate {
                    seen[index] = true;
                }
            }
        }
    }
    let found: Vec<&str> = CANDIDATES
        .iter()
        .zip(seen)
        .filter(|(_, seen)| *seen)
        .map(|((_, name), _)| *name)
        .collect();
    match found.len() {
        // A one-column header: any delimiter reads it the same.
        0 => Ok(b';'),
        1 => Ok(CANDIDATES[seen.iter().position(|&seen| seen).unwrap_or(0)].0),
        _ => Err(FileError::AmbiguousDelimiter {
            line,
            found: found.join(" and "),
        }),
    }
}

fn line_ending(bytes: &[u8]) -> LineEnding {
    let (mut lf, mut crlf, mut cr) = (false, false, false);
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\r' if bytes.get(index + 1) == Some(&b'\n') => {
                crlf = true;
                index += 1;
            }
            b'\r' => cr = true,
            b'\n' => lf = true,
            _ => {}
        }
        index += 1;
    }
    match (lf, crlf, cr) {
        (false, false, false) => LineEnding::None,
        (true, false, false) => LineEnding::Lf,
        (false, true, false) => LineEnding::Crlf,
        (false, false, true) => LineEnding::Cr,
        _ => LineEnding::Mixed,
    }
}

/// A label for a delimiter byte.
pub fn delimiter_label(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_owned(),
        other => format!("'{}'", other as char),
    }
}

fn serialize_encoding<S: serde::Serializer>(
    encoding: &&'static Encoding,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(encoding.name())
}

fn serialize_delimiter<S: serde::Serializer>(
    delimiter: &u8,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match delimiter {
        b'\t' => serializer.serialize_str("tab"),
        other => serializer.serialize_char(char::from(*other)),
    }
}

#[cfg(test)]
mod tests;
