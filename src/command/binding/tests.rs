//! Binding file semantics without a database.
