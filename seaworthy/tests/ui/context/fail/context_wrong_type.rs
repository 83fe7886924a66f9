use seaworthy::prelude::*;

// A `#[context]` parameter is a `&TestContext`, whatever its name.
#[container_test]
fn reads_the_name(#[context] name: &String) {
    let _ = name;
}

fn main() {}
