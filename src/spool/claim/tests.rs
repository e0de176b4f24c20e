//! Unit tests of claims: renames, staging, placing, putting back.
