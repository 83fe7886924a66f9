//! Parsing: an attribute's arguments and its function, read into typed structs. Nothing is
//! judged here beyond what the syntax demands; `validate` does that.

mod attrs;
mod autouse;
mod cases;
mod duration;
mod function;
mod input;

pub(crate) use attrs::{Arg, Args, FixtureAttrs, Flavor, TestAttrs};
pub(crate) use cases::{case_attr, marker, take_case_attrs, CaseAttr, Marker};
pub(crate) use function::{Function, Param, TypedParam};
pub(crate) use input::{input, Input};
