// The harness's bookkeeping of a resource is not part of `Resource`: an implementation that
// writes it does not compile.
use seaworthy::prelude::*;
use seaworthy::{Attachment, BoxFuture};

struct Mine(ContainerDefinition);

impl Resource for Mine {
    fn setup_attached<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, seaworthy::Result<()>> {
        self.0.setup_attached(helper, attach)
    }

    fn teardown(&self) -> BoxFuture<'_, seaworthy::Result<()>> {
        Resource::teardown(&self.0)
    }

    fn __ids(&self) -> Vec<String> {
        Vec::new()
    }
}

fn main() {}
