//! dcd
