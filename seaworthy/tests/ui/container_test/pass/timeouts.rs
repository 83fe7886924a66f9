use seaworthy::prelude::*;

#[container_test(timeout = "30s")]
async fn seconds() {}

#[container_test(timeout = "1m30s", flavor = "multi_thread")]
async fn a_sum_on_many_threads() {}

#[container_test(timeout = "500ms")]
fn sync_with_a_timeout() {}

#[container_test]
async fn skips_itself() {
    if std::env::var_os("NEVER_SET_IN_UI_TESTS").is_none() {
        seaworthy::skip!("skipped on purpose: {}", 42);
    }
}

fn main() {}
