use seaworthy::prelude::*;

// A type named like the parameter is in scope, but it is not a fixture.
#[allow(non_camel_case_types, dead_code)]
struct greeting {
    text: String,
}

#[container_test]
async fn greets(greeting: &String) {
    assert_eq!(greeting, "hello");
}

fn main() {}
