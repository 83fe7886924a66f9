use seaworthy::prelude::*;

// A static is no fixture.
static GREETING: &str = "hello";

#[container_test]
#[allow(non_snake_case)]
async fn greets(GREETING: &&str) {
    assert_eq!(*GREETING, "hello");
}

fn main() {}
