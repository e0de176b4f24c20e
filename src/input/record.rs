//! Splits CSV bytes into records with their exact byte range and starting line, following
//! RFC 4180: a quoted value may hold the delimiter, doubled quotes and line breaks. Lines that
//! start with `#` are comments and empty lines are skipped; nothing else makes a line a comment.
//!
//! The splitter works on raw bytes: every byte it looks at (`"`, the delimiter, CR, LF, `#`) is
//! ASCII, and neither UTF-8 nor Windows-1252 ever uses those byte values inside a multi-byte
//! character, so the same code serves every encoding we read.

use std::ops::Range;

/// One record as it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRecord {
    /// Physical line (from 1) on which the record starts.
    pub line: usize,
    /// Bytes of the record in the input, its line terminator included.
    pub range: Range<usize>,
    /// Field values with quoting undone, not yet decoded nor trimmed.
    pub fields: Vec<Vec<u8>>,
}

/// A quoted value that is never closed; the line is where its record starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnterminatedQuote {
    pub line: usize,
}

/// Splits `bytes` into records. `offset` is added to every range, so that a caller can split a
/// slice of a larger file (the file after its byte order mark).
pub(crate) fn split(
    bytes: &[u8],
    delimiter: u8,
    offset: usize,
) -> Result<Vec<RawRecord>, UnterminatedQuote> {
    let mut records = Vec::new();
    let mut position = 0;
    let mut line = 1;
    while position < bytes.len() {
        let start = position;
        let start_line = line;
        match bytes[position] {
            b'#' => {
                position = end_of_line(bytes, position);
                line += 1;
                continue;
            }
            b'\n' | b'\r' => {
                position = skip_terminator(bytes, position);
                line += 1;
                continue;
            }
            _ => {}
        }
        let mut fields = Vec::new();
        loop {
            let mut field = Vec::new();
            // Blanks before an opening quote are allowed, so that `a; "b;c"` reads as intended
            // by files written with a space after each separator.
            let mut lookahead = position;
            while lookahead < bytes.len() && is_blank(bytes[lookahead], delimiter) {
                lookahead += 1;
            }
            if lookahead < bytes.len() && bytes[lookahead] == b'"' {
                position = lookahead + 1;
                loop {
                    let Some(quote) = bytes[position..].iter().position(|&b| b == b'"') else {
                        return Err(UnterminatedQuote { line: start_line });
                    };
                    let chunk = &bytes[position..position + quote];
                    line += count_line_breaks(chunk);
                    field.extend_from_slice(chunk);
                    position += quote + 1;
                    if bytes.get(position) == Some(&b'"') {
                        field.push(b'"');
                        position += 1;
                    } else {
                        break;
                    }
                }
            }
            // Unquoted text, or whatever follows a closing quote, runs to the next delimiter or
            // line end and is kept as written.
            while position < bytes.len() {
                let byte = bytes[position];
                if byte == delimiter || byte == b'\n' || byte == b'\r' {
                    break;
                }
                field.push(byte);
                position += 1;
            }
            fields.push(field);
            if position < bytes.len() && bytes[position] == delimiter {
                position += 1;
                continue;
            }
            if position < bytes.len() {
                position = skip_terminator(bytes, position);
                line += 1;
            }
            break;
        }
        records.push(RawRecord {
            line: start_line,
            range: start + offset..position + offset,
            fields,
        });
    }
    Ok(records)
}

/// The first physical line that holds a value, under any delimiter: not a comment, and not
/// made only of blanks, delimiters and quotes. It is the line the header starts on, so that
/// the delimiter is detected on the header itself. Returns its number and its bytes without
/// terminator.
pub(crate) fn first_content_line(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut position = 0;
    let mut line = 1;
    while position < bytes.len() {
        let end = end_of_line(bytes, position);
        let content = trim_terminator(&bytes[position..end]);
        let holds_a_value = content
            .iter()
            .any(|byte| !matches!(byte, b' ' | b'\t' | b';' | b',' | b'"'));
        if holds_a_value && content[0] != b'#' {
            return Some((line, content));
        }
        position = end;
        line += 1;
    }
    None
}

fn is_blank(byte: u8, delimiter: u8) -> bool {
    (byte == b' ' || byte == b'\t') && byte != delimiter
}

/// Position just after the terminator of the line that contains `position`.
fn end_of_line(bytes: &[u8], position: usize) -> usize {
    match bytes[position..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
    {
        Some(found) => skip_terminator(bytes, position + found),
        None => bytes.len(),
    }
}

/// `position` is at CR or LF: returns the position after CRLF, LF or a lone CR.
fn skip_terminator(bytes: &[u8], position: usize) -> usize {
    if bytes[position] == b'\r' && bytes.get(position + 1) == Some(&b'\n') {
        position + 2
    } else {
        position + 1
    }
}

fn trim_terminator(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && (line[end - 1] == b'\n' || line[end - 1] == b'\r') {
        end -= 1;
    }
    &line[..end]
}

/// Counts CRLF, LF and lone CR each as one line break.
pub(crate) fn count_line_breaks(bytes: &[u8]) -> usize {
    let mut count = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n')) {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests;
