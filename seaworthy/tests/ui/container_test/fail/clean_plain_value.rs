use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn counter() -> u32 {
    0
}

// `#[clean]` resets a Docker resource; a plain value has nothing to reset.
#[container_test]
fn counts(#[clean] counter: &u32) {
    assert_eq!(*counter, 0);
}

fn main() {}
