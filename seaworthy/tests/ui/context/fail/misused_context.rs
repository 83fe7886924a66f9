use seaworthy::prelude::*;

// `#[context]` takes no arguments, and a context is no fixture value to `#[clean]`.
#[fixture]
fn named(#[context(test)] cx: &TestContext) -> String {
    cx.test_name().to_string()
}

#[container_test]
fn cleans_its_context(#[clean] #[context] cx: &TestContext) {
    let _ = cx;
}

fn main() {}
