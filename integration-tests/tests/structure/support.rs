//! The images the structure tests use, built once per process from test-images/ (kept as a
//! cache, like every test image).

use seaworthy::structure::{Group, ImageFiles, ImageStructure, User};
use seaworthy::{DockerHelper, ImageDefinition};
use tokio::sync::OnceCell;

/// The shell-less image: the busybox binary alone on scratch (test-images/structure-scratch).
pub(crate) const SCRATCH: &str = "seaworthy-test/structure-scratch:latest";
/// Busybox on scratch with an RPM database written by rpm 4.18 (test-images/structure-rpm).
pub(crate) const RPM: &str = "seaworthy-test/structure-rpm:latest";
/// The local busybox image, with its applets (`sh`, `cat`, …).
pub(crate) const BUSYBOX: &str = "seaworthy-test/busybox:latest";

/// A fresh helper and the scratch image, built when missing or out of date.
pub(crate) async fn scratch() -> (DockerHelper, ImageStructure) {
    static BUILT: OnceCell<()> = OnceCell::const_new();
    built(&BUILT, SCRATCH, "structure-scratch").await
}

/// A fresh helper and the RPM image, built when missing or out of date.
pub(crate) async fn rpm() -> (DockerHelper, ImageStructure) {
    static BUILT: OnceCell<()> = OnceCell::const_new();
    built(&BUILT, RPM, "structure-rpm").await
}

async fn built(cell: &OnceCell<()>, tag: &str, dir: &str) -> (DockerHelper, ImageStructure) {
    let helper = DockerHelper::connect().await.unwrap();
    cell.get_or_init(|| async {
        let context = format!("{}/../test-images/{dir}", env!("CARGO_MANIFEST_DIR"));
        ImageDefinition::build(tag, context)
            .setup(&helper)
            .await
            .unwrap();
    })
    .await;
    let image = ImageStructure::inspect(&helper, tag).await.unwrap();
    (helper, image)
}

/// What the files of `seaworthy-test/postgres:15` hold, as an image or as a running container:
/// asserts that its `postgresql-15` package is a 15.x; its `postgres` user and group.
pub(crate) async fn postgres_15_package_user_and_group(files: &ImageFiles) -> (User, Group) {
    let package = files.package("postgresql-15").await.unwrap().unwrap();
    assert!(package.version.starts_with("15."), "{package:?}");
    let user = files.user("postgres").await.unwrap().unwrap();
    let group = files.group("postgres").await.unwrap().unwrap();
    (user, group)
}
