use seaworthy::prelude::*;

#[container_test]
#[test]
fn adds() {
    assert_eq!(1 + 1, 2);
}

#[container_test]
#[tokio::test]
async fn adds_async() {
    assert_eq!(1 + 1, 2);
}

fn main() {}
