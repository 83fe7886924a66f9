//! `#[fixture(autouse)]`, counted in Docker events of child processes of this binary.
//!
//! A binary of its own: a binary-scoped autouse fixture applies to every container test of its
//! binary, and the other suites' counts must not see it.

use integration_tests::{count, docker, run_scenario, scenario_command, wait_until_gone};
use integration_tests::{LiveEvents, Scenario};

/// The scenarios (run as child processes by the tests below).
mod scenarios {
    use seaworthy::prelude::*;

    /// A busybox container that says `ready` and idles.
    pub(crate) fn idle(name: &str) -> ContainerDefinition {
        ContainerDefinition::new(name, "seaworthy-test/busybox")
            .command(["sh", "-c", "echo ready; exec sleep 300"])
            .wait_for(Wait::logs(["^ready$"]))
    }

    /// For every test of the binary, whatever its module; once.
    #[fixture(scope = "binary", autouse)]
    fn banner(#[context] cx: &TestContext) -> String {
        eprintln!("SETUP banner by {}", cx.full_name());
        cx.on_teardown(|| async { eprintln!("TEARDOWN banner") });
        "banner".to_string()
    }

    pub(crate) mod with_module {
        use super::*;

        /// For every test of this module and its submodules, once per test module.
        #[fixture(scope = "module", autouse)]
        fn module_box() -> ContainerDefinition {
            eprintln!("SETUP module_box");
            idle("module_box")
        }

        /// For every test of this module and its submodules, once per test.
        #[fixture(autouse)]
        fn per_test_box(#[context] cx: &TestContext) -> ContainerDefinition {
            eprintln!("SETUP per_test_box for {}", cx.test_name());
            idle("per_test_box")
        }

        /// Named by the test: set up after the autouse fixtures.
        #[fixture]
        fn named(#[context] cx: &TestContext) -> String {
            eprintln!("SETUP named for {}", cx.test_name());
            "named".to_string()
        }

        #[container_test]
        #[ignore]
        async fn names_nothing() {}

        /// Names an autouse fixture too: the same value.
        #[container_test]
        #[ignore]
        async fn names_one(module_box: &ContainerDefinition, named: &String) {
            module_box.exec_ok(["true"]).await.unwrap();
            assert_eq!(named, "named");
        }

        pub(crate) mod nested {
            use seaworthy::prelude::*;

            #[container_test]
            #[ignore]
            async fn inner() {}
        }
    }

    pub(crate) mod elsewhere {
        use seaworthy::prelude::*;

        #[container_test]
        #[ignore]
        async fn plain() {}
    }
}

/// Runs the scenarios `args` select; checks that they passed and left nothing behind; their
/// output and container events, followed live.
async fn run(args: &'static [&'static str]) -> (Scenario, Vec<(String, String, String)>) {
    let d = docker().await;
    let live = LiveEvents::start(&d);
    let s = tokio::task::spawn_blocking(move || run_scenario(scenario_command(args)))
        .await
        .unwrap();
    let label = format!("seaworthy.pid={}", s.pid);
    let left = wait_until_gone(&d, &label, std::time::Duration::from_secs(30)).await;
    assert_eq!(left.map(|_| ()), Ok(()), "{}", s.output());
    assert_eq!(s.code, Some(0), "{}", s.output());
    let ev = live
        .settled(s.pid, std::time::Duration::from_secs(10))
        .await;
    (s, ev)
}

/// Checks the `SETUP …` lines, in order, and that the binary's banner was torn down once.
fn set_up_in_order(s: &Scenario, expected: &[&str]) {
    let setups: Vec<&str> = s
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("SETUP "))
        .collect();
    assert_eq!(setups, expected, "{}", s.stderr);
    let teardowns = s.stderr.matches("TEARDOWN banner").count();
    assert_eq!(teardowns, 1, "{}", s.stderr);
}

#[tokio::test]
async fn autouse_fixtures_are_set_up_for_their_module_s_tests_first_by_scope() {
    // One test at a time, so the order of the lines is each test's order.
    let (s, ev) = run(&["scenarios::with_module::", "--test-threads", "1"]).await;
    assert!(
        s.stdout.contains("test result: ok. 3 passed"),
        "{}",
        s.output()
    );
    // Two test modules (`with_module` and `with_module::nested`): a module box each; three
    // tests: a per-test box each; the binary's banner once.
    assert_eq!(count(&ev, "container", "create", "module_box"), 2, "{ev:?}");
    assert_eq!(
        count(&ev, "container", "destroy", "module_box"),
        2,
        "{ev:?}"
    );
    assert_eq!(
        count(&ev, "container", "create", "per_test_box"),
        3,
        "{ev:?}"
    );
    assert_eq!(
        count(&ev, "container", "destroy", "per_test_box"),
        3,
        "{ev:?}"
    );
    // libtest runs them in name order; widest scope first, the test's own fixtures last.
    set_up_in_order(
        &s,
        &[
            "banner by scenarios::with_module::names_nothing",
            "module_box",
            "per_test_box for names_nothing",
            "per_test_box for names_one",
            "named for names_one",
            "module_box",
            "per_test_box for inner",
        ],
    );
}

#[tokio::test]
async fn a_binary_autouse_fixture_reaches_every_module_and_a_module_one_only_its_own() {
    let (s, ev) = run(&["--exact", "scenarios::elsewhere::plain"]).await;
    set_up_in_order(&s, &["banner by scenarios::elsewhere::plain"]);
    assert_eq!(ev, Vec::<(String, String, String)>::new());
}
