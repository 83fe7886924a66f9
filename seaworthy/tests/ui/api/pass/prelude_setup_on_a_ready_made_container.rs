// With `use seaworthy::prelude::*`, which brings `Resource` into scope, a ready-made container's
// `setup(&helper)` is its definition's (one argument): `Resource`'s own method is named apart.
use seaworthy::prelude::*;
use seaworthy::{Attachment, BoxFuture};

async fn set_up(
    nginx: &NginxContainer,
    redis: &RedisContainer,
    helper: &DockerHelper,
) -> seaworthy::Result<()> {
    nginx.setup(helper).await?;
    redis.setup(helper).await?;
    ContainerDefinition::setup(nginx, helper).await?;
    nginx.teardown().await?;
    redis.teardown().await?;
    Ok(())
}

// What an implementer writes: nothing of the harness's own bookkeeping.
struct Cache(RedisContainer);

impl Resource for Cache {
    fn setup_attached<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, seaworthy::Result<()>> {
        self.0.setup_attached(helper, attach)
    }

    fn teardown(&self) -> BoxFuture<'_, seaworthy::Result<()>> {
        self.0.teardown()
    }

    fn container(&self) -> Option<&ContainerDefinition> {
        Some(&self.0)
    }
}

async fn use_cache(cache: &Cache, helper: &DockerHelper) -> seaworthy::Result<()> {
    // `Cache` has no `setup` of its own: it is set up through `Resource`, or through its inner part.
    cache.setup_attached(helper, &Attachment::default()).await?;
    cache.0.setup(helper).await
}

fn main() {
    let _ = set_up;
    let _ = use_cache;
}
