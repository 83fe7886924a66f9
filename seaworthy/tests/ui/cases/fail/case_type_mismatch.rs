use seaworthy::prelude::*;

#[container_test]
#[case::text("a")]
fn doubles(#[case] n: u32, #[values(1, "2")] m: u32) {
    assert!(n <= m);
}

fn main() {}
