use seaworthy::prelude::*;

#[fixture]
fn answer() -> u32 {
    42
}

/// Doc comments, `#[ignore]`, `#[should_panic]` and lint attributes pass through.
#[container_test]
#[ignore = "needs a registry mirror"]
fn ignored(answer: &u32) {
    assert_eq!(*answer, 42);
}

#[container_test]
#[should_panic(expected = "wrong answer")]
async fn panics(answer: &u32) {
    assert_eq!(*answer, 41, "wrong answer");
}

#[ignore]
#[container_test]
fn ignore_before_the_macro() {}

#[container_test]
#[cfg(unix)]
fn only_on_unix(answer: &u32) {
    assert_eq!(*answer, 42);
}

fn main() {}
