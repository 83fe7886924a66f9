//! The shell-less image the structure tests use, built once per process.

use seaworthy::structure::ImageStructure;
use seaworthy::{DockerHelper, ImageDefinition};

/// Built from test-images/structure-scratch (kept as a cache, like every test image).
pub(crate) const SCRATCH: &str = "seaworthy-test/structure-scratch:latest";

/// A fresh helper and the scratch image, built when missing or out of date.
pub(crate) async fn scratch() -> (DockerHelper, ImageStructure) {
    static BUILT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let helper = DockerHelper::connect().await.unwrap();
    BUILT
        .get_or_init(|| async {
            let image = ImageDefinition::build(
                SCRATCH,
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../test-images/structure-scratch"
                ),
            );
            image.setup(&helper).await.unwrap();
        })
        .await;
    let image = ImageStructure::inspect(&helper, SCRATCH).await.unwrap();
    (helper, image)
}
