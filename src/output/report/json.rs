//! The report as JSON, for scripts: the serde form of the [`Report`] document, so that it
//! holds what the text says.

use std::io::{self, Write};

use super::Report;

impl Report<'_> {
    /// Writes the JSON twin, compact: it is for scripts, and a 100,000-line file's report
    /// would be twice as large indented.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        out.write_all(b"\n")
    }
}
