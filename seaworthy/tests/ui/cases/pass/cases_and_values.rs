use seaworthy::prelude::*;

#[fixture]
fn greeting() -> String {
    "hello".to_string()
}

/// Two named cases, each a test of its own: `adds::small` and `adds::large`.
#[container_test]
#[case::small(1, 2, 3)]
#[case::large(1000, 2000, 3000)]
fn adds(#[case] a: u32, #[case] b: u32, #[case] sum: u32) {
    assert_eq!(a + b, sum);
}

/// Fixtures and case values side by side, in any order; an unnamed case is `case_2`.
#[container_test]
#[case::en("hello")]
#[case("hello")]
async fn greets(greeting: &String, #[case] expected: &str) -> Result<(), String> {
    (greeting == expected).then_some(()).ok_or(greeting.clone())
}

/// Every combination of the lists: four tests, `combined::port_80__secure_true`, ….
#[container_test]
#[ignore = "only compiled"]
fn combined(#[values(80, 443)] port: u16, #[values(true, false)] secure: bool) {
    assert!(port > 0 || secure);
}

fn main() {
    // Each run is a test of the module the test is written in.
    let runs: Vec<&str> = seaworthy::__private::inventory::iter::<seaworthy::__private::TestEntry>
        .into_iter()
        .filter(|e| e.0.module == module_path!())
        .map(|e| e.0.name)
        .collect();
    let mut runs = runs;
    runs.sort_unstable();
    assert_eq!(
        runs,
        [
            "adds::large",
            "adds::small",
            "combined::port_443__secure_false",
            "combined::port_443__secure_true",
            "combined::port_80__secure_false",
            "combined::port_80__secure_true",
            "greets::case_2",
            "greets::en",
        ]
    );
}
