use seaworthy::prelude::*;

#[fixture]
fn port() -> u16 {
    8080
}

#[container_test]
fn uses_port(port: &String) {
    assert!(!port.is_empty());
}

fn main() {}
