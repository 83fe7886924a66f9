use seaworthy::prelude::*;

#[container_test(worker_threads = 4)]
async fn adds() {
    assert_eq!(1 + 1, 2);
}

fn main() {}
