//! Procedural macros for `seaworthy`.
