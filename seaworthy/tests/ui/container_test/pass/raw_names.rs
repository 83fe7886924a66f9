use seaworthy::prelude::*;

#[fixture]
fn r#type() -> String {
    "postgres".to_string()
}

#[fixture]
fn r#match(r#type: &String) -> String {
    format!("{type}-match", type = r#type)
}

#[container_test]
fn r#loop(r#type: &String, r#match: &String) {
    assert_eq!(r#match, &format!("{}-match", r#type));
}

fn main() {}
