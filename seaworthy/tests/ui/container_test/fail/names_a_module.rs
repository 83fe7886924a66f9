use seaworthy::prelude::*;

// A module is no fixture.
mod greeting {}

#[container_test]
async fn greets(greeting: &String) {
    assert_eq!(greeting, "hello");
}

fn main() {}
