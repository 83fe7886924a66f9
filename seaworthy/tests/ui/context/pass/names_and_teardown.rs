use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn report(#[context] cx: &TestContext) -> String {
    cx.on_teardown(|| async {});
    cx.on_teardown(|| async { Err::<(), _>("teardown failed") });
    format!("{}/{}", cx.module(), cx.test_name())
}

#[container_test]
async fn reads(report: &String, #[context] cx: &TestContext) -> std::io::Result<()> {
    let dir = cx.scratch_dir()?;
    std::fs::write(dir.join("report.txt"), report)?;
    assert_eq!(cx.fixture(), None);
    Ok(())
}

fn main() {}
