//! Which tests will run, and when each shared scope instance can be torn down.
//!
//! Every `#[container_test]` registers itself at link time. At the first test, the registry
//! applies libtest's own selection rules (filters, `--exact`, `--skip`, `--ignored`,
//! `--include-ignored`) to the process's arguments and counts, per module, the tests that will
//! run. When a module's count reaches zero its module-scoped fixtures are torn down; when every
//! count has, the binary-scoped (and per-process run-scoped) ones are. Whatever a miscount leaves
//! behind is torn down at process exit.
//!
//! Under cargo-nextest the module and binary instances, and under cargo-nextest or `cargo test`
//! the run instance, are [shared with the run's other processes](super::share): tearing them
//! down here only lets go of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;

use super::instance::ScopeInstance;
use super::share::{self, SharedScope};
use crate::sync::lock;

/// A `#[container_test]`: the one description of it that the macro emits, in a `static`. The
/// registry lists it (through a [`TestEntry`]) and the runner is handed it.
#[derive(Debug)]
pub struct TestInfo {
    /// `module_path!()` at the test.
    pub module: &'static str,
    /// The test function's name.
    pub name: &'static str,
    /// `file!()`.
    pub file: &'static str,
    /// `line!()`.
    pub line: u32,
    /// `true` when the test carries `#[ignore]`.
    pub ignored: bool,
    /// `#[container_test(timeout = "…")]`.
    pub timeout: Option<std::time::Duration>,
}

/// A test's entry in the link-time registry: the test's [`TestInfo`].
#[derive(Debug)]
pub struct TestEntry(pub &'static TestInfo);

inventory::collect!(TestEntry);

#[derive(Default)]
struct Counts {
    initialised: bool,
    modules: HashMap<&'static str, usize>,
    total: usize,
}

static COUNTS: Lazy<Mutex<Counts>> = Lazy::new(Default::default);
static SHARED: Lazy<Mutex<HashMap<String, Arc<ScopeInstance>>>> = Lazy::new(Default::default);

/// The name libtest gives a test: its module path without the crate, then the function.
pub(crate) fn libtest_name(module: &str, name: &str) -> String {
    match module.split_once("::") {
        Some((_, rest)) => format!("{rest}::{name}"),
        None => name.to_string(),
    }
}

/// libtest's selection options, as far as they decide which tests run.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    filters: Vec<String>,
    skips: Vec<String>,
    exact: bool,
    ignored: bool,
    include_ignored: bool,
    list: bool,
}

impl Selection {
    /// Parses libtest's command line (without the program name).
    pub(crate) fn parse<I: IntoIterator<Item = String>>(args: I) -> Selection {
        const WITH_VALUE: &[&str] = &[
            "--logfile",
            "--test-threads",
            "--color",
            "--format",
            "-Z",
            "--shuffle-seed",
        ];
        let mut s = Selection::default();
        let mut args = args.into_iter();
        let mut only_positional = false;
        while let Some(a) = args.next() {
            if only_positional || !a.starts_with('-') || a == "-" {
                s.filters.push(a);
                continue;
            }
            match a.as_str() {
                "--" => only_positional = true,
                "--exact" => s.exact = true,
                "--ignored" => s.ignored = true,
                "--include-ignored" => s.include_ignored = true,
                "--list" => s.list = true,
                "--skip" => {
                    if let Some(v) = args.next() {
                        s.skips.push(v);
                    }
                }
                _ => {
                    if let Some(v) = a.strip_prefix("--skip=") {
                        s.skips.push(v.to_string());
                    } else if WITH_VALUE.contains(&a.as_str()) {
                        args.next();
                    }
                }
            }
        }
        s
    }

    fn matches(&self, filter: &str, name: &str) -> bool {
        if self.exact {
            name == filter
        } else {
            name.contains(filter)
        }
    }

    /// `true` when libtest would run this test.
    pub(crate) fn runs(&self, name: &str, ignored: bool) -> bool {
        if self.list {
            return false;
        }
        if !self.filters.is_empty() && !self.filters.iter().any(|f| self.matches(f, name)) {
            return false;
        }
        if self.skips.iter().any(|f| self.matches(f, name)) {
            return false;
        }
        if self.include_ignored {
            true
        } else if self.ignored {
            ignored
        } else {
            !ignored
        }
    }
}

fn init(counts: &mut Counts) {
    if counts.initialised {
        return;
    }
    counts.initialised = true;
    let selection = Selection::parse(std::env::args().skip(1));
    for TestEntry(t) in inventory::iter::<TestEntry> {
        if selection.runs(&libtest_name(t.module, t.name), t.ignored) {
            *counts.modules.entry(t.module).or_default() += 1;
            counts.total += 1;
        }
    }
}

/// Counts the selected tests (once).
pub(crate) fn start() {
    init(&mut lock(&COUNTS));
}

/// The sharing of an instance across processes: under cargo-nextest for every shared scope,
/// under `cargo test` for the run scope only.
fn sharing(key: impl FnOnce() -> String, run_scope: bool) -> Option<Arc<SharedScope>> {
    let run = share::run()?;
    (run.nextest || run_scope).then(|| SharedScope::new(run, key()))
}

/// The process's instance `key`, made on first use.
fn instance(
    key: String,
    make: impl FnOnce() -> (String, String, Option<Arc<SharedScope>>),
) -> Arc<ScopeInstance> {
    lock(&SHARED)
        .entry(key)
        .or_insert_with(|| {
            let (label, short, shared) = make();
            ScopeInstance::with_sharing(label, &short, shared)
        })
        .clone()
}

/// The module-scoped instance for tests of `module`.
pub(crate) fn module_instance(module: &'static str) -> Arc<ScopeInstance> {
    instance(format!("module:{module}"), || {
        (
            format!("module `{module}`"),
            module.rsplit("::").next().unwrap_or(module).to_string(),
            sharing(|| format!("module:{}:{module}", share::binary_key()), false),
        )
    })
}

/// The binary-scoped instance.
pub(crate) fn binary_instance() -> Arc<ScopeInstance> {
    instance("binary".to_string(), || {
        (
            "the test binary".to_string(),
            "binary".to_string(),
            sharing(|| format!("binary:{}", share::binary_key()), false),
        )
    })
}

/// The run-scoped instance.
pub(crate) fn run_instance() -> Arc<ScopeInstance> {
    instance("run".to_string(), || {
        (
            "the `run` scope".to_string(),
            "run".to_string(),
            sharing(|| "run".to_string(), true),
        )
    })
}

/// Records the end of a test of `module`; returns the instances whose last test it was.
pub(crate) fn finish(module: &'static str) -> Vec<Arc<ScopeInstance>> {
    let (module_done, all_done) = {
        let mut counts = lock(&COUNTS);
        init(&mut counts);
        let left = counts.modules.entry(module).or_default();
        *left = left.saturating_sub(1);
        let module_done = *left == 0;
        counts.total = counts.total.saturating_sub(1);
        (module_done, counts.total == 0)
    };
    let mut shared = lock(&SHARED);
    let mut done = Vec::new();
    if module_done {
        done.extend(shared.remove(&format!("module:{module}")));
    }
    if all_done {
        done.extend(shared.remove("binary"));
        done.extend(shared.remove("run"));
    }
    done
}

/// Every shared instance still alive (for the exit fallback).
pub(crate) fn take_all() -> Vec<Arc<ScopeInstance>> {
    let mut shared = lock(&SHARED);
    let mut all: Vec<(String, Arc<ScopeInstance>)> = shared.drain().collect();
    // Modules, then the binary, then the run: fixtures depend on wider scopes only.
    all.sort_by_key(|(k, _)| match k.as_str() {
        "run" => 2,
        "binary" => 1,
        _ => 0,
    });
    all.into_iter().map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(args: &[&str]) -> Selection {
        Selection::parse(args.iter().map(|s| s.to_string()))
    }

    // Registered like any other; never run (`#[ignore]`), it has nothing to do.
    const REGISTERED_AT: u32 = line!() + 1;
    #[crate::container_test]
    #[ignore = "only its registration is tested"]
    fn registered_once() {}

    #[test]
    fn a_container_test_registers_its_one_test_info() {
        let entries: Vec<&TestInfo> = inventory::iter::<TestEntry>
            .into_iter()
            .map(|TestEntry(t)| *t)
            .filter(|t| t.name == "registered_once")
            .collect();
        let [info] = entries[..] else {
            panic!("expected one entry named `registered_once`, got {entries:?}");
        };
        assert_eq!(info.module, module_path!());
        assert_eq!(info.file, file!());
        assert_eq!(info.line, REGISTERED_AT, "the line of the attribute");
        assert!(info.ignored);
    }

    #[crate::container_test]
    #[ignore = "only its registration is tested"]
    #[case::one(1)]
    #[case::two(2)]
    fn registered_cases(#[case] n: u8) {
        assert!(n > 0);
    }

    #[test]
    fn a_parametrized_test_registers_each_case_in_its_own_module() {
        let mut names: Vec<String> = inventory::iter::<TestEntry>
            .into_iter()
            .map(|TestEntry(t)| *t)
            .filter(|t| t.name.starts_with("registered_cases::"))
            .map(|t| {
                assert_eq!(t.module, module_path!(), "a case is a test of this module");
                libtest_name(t.module, t.name)
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "harness::registry::tests::registered_cases::one",
                "harness::registry::tests::registered_cases::two"
            ]
        );
        let exact = Selection::parse(["--exact".into(), names[1].clone()]);
        let selected: Vec<_> = names.iter().filter(|n| exact.runs(n, false)).collect();
        assert_eq!(selected, [&names[1]], "`--exact` selects one case");
    }

    #[test]
    fn libtest_names_drop_the_crate() {
        assert_eq!(libtest_name("fixtures", "t"), "t");
        assert_eq!(
            libtest_name("fixtures::scopes::inner", "t"),
            "scopes::inner::t"
        );
    }

    #[test]
    fn selection_follows_libtest_rules() {
        let cases: &[(&[&str], &str, bool, bool)] = &[
            (&[], "a::b", false, true),
            (&[], "a::b", true, false),
            (&["--ignored"], "a::b", true, true),
            (&["--ignored"], "a::b", false, false),
            (&["--include-ignored"], "a::b", true, true),
            (&["b"], "a::b", false, true),
            (&["c"], "a::b", false, false),
            (&["c", "a::"], "a::b", false, true),
            (&["--exact", "b"], "a::b", false, false),
            (&["--exact", "a::b"], "a::b", false, true),
            (&["--skip", "a::"], "a::b", false, false),
            (&["--skip=a::"], "a::b", false, false),
            (&["--exact", "--skip", "a"], "a::b", false, true),
            (&["--test-threads", "2", "a::b"], "a::b", false, true),
            (&["--test-threads", "2"], "a::b", false, true),
            (
                &["--nocapture", "--color", "never", "zzz"],
                "a::b",
                false,
                false,
            ),
            (&["--list"], "a::b", false, false),
            (&["--", "--exact"], "a::--exact", false, true),
        ];
        for (args, name, ignored, expected) in cases {
            assert_eq!(
                sel(args).runs(name, *ignored),
                *expected,
                "{args:?} {name} ignored={ignored}"
            );
        }
    }
}
