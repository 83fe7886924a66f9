use seaworthy::prelude::*;

#[container_test]
fn answer() -> u32 {
    42
}

fn main() {}
