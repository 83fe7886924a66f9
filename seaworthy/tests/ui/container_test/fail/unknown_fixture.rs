use seaworthy::prelude::*;

#[container_test]
async fn greets(greeting: &String) {
    assert_eq!(greeting, "hello");
}

fn main() {}
