// The builders convert where a `Wait` or a build context is expected.
use seaworthy::prelude::*;

#[fixture]
fn app_image() -> ImageDefinition {
    ImageDefinition::build(
        "app:test",
        ImageBuild::new("images/app")
            .dockerfile("Dockerfile.test")
            .build_arg("PROFILE", "test"),
    )
}

#[fixture]
fn web(app_image: &ImageDefinition) -> ContainerDefinition {
    ContainerDefinition::new("web", app_image.tag())
        .publish(8080)
        .wait_for(Wait::http("/").status(200).port(8080))
}

#[fixture]
fn both() -> ContainerDefinition {
    ContainerDefinition::new("both", "busybox")
        .wait_for(Wait::http("/").and(Wait::logs(["up"])))
        .wait_for(Wait::all([Wait::http("/a"), Wait::http("/b").status(204)]))
}

fn main() {}
