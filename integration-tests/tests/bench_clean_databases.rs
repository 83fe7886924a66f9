//! The clean-database benchmark (issue 21): 20 tests, each needing a clean PostgreSQL database,
//! run four ways side by side in one run, as whole test processes at libtest's default 2
//! threads. Not a test of speed (nothing asserts a time): it prints figures and ratios.
//!
//! ```text
//! cargo test -p integration-tests --test bench_clean_databases -- --ignored --exact clean_database_suites --nocapture
//! ```
//!
//! Every test runs the same one `psql` call (create a table, insert a row, count the rows):
//! - `per_test`: a database of its own, copied from the shared server's template
//!   (`fresh_database`);
//! - `clean`: `#[clean]` on a shared server (drop and recreate the database; exclusive use);
//! - `container`: a function-scoped PostgreSQL per test;
//! - `floor`: one shared database, no isolation (each test its own table name).

use std::time::Duration;

use integration_tests::{median, time_suite};
use seaworthy::containers::PostgresDatabase;
use seaworthy::prelude::*;

const IMAGE: &str = "seaworthy-test/postgres:15";

fn work(table: &str) -> String {
    format!(
        "CREATE TABLE {table}(n int); INSERT INTO {table} VALUES (1); SELECT count(*) FROM {table}"
    )
}

fn check(out: seaworthy::ExecOutput) {
    assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
    assert_eq!(out.stdout_str(), "1\n");
}

mod per_test {
    use super::*;

    #[fixture(scope = "module")]
    fn pt_server() -> PostgresContainer {
        PostgresContainer::new("pt_server").image(IMAGE)
    }

    #[fixture]
    fn pt_db(pt_server: &PostgresContainer) -> PostgresDatabase {
        pt_server.fresh_database()
    }

    macro_rules! tests {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore]
            async fn $t(pt_db: &PostgresDatabase) {
                check(pt_db.exec_psql(&work("items")).await.unwrap());
            }
        )*};
    }
    tests!(t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15 t16 t17 t18 t19 t20);
}

mod clean {
    use super::*;

    #[fixture(scope = "module")]
    fn cl_server() -> PostgresContainer {
        PostgresContainer::new("cl_server").image(IMAGE)
    }

    macro_rules! tests {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore]
            async fn $t(#[clean] cl_server: &PostgresContainer) {
                check(cl_server.exec_psql(&work("items")).await.unwrap());
            }
        )*};
    }
    tests!(t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15 t16 t17 t18 t19 t20);
}

mod container {
    use super::*;

    #[fixture]
    fn fn_server() -> PostgresContainer {
        PostgresContainer::new("fn_server").image(IMAGE)
    }

    macro_rules! tests {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore]
            async fn $t(fn_server: &PostgresContainer) {
                check(fn_server.exec_psql(&work("items")).await.unwrap());
            }
        )*};
    }
    tests!(t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15 t16 t17 t18 t19 t20);
}

mod floor {
    use super::*;

    #[fixture(scope = "module")]
    fn fl_server() -> PostgresContainer {
        PostgresContainer::new("fl_server").image(IMAGE)
    }

    macro_rules! tests {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore]
            async fn $t(fl_server: &PostgresContainer) {
                check(fl_server.exec_psql(&work(concat!("items_", stringify!($t)))).await.unwrap());
            }
        )*};
    }
    tests!(t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15 t16 t17 t18 t19 t20);
}

#[test]
#[ignore]
fn clean_database_suites() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let mut order = vec!["floor", "per_test", "clean", "container"];
    let mut times: Vec<(&str, Vec<Duration>)> = order.iter().map(|m| (*m, vec![])).collect();
    for _ in 0..rounds {
        for m in &order {
            let t = time_suite(&format!("{m}::"), 2, 20);
            times.iter_mut().find(|(n, _)| n == m).unwrap().1.push(t);
        }
        order.reverse(); // drift affects every variant alike
    }
    let med: Vec<(&str, Duration)> = times.into_iter().map(|(n, v)| (n, median(v))).collect();
    let of = |n: &str| med.iter().find(|(m, _)| *m == n).unwrap().1.as_secs_f64();
    let floor = of("floor");
    println!("clean-database benchmark, 20 tests each, 2 threads, median of {rounds} rounds:");
    for (n, d) in &med {
        println!(
            "  {n:10} {:8.2} s  = {:.2}x the floor",
            d.as_secs_f64(),
            d.as_secs_f64() / floor
        );
    }
    println!(
        "  per_test: {:.2}x the floor (target <= 1.5), {:.1}x faster than a container per test (target >= 10)",
        of("per_test") / floor,
        of("container") / of("per_test")
    );
}
