//! Containers kept between runs (`SEAWORTHY_REUSE`): the hash of what defines one, the
//! replacement of those another definition made, and attaching to one another run made.
//!
//! The container's Docker name is made from the hash, so the engine is the arbiter between
//! concurrent runs (on one host or several sharing the engine): the first create wins, the
//! others get a name conflict and attach to the winner's container.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::models::ContainerCreateBody;

use super::ContainerDefinition;
use crate::cell::CellGuard;
use crate::cleanup::labels::{LABEL_HOST, LABEL_PID, LABEL_REUSE, LABEL_RUN};
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::helper::DockerHelper;
use crate::runtime;

/// How often an attaching run looks whether the winner of the create has started the
/// container.
const POLL: Duration = Duration::from_millis(100);

/// `labels` without those that differ from run to run (the run, its PID and host).
pub(super) fn stable_labels(mut labels: HashMap<String, String>) -> HashMap<String, String> {
    for l in [LABEL_RUN, LABEL_PID, LABEL_HOST] {
        labels.remove(l);
    }
    labels
}

/// A JSON value as text with every object's keys sorted (a label map's order is not stable).
fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::from(k.as_str()),
                        canonical(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// The hash of everything that defines a reused container: its identity (scope, fixture,
/// dependencies), the image's ID, the create request (stable labels only) and `more`.
pub(super) fn definition_hash(
    identity: &str,
    image_id: &str,
    body: &ContainerCreateBody,
    more: &[&str],
) -> String {
    let body = serde_json::to_value(body)
        .map(|v| canonical(&v))
        .unwrap_or_default();
    let mut parts = vec![identity, image_id, body.as_str()];
    parts.extend_from_slice(more);
    crate::cleanup::reuse::digest(parts)
}

/// Removes the reused containers of `key` another definition made (this one hashes to
/// `hash`): they are replaced. A failure is a warning: the old container only costs room.
pub(super) async fn replace_others(helper: &DockerHelper, key: &str, hash: &str) {
    let (docker, key, hash) = (helper.docker().clone(), key.to_string(), hash.to_string());
    let removed =
        runtime::run(
            async move { crate::cleanup::sweep::remove_replaced(&docker, &key, &hash).await },
        )
        .await;
    let fixture = helper.fixture().unwrap_or("a fixture");
    match removed {
        Ok(removed) => {
            for name in removed.containers {
                crate::console::line(format!(
                    "removed container {name} ({fixture}): reused, its definition changed"
                ));
            }
        }
        Err(e) => crate::console::warn(format!(
            "could not remove the reused containers of `{fixture}` its changed definition \
             replaces: {e}; `seaworthy-sweep --reused --remove` removes every reused container"
        )),
    }
}

impl ContainerDefinition {
    /// Takes on the reused container `docker_name` (its definition hashing to `hash`) another
    /// run made: waits until that run has started it, starts it if it had stopped (the engine
    /// restarted), and stores its handle in the cell held by `guard`.
    pub(super) async fn attach_reused(
        &self,
        guard: &CellGuard<'_, ContainerHandle>,
        helper: &DockerHelper,
        docker_name: &str,
        hash: &str,
    ) -> Result<ContainerHandle> {
        let not_running = || {
            Error::from(ContainerError::ContainerNotRunning {
                container: docker_name.to_string(),
            })
        };
        let deadline = Instant::now() + self.config.wait_timeout;
        let inspect = loop {
            // The engine reserves the name before the winner's container is listed: a moment
            // after the conflict it may not be found yet.
            let docker = helper.docker().clone();
            let name = docker_name.to_string();
            let found = runtime::run(async move {
                crate::engine::compat::inspect_container(&docker, &name).await
            })
            .await;
            match found {
                Ok(inspect) => break inspect,
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) if Instant::now() < deadline => tokio::time::sleep(POLL).await,
                Err(e) => {
                    return Err(Error::docker(
                        format!("inspect reused container `{docker_name}`"),
                        e,
                    ))
                }
            }
        };
        let labels = inspect.config.as_ref().and_then(|c| c.labels.as_ref());
        if labels.and_then(|l| l.get(LABEL_REUSE)).map(String::as_str) != Some(hash) {
            return Err(Error::from(ContainerError::NameConflict {
                kind: "container",
                name: docker_name.to_string(),
            }));
        }
        let id = inspect.id.clone().ok_or_else(not_running)?;
        let handle = ContainerHandle::new(id, docker_name.to_string(), helper.clone());
        handle.set_reused();
        guard.set(handle.clone());
        // The run that made it copies files and joins networks before it starts it.
        let mut status = inspect.state.and_then(|s| s.status);
        loop {
            use bollard::models::ContainerStateStatusEnum as S;
            match status {
                Some(S::RUNNING) => break,
                Some(S::EXITED | S::DEAD) => {
                    if handle.start().await.is_err() && !running(&handle).await? {
                        return Err(not_running());
                    }
                    break;
                }
                _ if Instant::now() >= deadline => return Err(not_running()),
                _ => {
                    tokio::time::sleep(POLL).await;
                    status = handle.inspect().await?.state.and_then(|s| s.status);
                }
            }
        }
        handle.refresh_ports().await?;
        Ok(handle)
    }
}

/// Whether the container is running now (another run may have started it first).
async fn running(handle: &ContainerHandle) -> Result<bool> {
    Ok(handle
        .inspect()
        .await?
        .state
        .and_then(|s| s.running)
        .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_ignores_label_order_and_run_labels() {
        let labels = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let one = stable_labels(labels(&[
            ("a", "1"),
            ("b", "2"),
            (LABEL_RUN, "r1"),
            (LABEL_PID, "1"),
        ]));
        let two = stable_labels(labels(&[("b", "2"), (LABEL_RUN, "r2"), ("a", "1")]));
        let body = |l: HashMap<String, String>| ContainerCreateBody {
            image: Some("img".into()),
            labels: Some(l),
            ..Default::default()
        };
        let hash = |b: &ContainerCreateBody| definition_hash("m / f", "sha256:1", b, &[]);
        assert_eq!(hash(&body(one.clone())), hash(&body(two)));
        let mut changed = one.clone();
        changed.insert("a".into(), "3".into());
        assert_ne!(hash(&body(one.clone())), hash(&body(changed)));
        assert_ne!(
            hash(&body(one.clone())),
            definition_hash("m / g", "sha256:1", &body(one), &[])
        );
    }
}
