// Build options belong to `ImageBuild`: an existing image is not built.
use seaworthy::ImageDefinition;

fn main() {
    let _ = ImageDefinition::existing("redis:7").build_arg("VERSION", "7");
    let _ = ImageDefinition::existing("redis:7").dockerfile("Dockerfile.dev");
}
