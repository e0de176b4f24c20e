//! Unit tests of the stability gate and the order of ready files.
