//! The command line: a parser that behaves exactly like the Python `argparse` (3.10+) parser
//! of docker-ci-deploy 0.3.0, its `--help`, and 0.3.0's checks after parsing.
//!
//! # Why not clap
//!
//! dcd promises byte-identical usage errors and parsing for every invocation 0.3.0 accepts,
//! and clap differs from argparse in ways that are visible on the command line:
//!
//! * `nargs='+'` is greedy: `--tag a img` takes `img` as a tag, and the error is then
//!   `the following arguments are required: image`. clap's `num_args(1..)` is greedy too, but
//!   it reports `the following required arguments were not provided` with its own usage.
//! * argparse accepts any unique prefix of a long option (`--reg`, `--dry`) and refuses an
//!   ambiguous one with `ambiguous option: --ver could match --version, …` in a fixed order;
//!   clap's `infer_long_args` has neither that message nor that order.
//! * a positional after options cannot be followed by more positionals (`img -v img2` is
//!   `unrecognized arguments: img2`), while `--` marks can appear inside a positional run;
//!   `-SV1.2.3` and `-ta` split the way argparse splits them, and `-Sx` is `ignored explicit
//!   argument 'x'`, with Python's `repr` quoting.
//! * the exact texts (`argument -t/--tag: expected at least one argument`, `invalid int value:
//!   'abc'`), the usage block wrapped by argparse's algorithm for the program name in use, and
//!   exit status 2 with nothing on stdout.
//!
//! Reproducing all of that through clap's error hooks would mean re-parsing the command line
//! anyway, so this module implements argparse's algorithm for the one parser dcd needs, and
//! clap is not a dependency.

mod help;
mod imp;
mod parser;
mod python;

pub(crate) use help::prog_name;
pub(crate) use imp::{parse, Parsed};
