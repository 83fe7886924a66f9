//! Sweeps: removing every labelled resource a selection picks, containers first (they hold the
//! networks and volumes), then networks, then volumes.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
};
use bollard::Docker;

use super::kept;
use super::labels::{label_filter, LABEL_HOST, LABEL_PID, LABEL_RUN};
use super::removal::{removal_action, remove_resource, Removed, ResourceKind};
use crate::engine::retry::retrying;
use crate::error::{Error, Result};
use crate::host::pid_alive;
use crate::runtime;

/// Removes everything labelled by seaworthy on `host` whose creating process is gone, except
/// what some run kept; the kept-list forgets resources that no longer exist.
pub(crate) async fn sweep_dead_runs(docker: &Docker, host: &str, own_run: &str) -> Result<Removed> {
    let kept_ids = runtime::run_blocking(kept::kept_by_any_run).await;
    let seen = Mutex::new(HashSet::new());
    let stale = |labels: &HashMap<String, String>, id: &str| -> bool {
        if kept_ids.contains(id) {
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.to_string());
            return false;
        }
        if labels.get(LABEL_RUN).map(String::as_str) == Some(own_run) {
            return false;
        }
        if labels.get(LABEL_HOST).map(String::as_str) != Some(host) {
            return false;
        }
        match labels.get(LABEL_PID).and_then(|p| p.parse::<u32>().ok()) {
            // A run marks what it keeps before it exits: once its process is seen dead, a marker
            // written after `kept_ids` was read is on disk (one `stat`, asked only then).
            Some(pid) => !pid_alive(pid) && !kept::is_marked(id),
            None => false,
        }
    };
    let removed = sweep_matching(docker, LABEL_RUN, stale).await?;
    // Only markers read before the listing: one written since belongs to a resource this sweep
    // may not have seen.
    let seen = seen.into_inner().unwrap_or_else(|p| p.into_inner());
    let gone: Vec<String> = kept_ids.difference(&seen).cloned().collect();
    if !gone.is_empty() {
        runtime::run_blocking(move || kept::forget(&gone)).await;
    }
    Ok(removed)
}

/// Removes everything of the run `run_id` except what `kept` says to keep.
pub(crate) async fn sweep_run(
    docker: &Docker,
    run_id: &str,
    kept: impl Fn(&str) -> bool,
) -> Result<Removed> {
    let filter = format!("{LABEL_RUN}={run_id}");
    sweep_matching(docker, &filter, |_, id| !kept(id)).await
}

/// Removes everything carrying all of `labels` (`key=value`).
pub(crate) async fn sweep_labels(docker: &Docker, labels: &[&str]) -> Result<Removed> {
    let filter = HashMap::from([(
        "label".to_string(),
        labels.iter().map(|l| l.to_string()).collect(),
    )]);
    sweep_filtered(docker, &filter, |_, _| true).await
}

/// Removes containers, then networks, then volumes carrying `label` that `pred` selects.
async fn sweep_matching(
    docker: &Docker,
    label: &str,
    pred: impl Fn(&HashMap<String, String>, &str) -> bool,
) -> Result<Removed> {
    sweep_filtered(docker, &label_filter(label), pred).await
}

/// Removes containers, then networks, then volumes that `filter` lists and `pred` selects.
async fn sweep_filtered(
    docker: &Docker,
    filter: &HashMap<String, Vec<String>>,
    pred: impl Fn(&HashMap<String, String>, &str) -> bool,
) -> Result<Removed> {
    let mut removed = Removed::default();
    // Listing is a read: retried when the connection breaks.
    let containers = retrying(|_| {
        crate::engine::compat::list_containers(
            docker,
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(filter)
                .build(),
        )
    })
    .await
    .map_err(|f| Error::docker("list containers", f.error))?;
    for c in containers {
        let labels = c.labels.unwrap_or_default();
        let Some(id) = c.id else { continue };
        if pred(&labels, &id) {
            let name = c
                .names
                .and_then(|n| n.first().cloned())
                .unwrap_or_else(|| id.clone());
            let name = name.trim_start_matches('/').to_string();
            if remove(docker, ResourceKind::Container, &id, &name).await? {
                removed.push(ResourceKind::Container, name);
            }
        }
    }
    let networks = retrying(|_| {
        docker.list_networks(Some(
            ListNetworksOptionsBuilder::new().filters(filter).build(),
        ))
    })
    .await
    .map_err(|f| Error::docker("list networks", f.error))?;
    for n in networks {
        let labels = n.labels.unwrap_or_default();
        let Some(id) = n.id else { continue };
        let name = n.name.unwrap_or_else(|| id.clone());
        if pred(&labels, &id) && remove(docker, ResourceKind::Network, &id, &name).await? {
            removed.push(ResourceKind::Network, name);
        }
    }
    let volumes = retrying(|_| {
        docker.list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(filter).build(),
        ))
    })
    .await
    .map_err(|f| Error::docker("list volumes", f.error))?;
    for v in volumes.volumes.unwrap_or_default() {
        if pred(&v.labels, &v.name)
            && remove(docker, ResourceKind::Volume, &v.name, &v.name).await?
        {
            removed.push(ResourceKind::Volume, v.name);
        }
    }
    Ok(removed)
}

/// [`remove_resource`], its error naming the resource by its Docker name.
async fn remove(docker: &Docker, kind: ResourceKind, id: &str, name: &str) -> Result<bool> {
    remove_resource(docker, kind, id)
        .await
        .map_err(|f| Error::docker(removal_action(kind, name), f.error))
}
