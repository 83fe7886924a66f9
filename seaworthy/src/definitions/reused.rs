//! The names and labels of resources kept between runs (`SEAWORTHY_REUSE`), for containers
//! and volumes alike.

use std::collections::HashMap;

use crate::cleanup::labels::{LABEL_REUSE, LABEL_REUSE_KEY};
use crate::helper::DockerHelper;

/// The Docker name and labels of a resource defined as `name` kept between runs, whose
/// definition (with the helper's reuse identity) hashes to `hash`:
/// `<namespace>_<fixture or name>_r<hash's first 12>`, and the helper's labels plus
/// [`LABEL_REUSE`]`=<hash>` and [`LABEL_REUSE_KEY`] (the hash of the identity alone).
pub(crate) fn reused_name_and_labels(
    helper: &DockerHelper,
    name: &str,
    hash: &str,
) -> (String, HashMap<String, String>) {
    let docker_name = format!(
        "{}_{}_r{}",
        helper.namespace(),
        helper.fixture().unwrap_or(name),
        &hash[..12.min(hash.len())]
    );
    let mut labels = helper.labels(name);
    labels.insert(LABEL_REUSE.to_string(), hash.to_string());
    if let Some(key) = helper.reuse_key() {
        labels.insert(LABEL_REUSE_KEY.to_string(), key);
    }
    (docker_name, labels)
}
