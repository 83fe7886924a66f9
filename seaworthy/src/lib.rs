//! seaworthy
