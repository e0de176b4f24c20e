//! From bytes to positioned records: decoding, record splitting and header mapping. Everything
//! here is pure: it takes bytes and settings and returns values or a [`crate::error::FileError`].

mod decode;
mod header;
mod record;

pub use decode::{
    BOM, DelimiterSetting, EncodingSetting, LineEnding, ReadSettings, Record, SourceFormat, Table,
    delimiter_label, read_table,
};
pub use header::{ColumnMap, ColumnSpec};
