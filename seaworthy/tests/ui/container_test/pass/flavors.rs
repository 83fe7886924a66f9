use seaworthy::prelude::*;

#[container_test(flavor = "multi_thread", worker_threads = 3)]
async fn three_workers() {
    tokio::task::spawn(async {}).await.unwrap();
}

#[container_test(flavor = "multi_thread")]
async fn default_workers() {}

#[container_test(flavor = "current_thread")]
async fn current_thread() {}

fn main() {}
