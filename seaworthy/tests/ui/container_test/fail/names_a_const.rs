use seaworthy::prelude::*;

// A constant is no fixture.
const PORT: u16 = 8080;

#[container_test]
#[allow(non_snake_case)]
async fn listens(PORT: &u16) {
    assert_eq!(*PORT, 8080);
}

fn main() {}
