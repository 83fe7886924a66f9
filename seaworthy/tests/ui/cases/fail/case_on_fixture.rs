use seaworthy::prelude::*;

#[fixture]
fn port(#[values(80, 443)] n: u16) -> u16 {
    n
}

fn main() {}
