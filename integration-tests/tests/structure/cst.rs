//! CST files (filled in below).
