//! Unit tests of user file parsing and planning.
