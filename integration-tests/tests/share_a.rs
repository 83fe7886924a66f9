//! A sharing scenario binary: see `share/common.rs`. Besides the run-scoped test every scenario
//! binary has, it holds the nextest scenarios.

#[path = "share/common.rs"]
mod common;

use std::time::Duration;

use common::{idle, marker_dir};
use futures_util::future::BoxFuture;
use seaworthy::prelude::*;
use seaworthy::{Attachment, DockerHelper, Resource};

/// Twenty tests, one module-scoped container; each test's own container reaches it by name.
mod module20 {
    use super::*;

    #[fixture(scope = "module")]
    fn mod_box() -> ContainerDefinition {
        idle("mod_box")
    }

    #[fixture]
    fn own_box(mod_box: &ContainerDefinition) -> ContainerDefinition {
        let _ = mod_box;
        idle("own_box")
    }

    macro_rules! twenty {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore = "run by the sharing drivers"]
            async fn $t(own_box: &ContainerDefinition) {
                own_box.exec_ok(["ping", "-c", "1", "-W", "5", "mod_box"]).await.unwrap();
            }
        )*};
    }
    twenty!(t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15 t16 t17 t18 t19 t20);
}

/// A container whose `clean` removes the mark a test leaves in it.
pub(crate) struct Marked(ContainerDefinition);

impl Resource for Marked {
    fn setup_attached<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, seaworthy::Result<()>> {
        Resource::setup_attached(&self.0, helper, attach)
    }
    fn teardown(&self) -> BoxFuture<'_, seaworthy::Result<()>> {
        Resource::teardown(&self.0)
    }
    fn container(&self) -> Option<&ContainerDefinition> {
        Some(&self.0)
    }
    fn clean(&self) -> BoxFuture<'_, seaworthy::Result<()>> {
        Box::pin(async move {
            self.0.exec_ok(["rm", "-f", "/tmp/mark"]).await?;
            Ok(())
        })
    }
}

/// `#[clean]` tests: each finds the container without a mark, then leaves one.
mod clean {
    use super::*;

    #[fixture(scope = "module")]
    fn marked() -> Marked {
        Marked(idle("marked"))
    }

    macro_rules! four {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore = "run by the sharing drivers"]
            async fn $t(#[clean] marked: &Marked) {
                let seen = marked.0.exec(["cat", "/tmp/mark"]).await.unwrap();
                assert_eq!(seen.exit_code, 1, "a mark left by another test: {}", seen.stdout_str());
                marked.0.exec_ok(["sh", "-c", concat!("echo ", stringify!($t), " > /tmp/mark")]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(300)).await;
                let mine = marked.0.exec_ok(["cat", "/tmp/mark"]).await.unwrap();
                assert_eq!(mine.stdout_str(), concat!(stringify!($t), "\n"));
            }
        )*};
    }
    four!(c1 c2 c3 c4);
}

/// The first process to set `slow_box` up gets a container that never becomes ready (the driver
/// kills that process); the next one gets one that does.
mod kill_setup {
    use super::*;

    #[fixture(scope = "module")]
    fn slow_box() -> ContainerDefinition {
        let first = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(marker_dir().join("first-setup"));
        match first {
            Ok(mut f) => {
                use std::io::Write;
                write!(f, "{}", std::process::id()).unwrap();
                idle("slow_box")
                    .command(["sh", "-c", "echo never; exec sleep 600"])
                    .wait_timeout(Duration::from_secs(120))
            }
            Err(_) => idle("slow_box"),
        }
    }

    #[container_test]
    #[ignore = "run by the sharing drivers"]
    async fn k1(slow_box: &ContainerDefinition) {
        slow_box.exec_ok(["true"]).await.unwrap();
    }

    #[container_test]
    #[ignore = "run by the sharing drivers"]
    async fn k2(slow_box: &ContainerDefinition) {
        slow_box.exec_ok(["true"]).await.unwrap();
    }
}

/// Tests that hold their containers until their runner goes away (or 60 s pass), after leaving
/// a marker with their PID: the driver then kills or interrupts the runner.
mod hold {
    use super::*;

    #[fixture(scope = "module")]
    fn held_box() -> ContainerDefinition {
        idle("held_box")
    }

    #[fixture]
    fn own_held(held_box: &ContainerDefinition) -> ContainerDefinition {
        let _ = held_box;
        idle("own_held")
    }

    async fn hold(name: &str) {
        let parent = std::os::unix::process::parent_id();
        std::fs::write(
            marker_dir().join(format!("held-{name}")),
            std::process::id().to_string(),
        )
        .unwrap();
        for _ in 0..600 {
            if std::os::unix::process::parent_id() != parent {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[container_test]
    #[ignore = "run by the sharing drivers"]
    async fn h1(own_held: &ContainerDefinition) {
        own_held
            .exec_ok(["ping", "-c", "1", "-W", "5", "held_box"])
            .await
            .unwrap();
        hold("h1").await;
    }

    #[container_test]
    #[ignore = "run by the sharing drivers"]
    async fn h2(own_held: &ContainerDefinition) {
        own_held
            .exec_ok(["ping", "-c", "1", "-W", "5", "held_box"])
            .await
            .unwrap();
        hold("h2").await;
    }
}

/// A module fixture whose container exits instead of becoming ready, under a plain fixture:
/// the first process records the failure, the others fail at once with it.
mod failing {
    use super::*;

    #[fixture(scope = "module")]
    fn broken_box() -> ContainerDefinition {
        idle("broken_box").command(["sh", "-c", "echo broken-output; exit 3"])
    }

    #[fixture(scope = "module")]
    fn on_broken(broken_box: &ContainerDefinition) -> String {
        broken_box.name().to_string()
    }

    macro_rules! three {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore = "run by the sharing drivers"]
            async fn $t(on_broken: &String) {
                panic!("set up after all: {on_broken}");
            }
        )*};
    }
    three!(f1 f2 f3);
}

/// The benchmark's suite: twenty tests querying one module-scoped PostgreSQL.
mod pg20 {
    use super::*;

    #[fixture(scope = "module")]
    fn bench_postgres() -> PostgresContainer {
        PostgresContainer::new("bench_postgres")
            .image("seaworthy-test/postgres:15")
            .configure(|d| d.label("seaworthy-test.case", common::case()))
    }

    macro_rules! twenty {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore = "run by the sharing benchmark"]
            async fn $t(bench_postgres: &PostgresContainer) {
                let out = bench_postgres.exec_psql("SELECT 1").await.unwrap();
                assert_eq!(out.exit_code, 0);
            }
        )*};
    }
    twenty!(q01 q02 q03 q04 q05 q06 q07 q08 q09 q10 q11 q12 q13 q14 q15 q16 q17 q18 q19 q20);
}
