use seaworthy::prelude::*;

// Teardown code returns `()` or `Result<(), E: Display>`: a value would be lost.
#[fixture]
fn counted(#[context] cx: &TestContext) -> u32 {
    cx.on_teardown(|| async { 42u32 });
    0
}

fn main() {}
