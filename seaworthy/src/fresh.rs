//! What the per-test databases, keyspaces and vhosts share: their names and their errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a test's own database (PostgreSQL), Redis database or RabbitMQ vhost could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FreshError {
    /// `CREATE DATABASE … TEMPLATE …` failed because another session is connected to the
    /// template (PostgreSQL waits up to 5 s for it to leave, then gives up).
    #[error(
        "cannot create database `{database}` from template `{template}` in container `{container}`: \
         another connection is using the template (PostgreSQL waited 5 s for it to close)\n{detail}\n\
         (hint: tests that take a fresh database must not connect to the template database \
         itself; prepare it with `init_sql` before the tests run and query the test's own \
         database, or close that connection)"
    )]
    TemplateBusy {
        /// The container's name.
        container: String,
        /// The template database.
        template: String,
        /// The database that was to be created.
        database: String,
        /// What PostgreSQL said.
        detail: String,
    },

    /// Every Redis database but 0 is held by another test.
    #[error(
        "no free Redis database in container `{container}`: all {databases} databases but 0 are held \
         by other tests\n(hint: run fewer tests at once, or start Redis with more databases: \
         `.configure(|d| d.command([\"redis-server\", \"--databases\", \"64\"]))`)"
    )]
    NoFreeRedisDatabase {
        /// The container's name.
        container: String,
        /// How many databases the server has (`CONFIG GET databases`).
        databases: u32,
    },

    /// The service answered something this crate does not understand.
    #[error("unexpected answer from `{container}` to `{command}`: {answer:?}")]
    Unexpected {
        /// The container's name.
        container: String,
        /// What was asked.
        command: String,
        /// What it answered.
        answer: String,
    },
}

/// A name for one test's database or vhost: `PREFIX_PID_N_T` (PREFIX cut to 30 bytes, T a
/// clock-based token so that two hosts sharing a server do not collide), at most 63 bytes
/// (PostgreSQL's identifier limit).
pub(crate) fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
    let mut cut = prefix.len().min(30);
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{n}_{:x}",
        &prefix[..cut],
        std::process::id(),
        nanos % 0x10000
    )
}

#[cfg(test)]
mod tests {
    use super::unique_name;

    #[test]
    fn names_are_unique_and_short() {
        let (a, b) = (unique_name("shop"), unique_name("shop"));
        assert_ne!(a, b);
        assert!(
            a.starts_with(&format!("shop_{}_", std::process::id())),
            "{a}"
        );
        let long = unique_name(&"é".repeat(40));
        assert!(long.len() <= 63, "{long}");
        assert!(long.starts_with(&"é".repeat(15)), "{long}");
    }
}
