use seaworthy::prelude::*;

// `greeting` is a plain function: `#[fixture]` is missing.
fn greeting() -> String {
    "hello".to_string()
}

#[container_test]
async fn greets(greeting: &String) {
    assert_eq!(greeting, "hello");
}

fn main() {}
