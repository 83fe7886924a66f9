//! What a fixture is to the runtime, apart from its resolution: the scopes it can live in, the
//! resolved value ([`Node`]) a test borrows, and the errors of its function.

use std::ops::Deref;
use std::sync::Arc;

use super::instance::ContainerRef;
use super::share::Slot;
use crate::error::Error;

/// How long a fixture value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// A fresh value for every test (the default).
    Function,
    /// One value per test module, torn down after the module's last selected test.
    Module,
    /// One value per test process, torn down when its last selected test has finished.
    Binary,
    /// One value per `cargo test` or `cargo nextest run` invocation, across test binaries,
    /// torn down when that invocation ends (one per process when the process was not started by
    /// either, or `SEAWORTHY_SHARE=0`).
    Run,
}

impl Scope {
    /// `function`, `module`, `binary` or `run`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Module => "module",
            Scope::Binary => "binary",
            Scope::Run => "run",
        }
    }

    /// 0, 1, 2, 3: a fixture may only depend on fixtures of a rank at least its own.
    pub const fn rank(self) -> usize {
        match self {
            Scope::Function => 0,
            Scope::Module => 1,
            Scope::Binary => 2,
            Scope::Run => 3,
        }
    }
}

/// `max` for const contexts.
pub const fn max_depth(depths: &[usize]) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < depths.len() {
        if depths[i] > m {
            m = depths[i];
        }
        i += 1;
    }
    m
}

/// A resolved fixture value and the containers it (transitively) stands on.
pub struct Node<V> {
    pub(super) value: Arc<V>,
    pub(super) containers: Vec<ContainerRef>,
    /// Held by a test from cleaning the value until it ends (`#[clean]`).
    pub(super) exclusive: Arc<tokio::sync::Mutex<()>>,
    /// For a value shared across processes: its files, whose `clean` lock `#[clean]` takes too.
    pub(super) slot: Option<Slot>,
}

impl<V> Deref for Node<V> {
    type Target = V;
    fn deref(&self) -> &V {
        &self.value
    }
}

/// The error of a fallible fixture function that returned `Err(error)`.
pub fn fixture_failed(fixture: &str, error: &dyn std::fmt::Display) -> Error {
    Error::from(crate::error::HarnessError::FixtureFailed {
        fixture: fixture.to_string(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_named_and_ranked_narrowest_first() {
        let all = [Scope::Function, Scope::Module, Scope::Binary, Scope::Run];
        let names: Vec<_> = all.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["function", "module", "binary", "run"]);
        let ranks: Vec<_> = all.iter().map(|s| s.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3]);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "Ord follows the rank");
    }

    #[test]
    fn max_depth_is_the_largest_or_zero() {
        const NONE: usize = max_depth(&[]);
        const SOME: usize = max_depth(&[2, 7, 3]);
        assert_eq!((NONE, SOME), (0, 7));
    }

    #[test]
    fn a_failed_fixture_names_itself_and_the_message() {
        let e = fixture_failed("db", &"no such table");
        match &e {
            Error::Harness(crate::error::HarnessError::FixtureFailed { fixture, message }) => {
                assert_eq!(
                    (fixture.as_str(), message.as_str()),
                    ("db", "no such table")
                );
            }
            other => panic!("expected FixtureFailed, got {other:?}"),
        }
    }

    #[test]
    fn a_node_derefs_to_its_value() {
        let node = Node {
            value: Arc::new(41u8),
            containers: Vec::new(),
            exclusive: Arc::default(),
            slot: None,
        };
        assert_eq!(*node + 1, 42);
    }
}
