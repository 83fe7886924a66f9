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
use super::removal::{remove_resource, Removed, ResourceKind};
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
            Some(pid) => !pid_alive(pid),
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
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(filter)
                .build(),
        ))
        .await
        .map_err(|e| Error::docker("list containers", e))?;
    for c in containers {
        let labels = c.labels.unwrap_or_default();
        let Some(id) = c.id else { continue };
        if pred(&labels, &id) {
            let name = c
                .names
                .and_then(|n| n.first().cloned())
                .unwrap_or_else(|| id.clone());
            if remove_resource(docker, ResourceKind::Container, &id).await? {
                removed.push(
                    ResourceKind::Container,
                    name.trim_start_matches('/').to_string(),
                );
            }
        }
    }
    let networks = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::new().filters(filter).build(),
        ))
        .await
        .map_err(|e| Error::docker("list networks", e))?;
    for n in networks {
        let labels = n.labels.unwrap_or_default();
        let Some(id) = n.id else { continue };
        if pred(&labels, &id) && remove_resource(docker, ResourceKind::Network, &id).await? {
            removed.push(ResourceKind::Network, n.name.unwrap_or(id));
        }
    }
    let volumes = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(filter).build(),
        ))
        .await
        .map_err(|e| Error::docker("list volumes", e))?;
    for v in volumes.volumes.unwrap_or_default() {
        if pred(&v.labels, &v.name)
            && remove_resource(docker, ResourceKind::Volume, &v.name).await?
        {
            removed.push(ResourceKind::Volume, v.name);
        }
    }
    Ok(removed)
}
