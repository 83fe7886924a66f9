use seaworthy::prelude::*;

mod db {
    use seaworthy::prelude::*;

    #[fixture]
    pub fn port() -> u16 {
        5432
    }
}

// `#[from]` names one fixture by its path.
#[container_test]
fn no_path(#[from] a: &u16, #[from("db::port")] b: &u16) {
    let _ = (a, b);
}

// A context is no fixture.
#[container_test]
fn from_and_context(#[from(db::port)] #[context] cx: &TestContext) {
    let _ = cx;
}

// The fixture must be of the parameter's type.
#[container_test]
fn wrong_target(#[from(db::port)] b: &String) {
    let _ = b;
}

fn main() {}
