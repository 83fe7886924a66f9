//! Rendering: code generation from a validated model, as calls into `seaworthy::__private`.
//! Nothing is checked here beyond what only the type checker can check, which is emitted as
//! code spanned at the user's tokens.

mod autouse;
mod cases;
mod crate_path;
mod fixture;
mod test;
mod tokens;

pub(crate) use fixture::{fixture, invalid_fixture};
pub(crate) use test::{invalid_test, test};
