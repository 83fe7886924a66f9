use seaworthy::prelude::*;

#[fixture]
fn port() -> u16 {
    8080
}

#[container_test]
fn uses_port(port: u16) {
    assert_eq!(port, 8080);
}

fn main() {}
