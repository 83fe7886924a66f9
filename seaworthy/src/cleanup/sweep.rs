//! Sweeps: removing every labelled resource a selection picks, containers first (they hold the
//! networks and volumes), then networks, then volumes.
//!
//! A sweep of dead runs ([`sweep_dead_runs`]) takes each run's [claim](super::claim) first and
//! leaves alone a run someone else is cleaning up. Every sweep removes a network that still has
//! endpoints by taking the containers off it (shared containers of live runs join the networks
//! of the tests that use them), and waits briefly for endpoints and volumes whose containers
//! are being removed: only what is still there after that is an error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use bollard::models::NetworkDisconnectRequest;
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
};
use bollard::Docker;

use super::claim::{self, Claim};
use super::kept;
use super::labels::{label_filter, LABEL_HOST, LABEL_PID, LABEL_REUSE, LABEL_REUSE_KEY, LABEL_RUN};
use super::lease::{self, judge, Leases, Standing};
use super::removal::{left_behind, removal_action, remove_resource, Removed, ResourceKind};
use crate::engine::retry::{retrying, Failed};
use crate::error::{Error, Result};
use crate::host::pid_alive;
use crate::runtime;

/// The waits before the next attempt at removing a network or volume still in use: about four
/// seconds in all, the time a container's removal by another process may take on a busy
/// machine.
const IN_USE_BACKOFF: [Duration; 7] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(600),
    Duration::from_millis(800),
    Duration::from_millis(1000),
    Duration::from_millis(1000),
];

/// What a sweep removes, and why: a resource of a dead run, or an expired lease with nothing
/// else left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// `container`, `network` or `volume`.
    pub kind: &'static str,
    /// Its Docker name.
    pub name: String,
    /// The run it belongs to (its `seaworthy.run`, or the run a lease volume is of).
    pub run: String,
    /// Why the sweep holds its run dead.
    pub reason: String,
}

/// What a sweep of dead runs found: the resources to remove, the expired leases, and the kept
/// markers of resources that no longer exist.
struct Plan {
    listed: Listed,
    /// Per dead run, its lease volumes (removed once its resources are gone) and why.
    leases: BTreeMap<String, (Vec<String>, String)>,
    forget: Vec<String>,
}

/// Why `labels` (of a resource of another run) belong to a dead run, if they do: its process
/// on this host has exited (the host-local rule), or, on any host, its run's lease on the
/// engine has expired. Resources kept for reuse are never a lease's to remove.
fn dead(labels: &HashMap<String, String>, id: &str, host: &str, leases: &Leases) -> Option<String> {
    let run = labels.get(LABEL_RUN)?;
    if labels.get(LABEL_HOST).map(String::as_str) == Some(host) {
        let pid = labels.get(LABEL_PID).and_then(|p| p.parse::<u32>().ok())?;
        // A run marks what it keeps before it exits: once its process is seen dead, a marker
        // written after the kept IDs were read is on disk (one `stat`, asked only then).
        return (!pid_alive(pid) && !kept::is_marked(id))
            .then(|| format!("its process {pid} on this host ({host}) has exited"));
    }
    if labels.contains_key(LABEL_REUSE) {
        return None;
    }
    match leases.standing(run) {
        Standing::Expired { for_s, seconds } => Some(expired(for_s, seconds)),
        Standing::Live | Standing::Absent => None,
    }
}

fn expired(for_s: i64, seconds: u64) -> String {
    format!(
        "its run's lease on the engine was last renewed {for_s} s ago (engine time), past its \
         bound of {seconds} s"
    )
}

/// Finds what dead runs left (see [`dead`]), except what some run kept.
async fn plan(docker: &Docker, host: &str, own_run: &str) -> Result<Plan> {
    let kept_ids = runtime::run_blocking(kept::kept_by_any_run).await;
    // Without the leases (an engine that cannot list them), only the host-local rule applies.
    let leases = match Leases::read(docker).await {
        Ok(l) => l,
        Err(e) => {
            tracing::debug!(target: "seaworthy", "read the leases: {e}");
            Leases::default()
        }
    };
    let seen = Mutex::new(HashSet::new());
    let stale = |labels: &HashMap<String, String>, id: &str| -> Option<String> {
        if kept_ids.contains(id) {
            crate::sync::lock(&seen).insert(id.to_string());
            return None;
        }
        if labels.get(LABEL_RUN).map(String::as_str) == Some(own_run) {
            return None;
        }
        dead(labels, id, host, &leases)
    };
    let listed = list(docker, &label_filter(LABEL_RUN), stale).await?;
    // Only markers read before the listing: one written since belongs to a resource this sweep
    // may not have seen.
    let seen = seen.into_inner().unwrap_or_else(|p| p.into_inner());
    let forget: Vec<String> = kept_ids.difference(&seen).cloned().collect();
    let mut dead_runs: BTreeMap<String, String> = BTreeMap::new();
    for f in listed
        .containers
        .iter()
        .chain(&listed.networks)
        .chain(&listed.volumes)
    {
        dead_runs
            .entry(f.run.clone())
            .or_insert_with(|| f.why.clone());
    }
    let mut lease_volumes = BTreeMap::new();
    for (run, lease) in &leases.runs {
        if run == own_run {
            continue;
        }
        let why = match (dead_runs.get(run), leases.now.map(|now| judge(lease, now))) {
            (Some(why), _) => why.clone(),
            (None, Some(Standing::Expired { for_s, seconds })) => format!(
                "an expired lease (last renewed {for_s} s ago, past its bound of {seconds} s) \
                 whose run left nothing else"
            ),
            _ => continue,
        };
        lease_volumes.insert(run.clone(), (lease.volumes.clone(), why));
    }
    Ok(Plan {
        listed,
        leases: lease_volumes,
        forget,
    })
}

/// What [`sweep_dead_runs`] would remove now, and why; removes nothing.
pub(crate) async fn dead_runs_leftovers(
    docker: &Docker,
    host: &str,
    own_run: &str,
) -> Result<Vec<Leftover>> {
    let plan = plan(docker, host, own_run).await?;
    let mut out = Vec::new();
    for (kind, found) in [
        (ResourceKind::Container, &plan.listed.containers),
        (ResourceKind::Network, &plan.listed.networks),
        (ResourceKind::Volume, &plan.listed.volumes),
    ] {
        out.extend(found.iter().map(|f| Leftover {
            kind: kind.as_str(),
            name: f.name.clone(),
            run: f.run.clone(),
            reason: f.why.clone(),
        }));
    }
    for (run, (volumes, why)) in plan.leases {
        out.extend(volumes.into_iter().map(|name| Leftover {
            kind: ResourceKind::Volume.as_str(),
            name,
            run: run.clone(),
            reason: format!("the lease of a dead run: {why}"),
        }));
    }
    Ok(out)
}

/// Removes everything labelled by seaworthy whose run is dead (see [`dead`]: its process on
/// `host` is gone, or its lease on the engine expired), except what some run kept; then the
/// leases of the dead runs whose resources are all gone. The kept-list forgets resources that
/// no longer exist.
///
/// A run whose cleanup someone else has [claimed](super::claim) (its exiting process, its
/// watcher, another sweep) is theirs: the sweep waits up to `wait` for them to finish (then
/// removes whatever they left), and leaves the run alone if they have not by then.
pub(crate) async fn sweep_dead_runs(
    docker: &Docker,
    host: &str,
    own_run: &str,
    wait: Duration,
) -> Result<Removed> {
    let Plan {
        listed,
        mut leases,
        forget,
    } = plan(docker, host, own_run).await?;
    if !forget.is_empty() {
        runtime::run_blocking(move || kept::forget(&forget)).await;
    }
    let mut removed = Removed::default();
    let mut failed = Vec::new();
    for (run, of_run) in listed.by_run() {
        let held = match claim_within(run.clone(), wait).await {
            // Its exiting process, its watcher or another sweep is removing it: theirs to do.
            Claim::Busy => {
                leases.remove(&run);
                continue;
            }
            Claim::Held(held) => Some(held),
            Claim::Unavailable => None,
        };
        let (r, f) = remove_listed(docker, of_run).await;
        merge(&mut removed, r);
        if !f.is_empty() {
            // Its lease stays: the next sweep tries again.
            leases.remove(&run);
        }
        failed.extend(f);
        if let Some(held) = held {
            runtime::run_blocking(move || held.release()).await;
        }
    }
    // A volume of one dead run may be mounted by a container of another (a volume kept for
    // reuse, used by a container a later run made), removed later in the loop: once more now.
    let mut still = Vec::new();
    for (kind, name, f) in failed {
        if kind != ResourceKind::Volume {
            still.push((kind, name, f));
            continue;
        }
        match remove_resource(docker, kind, &name).await {
            Ok(_) => removed.push(kind, name),
            Err(f) => still.push((kind, name, f)),
        }
    }
    for (volumes, _) in leases.values() {
        lease::remove(docker, volumes).await;
    }
    runtime::run_blocking(|| claim::tidy(claim::LITTER_AGE)).await;
    finish(removed, still)
}

/// Claims `run`, trying again every 100 ms for up to `wait` while someone else holds it.
async fn claim_within(run: String, wait: Duration) -> Claim {
    let start = std::time::Instant::now();
    loop {
        let r = run.clone();
        match runtime::run_blocking(move || claim::try_hold(&r)).await {
            Claim::Busy if start.elapsed() < wait => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            claim => return claim,
        }
    }
}

/// Removes everything of the run `run_id` except what `kept` says to keep.
pub(crate) async fn sweep_run(
    docker: &Docker,
    run_id: &str,
    kept: impl Fn(&str) -> bool,
) -> Result<Removed> {
    let filter = format!("{LABEL_RUN}={run_id}");
    let listed = list(docker, &label_filter(&filter), |_, id| {
        (!kept(id)).then(String::new)
    })
    .await?;
    let (removed, failed) = remove_listed(docker, listed).await;
    finish(removed, failed)
}

/// Removes everything carrying all of `labels` (`key=value`).
pub(crate) async fn sweep_labels(docker: &Docker, labels: &[&str]) -> Result<Removed> {
    let filter = HashMap::from([(
        "label".to_string(),
        labels.iter().map(|l| l.to_string()).collect(),
    )]);
    let listed = list(docker, &filter, |_, _| Some(String::new())).await?;
    let (removed, failed) = remove_listed(docker, listed).await;
    finish(removed, failed)
}

/// The resources kept for reuse (labelled [`LABEL_REUSE`]) that also carry all of `labels`
/// and that `keep` does not keep, whether reuse is on or off: removed, or with `dry_run` only
/// listed (in the answer either way).
pub(crate) async fn sweep_reused(
    docker: &Docker,
    labels: &[String],
    keep: impl Fn(&HashMap<String, String>) -> bool,
    dry_run: bool,
) -> Result<Removed> {
    let mut all = vec![LABEL_REUSE.to_string()];
    all.extend(labels.iter().cloned());
    let filter = HashMap::from([("label".to_string(), all)]);
    let listed = list_with(docker, &filter, false, |l, _| (!keep(l)).then(String::new)).await?;
    if dry_run {
        let mut found = Removed::default();
        for (kind, list) in [
            (ResourceKind::Container, &listed.containers),
            (ResourceKind::Network, &listed.networks),
            (ResourceKind::Volume, &listed.volumes),
        ] {
            for f in list {
                found.push(kind, f.name.clone());
            }
        }
        return Ok(found);
    }
    let (removed, failed) = remove_listed(docker, listed).await;
    finish(removed, failed)
}

/// Removes the resources kept for reuse that stand for the same thing (`key`, the value of
/// [`LABEL_REUSE_KEY`]) as the one whose definition hashes to `hash`, but with another
/// definition: they are replaced by it.
pub(crate) async fn remove_replaced(docker: &Docker, key: &str, hash: &str) -> Result<Removed> {
    let labels = [format!("{LABEL_REUSE_KEY}={key}")];
    sweep_reused(
        docker,
        &labels,
        |l| l.get(LABEL_REUSE).map(String::as_str) == Some(hash),
        false,
    )
    .await
}

/// Every resource kept for reuse on the engine, whether reuse is on or off: removed, or with
/// `dry_run` only listed (`seaworthy-sweep --reused`).
pub(crate) async fn reused(docker: &Docker, dry_run: bool) -> Result<Removed> {
    sweep_reused(docker, &[], |_| false, dry_run).await
}

/// One listed resource: its run (the [`LABEL_RUN`] value), ID and Docker name, and why it was
/// selected.
#[derive(Debug, Clone)]
struct Found {
    run: String,
    id: String,
    name: String,
    why: String,
}

/// What a sweep is to remove, per kind.
#[derive(Debug, Default)]
struct Listed {
    containers: Vec<Found>,
    networks: Vec<Found>,
    volumes: Vec<Found>,
}

impl Listed {
    fn kind(&mut self, kind: ResourceKind) -> &mut Vec<Found> {
        match kind {
            ResourceKind::Container => &mut self.containers,
            ResourceKind::Network => &mut self.networks,
            ResourceKind::Volume => &mut self.volumes,
        }
    }

    /// The resources of each run, runs in a stable order.
    fn by_run(self) -> BTreeMap<String, Listed> {
        let mut runs: BTreeMap<String, Listed> = BTreeMap::new();
        for (kind, found) in [
            (ResourceKind::Container, self.containers),
            (ResourceKind::Network, self.networks),
            (ResourceKind::Volume, self.volumes),
        ] {
            for f in found {
                runs.entry(f.run.clone()).or_default().kind(kind).push(f);
            }
        }
        runs
    }
}

/// Whether a resource with `labels` stays because reuse is on and it is a reused one.
fn kept_for_reuse(reuse: bool, labels: &HashMap<String, String>) -> bool {
    reuse && labels.contains_key(LABEL_REUSE)
}

/// Lists the containers, networks and volumes that `filter` lists and `pred` selects, leaving
/// out, while reuse is on, those labelled [`LABEL_REUSE`].
async fn list(
    docker: &Docker,
    filter: &HashMap<String, Vec<String>>,
    pred: impl Fn(&HashMap<String, String>, &str) -> Option<String>,
) -> Result<Listed> {
    list_with(docker, filter, true, pred).await
}

/// [`list`]; with `honour_reuse` false, resources kept for reuse are listed too.
async fn list_with(
    docker: &Docker,
    filter: &HashMap<String, Vec<String>>,
    honour_reuse: bool,
    pred: impl Fn(&HashMap<String, String>, &str) -> Option<String>,
) -> Result<Listed> {
    let reuse = honour_reuse && super::reuse::reuse_on();
    let pred = |labels: &HashMap<String, String>, id: &str| {
        if kept_for_reuse(reuse, labels) {
            None
        } else {
            pred(labels, id)
        }
    };
    let run_of =
        |labels: &HashMap<String, String>| labels.get(LABEL_RUN).cloned().unwrap_or_default();
    let mut listed = Listed::default();
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
        if let Some(why) = pred(&labels, &id) {
            let name = c
                .names
                .and_then(|n| n.first().cloned())
                .unwrap_or_else(|| id.clone());
            let name = name.trim_start_matches('/').to_string();
            let run = run_of(&labels);
            listed.containers.push(Found { run, id, name, why });
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
        if let Some(why) = pred(&labels, &id) {
            let name = n.name.unwrap_or_else(|| id.clone());
            let run = run_of(&labels);
            listed.networks.push(Found { run, id, name, why });
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
        if let Some(why) = pred(&v.labels, &v.name) {
            let run = run_of(&v.labels);
            listed.volumes.push(Found {
                run,
                id: v.name.clone(),
                name: v.name,
                why,
            });
        }
    }
    Ok(listed)
}

/// A removal that failed: what, and why.
type Failure = (ResourceKind, String, Failed);

/// Removes containers, then networks, then volumes; goes on past a failure, so that one
/// stubborn resource does not leave the rest.
async fn remove_listed(docker: &Docker, listed: Listed) -> (Removed, Vec<Failure>) {
    let mut removed = Removed::default();
    let mut failed = Vec::new();
    for (kind, found) in [
        (ResourceKind::Container, listed.containers),
        (ResourceKind::Network, listed.networks),
        (ResourceKind::Volume, listed.volumes),
    ] {
        for f in found {
            match remove_when_free(docker, kind, &f.id).await {
                Ok(true) => removed.push(kind, f.name),
                Ok(false) => {}
                Err(e) => failed.push((kind, f.name, e)),
            }
        }
    }
    (removed, failed)
}

/// [`remove_resource`]; a network that still has endpoints is first taken off its containers,
/// and a network or volume still in use is tried again a little later (the containers holding
/// it may be on their way out: removed by another process, or by this sweep a moment ago).
async fn remove_when_free(
    docker: &Docker,
    kind: ResourceKind,
    id: &str,
) -> std::result::Result<bool, Failed> {
    let mut waits = IN_USE_BACKOFF.iter();
    loop {
        let failed = match remove_resource(docker, kind, id).await {
            Err(f) if in_use(kind, &f.error) => f,
            done => return done,
        };
        let Some(wait) = waits.next() else {
            return Err(failed);
        };
        if kind == ResourceKind::Network {
            disconnect_all(docker, id).await;
        }
        tokio::time::sleep(*wait).await;
    }
}

/// `true` when the engine refused a removal because the resource is still in use: a network
/// with active endpoints (403), a volume in use (409).
fn in_use(kind: ResourceKind, e: &bollard::errors::Error) -> bool {
    let bollard::errors::Error::DockerResponseServerError {
        status_code,
        message,
    } = e
    else {
        return false;
    };
    match kind {
        ResourceKind::Network => {
            (*status_code == 403 || *status_code == 409) && message.contains("active endpoints")
        }
        ResourceKind::Volume => *status_code == 409 && message.contains("in use"),
        ResourceKind::Container => false,
    }
}

/// Takes every container still attached to the network `id` off it (forcibly). Failures are
/// left to the next removal attempt to report.
async fn disconnect_all(docker: &Docker, id: &str) {
    let Ok(network) = docker
        .inspect_network(id, None::<bollard::query_parameters::InspectNetworkOptions>)
        .await
    else {
        return;
    };
    for container in network.containers.unwrap_or_default().into_keys() {
        let request = NetworkDisconnectRequest {
            container,
            force: Some(true),
        };
        if let Err(e) = docker.disconnect_network(id, request).await {
            tracing::debug!(target: "seaworthy", network = id, "disconnect before removal: {e}");
        }
    }
}

fn merge(into: &mut Removed, from: Removed) {
    into.containers.extend(from.containers);
    into.networks.extend(from.networks);
    into.volumes.extend(from.volumes);
}

/// What a sweep removed, or, when some removal failed, an error naming the first failure and
/// everything left.
fn finish(removed: Removed, failed: Vec<Failure>) -> Result<Removed> {
    let mut failed = failed.into_iter();
    let Some((kind, name, first)) = failed.next() else {
        return Ok(removed);
    };
    let mut left = vec![(kind, name.clone())];
    left.extend(failed.map(|(k, n, _)| (k, n)));
    Err(left_behind(
        Error::docker(removal_action(kind, &name), first.error),
        left,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_resources_stay_only_while_reuse_is_on() {
        let reused = HashMap::from([
            (LABEL_RUN.to_string(), "r1".to_string()),
            (LABEL_REUSE.to_string(), "3f2a".to_string()),
        ]);
        let plain = HashMap::from([(LABEL_RUN.to_string(), "r1".to_string())]);
        assert!(kept_for_reuse(true, &reused));
        assert!(!kept_for_reuse(false, &reused));
        assert!(!kept_for_reuse(true, &plain));
        assert!(!kept_for_reuse(false, &plain));
    }
}
