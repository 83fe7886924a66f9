//! Leases on the engine: how a run tells every machine that shares its engine that it is alive,
//! in the engine's own time.
//!
//! A run's lease is a tiny volume labelled [`LABEL_LEASE`]`=<run>` and
//! [`LABEL_LEASE_SECONDS`]`=<bound>`. The run renews it every quarter of the bound by creating
//! a new one and removing its previous one; both the test process and its
//! watcher (`cleanup/watcher.rs`) renew. The engine stamps every volume's `CreatedAt` with its own
//! clock, and a sweep compares the newest one with the engine's `SystemTime` (`GET /info`):
//! no client's clock takes part, so machines with skewed clocks judge a lease alike. A lease
//! whose newest volume is older than its bound (plus one second: `CreatedAt` has whole
//! seconds) has expired: its run is gone, and any run on any machine may remove its resources.
//!
//! The bound is the holder's, carried on the lease itself, so a sweep never judges a run by
//! another run's setting. It is 60 s unless `SEAWORTHY_LEASE_SECONDS` says otherwise (from 2 to
//! 3600; the project's tests use a few seconds).

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::ListVolumesOptionsBuilder;
use bollard::Docker;

use super::labels::label_filter;

/// The label of a lease volume: the run it is the lease of.
pub const LABEL_LEASE: &str = "seaworthy.lease";
/// The label of a lease volume: its bound in seconds, within which its holder renews it.
pub const LABEL_LEASE_SECONDS: &str = "seaworthy.lease.seconds";

/// The bound when `SEAWORTHY_LEASE_SECONDS` is not set.
pub const DEFAULT_LEASE_SECONDS: u64 = 60;

/// This process's lease bound: `SEAWORTHY_LEASE_SECONDS` (2 to 3600), else 60.
pub(crate) fn seconds() -> u64 {
    std::env::var("SEAWORTHY_LEASE_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| s.clamp(2, 3600))
        .unwrap_or(DEFAULT_LEASE_SECONDS)
}

/// How often a holder renews a lease of `seconds`: four times per bound.
pub(crate) fn renew_every(seconds: u64) -> Duration {
    Duration::from_millis(seconds * 250)
}

/// The Docker name of one renewal of `run`'s lease (`tag` tells the renewals apart).
pub(crate) fn volume_name(run: &str, tag: &str) -> String {
    format!("seaworthy-lease-{run}-{tag}")
}

/// Creates one renewal of `run`'s lease.
pub(crate) async fn create(
    docker: &Docker,
    run: &str,
    tag: &str,
    seconds: u64,
) -> Result<String, bollard::errors::Error> {
    let name = volume_name(run, tag);
    let request = VolumeCreateRequest {
        name: Some(name.clone()),
        labels: Some(HashMap::from([
            (LABEL_LEASE.to_string(), run.to_string()),
            (LABEL_LEASE_SECONDS.to_string(), seconds.to_string()),
        ])),
        ..Default::default()
    };
    docker.create_volume(request).await.map(|_| name)
}

/// Takes `run`'s lease (its first renewal is on the engine when this returns) and renews it
/// from a task on the library's runtime for as long as the process lives. A failed renewal
/// (the engine away) is tried again at the next one.
pub(crate) async fn hold(docker: Docker, run: String, seconds: u64) -> crate::error::Result<()> {
    let first = create(&docker, &run, "p1", seconds)
        .await
        .map_err(|e| crate::error::Error::docker(format!("take the run's lease `{run}`"), e))?;
    crate::runtime::handle().spawn(async move {
        let mut previous = first;
        for n in 2u64.. {
            tokio::time::sleep(renew_every(seconds)).await;
            match create(&docker, &run, &format!("p{n}"), seconds).await {
                Ok(name) => {
                    let old = std::mem::replace(&mut previous, name);
                    let _ = docker
                        .remove_volume(&old, None::<bollard::query_parameters::RemoveVolumeOptions>)
                        .await;
                }
                Err(e) => tracing::debug!(target: "seaworthy", run, "lease renewal: {e}"),
            }
        }
    });
    Ok(())
}

/// One run's lease as the engine holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunLease {
    /// When it was last renewed: the newest volume's `CreatedAt`, Unix seconds of the engine.
    pub(crate) renewed: i64,
    /// Its bound, in seconds.
    pub(crate) seconds: u64,
    /// Its volumes' names.
    pub(crate) volumes: Vec<String>,
}

/// What the lease of a run says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Renewed within its bound (or the engine's time is unknown): the run is alive.
    Live,
    /// Not renewed for `for_s` seconds, past its bound of `seconds`.
    Expired { for_s: i64, seconds: u64 },
    /// The run has no lease on the engine (made by a version without leases, or its lease was
    /// removed by hand): leases say nothing about it.
    Absent,
}

/// Every lease on an engine, and the engine's time when they were read.
#[derive(Debug, Default)]
pub(crate) struct Leases {
    /// The engine's `SystemTime`, Unix seconds; `None` when the engine does not say (then no
    /// lease counts as expired).
    pub(crate) now: Option<i64>,
    pub(crate) runs: HashMap<String, RunLease>,
}

impl Leases {
    /// Reads the engine's time, then the leases: a renewal made in between only looks younger,
    /// never older, than it is.
    pub(crate) async fn read(docker: &Docker) -> Result<Leases, bollard::errors::Error> {
        let now = docker
            .info()
            .await?
            .system_time
            .and_then(|t| crate::resume::parse_rfc3339(&t))
            .map(|(s, _)| s);
        let volumes = docker
            .list_volumes(Some(
                ListVolumesOptionsBuilder::new()
                    .filters(&label_filter(LABEL_LEASE))
                    .build(),
            ))
            .await?;
        let mut runs: HashMap<String, RunLease> = HashMap::new();
        for v in volumes.volumes.unwrap_or_default() {
            let (Some(run), Some(created)) = (
                v.labels.get(LABEL_LEASE),
                created_at(&v)
                    .as_deref()
                    .and_then(crate::resume::parse_rfc3339),
            ) else {
                continue;
            };
            let seconds = v
                .labels
                .get(LABEL_LEASE_SECONDS)
                .and_then(|s| s.parse().ok())
                .unwrap_or(DEFAULT_LEASE_SECONDS);
            let lease = runs.entry(run.clone()).or_insert(RunLease {
                renewed: created.0,
                seconds,
                volumes: Vec::new(),
            });
            if created.0 >= lease.renewed {
                lease.renewed = created.0;
                lease.seconds = seconds;
            }
            lease.volumes.push(v.name);
        }
        Ok(Leases { now, runs })
    }

    /// What `run`'s lease says.
    pub(crate) fn standing(&self, run: &str) -> Standing {
        match (self.runs.get(run), self.now) {
            (None, _) => Standing::Absent,
            (Some(lease), Some(now)) => judge(lease, now),
            (Some(_), None) => Standing::Live,
        }
    }
}

/// `lease` at the engine time `now`: expired once more than its bound (and the second
/// `CreatedAt` rounds away) has passed since its last renewal.
pub(crate) fn judge(lease: &RunLease, now: i64) -> Standing {
    let age = now - lease.renewed;
    if age > lease.seconds as i64 + 1 {
        Standing::Expired {
            for_s: age,
            seconds: lease.seconds,
        }
    } else {
        Standing::Live
    }
}

/// Removes lease volumes (once their run's resources are gone). Failures are left to a later
/// sweep: an expired lease without resources is removed by the next one.
pub(crate) async fn remove(docker: &Docker, volumes: &[String]) {
    for v in volumes {
        if let Err(e) = docker
            .remove_volume(v, None::<bollard::query_parameters::RemoveVolumeOptions>)
            .await
        {
            tracing::debug!(target: "seaworthy", volume = v, "remove a lease: {e}");
        }
    }
}

/// A volume's `CreatedAt` as the engine wrote it (RFC 3339), whichever type bollard gives the
/// field: a string, or `OffsetDateTime` when another crate of the build turns on bollard's
/// `time` feature (feature unification), which serializes back to the same text.
fn created_at(v: &bollard::models::Volume) -> Option<String> {
    let json = serde_json::to_value(v).ok()?;
    json.get("CreatedAt")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(renewed: i64, seconds: u64) -> RunLease {
        RunLease {
            renewed,
            seconds,
            volumes: vec!["v".into()],
        }
    }

    #[test]
    fn a_lease_expires_only_past_its_bound_and_the_rounding_second() {
        assert_eq!(judge(&lease(1000, 60), 1000), Standing::Live);
        assert_eq!(judge(&lease(1000, 60), 1061), Standing::Live);
        assert_eq!(
            judge(&lease(1000, 60), 1062),
            Standing::Expired {
                for_s: 62,
                seconds: 60
            }
        );
        // A renewal stamped after the engine's "now" (read before it) is live.
        assert_eq!(judge(&lease(1000, 3), 990), Standing::Live);
    }

    #[test]
    fn without_the_engine_time_no_lease_expires_and_a_missing_one_is_absent() {
        let leases = Leases {
            now: None,
            runs: HashMap::from([("r1".to_string(), lease(0, 2))]),
        };
        assert_eq!(leases.standing("r1"), Standing::Live);
        assert_eq!(leases.standing("r2"), Standing::Absent);
    }

    #[test]
    fn renewals_come_four_times_per_bound() {
        assert_eq!(renew_every(60), Duration::from_secs(15));
        assert_eq!(renew_every(2), Duration::from_millis(500));
        assert_eq!(volume_name("ab12", "p3"), "seaworthy-lease-ab12-p3");
    }
}
