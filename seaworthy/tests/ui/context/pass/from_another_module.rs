use seaworthy::prelude::*;

mod db {
    use seaworthy::prelude::*;

    #[fixture(scope = "module")]
    pub fn port() -> u16 {
        5432
    }
}

#[fixture(scope = "module")]
fn url(#[from(db::port)] p: &u16) -> String {
    format!("postgres://localhost:{p}")
}

#[container_test]
fn two_names(#[from(db::port)] a: &u16, #[from(crate::db::port)] b: &u16, url: &String) {
    assert_eq!((a, b), (&5432, &5432));
    assert!(url.ends_with("5432"));
}

fn main() {}
