use seaworthy::prelude::*;

#[container_test(flavor = "multi")]
async fn adds() {
    assert_eq!(1 + 1, 2);
}

fn main() {}
