//! seaworthy: test Docker images like code.
#![warn(missing_docs)]

pub mod http;
pub mod lines;
pub mod matchers;
pub mod merge;
pub mod output;
pub mod ps;
