//! The suite `scripts/bench-postgres` times (issue 11): 20 tests in one module sharing one
//! module-scoped PostgreSQL, each running one query. Ignored: it is a benchmark, not a check
//! (nothing here asserts a time); the script runs it under `cargo test` and under nextest.
//!
//! ```text
//! scripts/bench-postgres [ROUNDS]
//! ```

use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn bench_postgresql() -> PostgresContainer {
    PostgresContainer::new("postgresql").image("seaworthy-test/postgres:15")
}

macro_rules! twenty {
    ($($t:ident)*) => {$(
        #[container_test]
        #[ignore]
        async fn $t(bench_postgresql: &PostgresContainer) {
            let out = bench_postgresql.exec_psql("SELECT 1").await.unwrap();
            assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
        }
    )*};
}

twenty!(
    q01 q02 q03 q04 q05 q06 q07 q08 q09 q10
    q11 q12 q13 q14 q15 q16 q17 q18 q19 q20
);
