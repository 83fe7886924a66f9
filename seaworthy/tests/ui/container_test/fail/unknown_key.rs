use seaworthy::prelude::*;

#[container_test(retries = 30)]
async fn adds() {
    assert_eq!(1 + 1, 2);
}

fn main() {}
