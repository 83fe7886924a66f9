//! CST files.
