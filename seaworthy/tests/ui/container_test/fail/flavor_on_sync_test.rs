use seaworthy::prelude::*;

#[container_test(flavor = "multi_thread")]
fn adds() {
    assert_eq!(1 + 1, 2);
}

fn main() {}
