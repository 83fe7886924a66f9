//! A sharing scenario binary: see `share/common.rs`.

#[path = "share/common.rs"]
mod common;
