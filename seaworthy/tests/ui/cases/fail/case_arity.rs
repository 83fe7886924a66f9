use seaworthy::prelude::*;

#[container_test]
#[case::one(1)]
#[case::two(1, 2, 3)]
fn adds(#[case] a: u32, #[case] b: u32) {
    assert!(a <= b);
}

#[container_test]
#[case(1)]
fn no_case_parameter(a: &u32) {
    assert!(*a > 0);
}

#[container_test]
fn no_cases(#[case] a: u32, #[values()] b: u32) {
    assert!(a <= b);
}

fn main() {}
