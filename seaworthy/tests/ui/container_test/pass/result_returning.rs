use seaworthy::prelude::*;

#[fixture]
fn web() -> ContainerDefinition {
    ContainerDefinition::new("web", "nginx:alpine")
}

#[container_test]
async fn async_result(web: &ContainerDefinition) -> seaworthy::Result<()> {
    web.exec_ok(["true"]).await?;
    Ok(())
}

#[container_test]
fn sync_result(web: &ContainerDefinition) -> Result<(), String> {
    if web.name() == "web" {
        Ok(())
    } else {
        Err(format!("unexpected name {}", web.name()))
    }
}

fn main() {}
