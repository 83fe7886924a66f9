use seaworthy::prelude::*;

#[container_test(timeout = "30 seconds")]
async fn spelled_out() {}

#[container_test(timeout = "0s")]
async fn zero() {}

#[container_test(timeout = 30)]
async fn no_unit() {}

#[container_test(timeout = "1s", timeout = "2s")]
async fn twice() {}

fn main() {}
