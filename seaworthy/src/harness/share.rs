//! Sharing fixture instances across the test processes of one run.
//!
//! A *run* is one invocation of `cargo nextest run` or `cargo test`, known by its runner: the
//! test process's parent, when that is `cargo-nextest` (whose `NEXTEST_RUN_ID` names the run)
//! or `cargo`. Its shared instances live in a run directory,
//! `$TMPDIR/seaworthy/<engine>/<run>/`, one set of files per instance and fixture:
//!
//! - `<slot>.lock`: held (`flock`) by the process that sets the value up, so that the others
//!   wait for it; the kernel releases it if that process is killed, and the next one recovers.
//! - `<slot>.json`: the record: what the value's resource created (the others
//!   [adopt](super::resource::Tracked::adopt_created) it), or the setup failure (the others fail at once with
//!   it).
//! - `<slot>.clean`: held by a test from cleaning the value for `#[clean]` until it ends.
//!
//! The resources carry the run's ID and the runner's PID (not the creating process's), so the
//! per-process cleanup leaves them alone. A run watcher, started once per run by the first
//! process that creates a shared value, waits for the runner to exit (however it ends) and
//! removes the run's resources and its directory.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use once_cell::sync::Lazy;

use super::resource::Created;
use crate::cleanup::watcher;
use crate::console;
use crate::error::HarnessError;
use crate::error::{Error, Result};
use crate::file_lock;
use crate::helper::{DockerHelper, ResourceKind, SharedOwner};
use crate::runtime;

/// Env var: `0` (or `off`, `false`, `no`) turns sharing across processes off.
pub(crate) const ENV_SHARE: &str = "SEAWORTHY_SHARE";

/// The run this process belongs to.
#[derive(Debug)]
pub(crate) struct Run {
    /// Short and unique: the value of the resources' `seaworthy.run` label.
    pub(crate) id: String,
    /// The runner's PID.
    pub(crate) runner: u32,
    /// The runner's start time (clock ticks after boot), so a reused PID is not mistaken for it.
    runner_start: String,
    /// `true` under cargo-nextest, where every test is a process.
    pub(crate) nextest: bool,
}

static RUN: Lazy<Option<Run>> = Lazy::new(|| {
    let env = |k: &str| std::env::var(k).ok();
    detect(
        env(ENV_SHARE).as_deref(),
        env("NEXTEST_RUN_ID").as_deref(),
        std::os::unix::process::parent_id(),
    )
});

/// The run this process belongs to, when sharing applies.
pub(crate) fn run() -> Option<&'static Run> {
    RUN.as_ref()
}

/// `true` when `SEAWORTHY_SHARE` turns sharing off. Unknown values are warned about and mean on.
fn turned_off(share: Option<&str>) -> bool {
    match share.map(str::trim) {
        None | Some("") | Some("1") | Some("on") | Some("true") | Some("yes") => false,
        Some("0") | Some("off") | Some("false") | Some("no") => true,
        Some(v) => {
            console::warn(format!(
                "ignoring {ENV_SHARE}=`{v}`: the accepted values are `0` (off) and `1` (on)"
            ));
            false
        }
    }
}

fn detect(share: Option<&str>, nextest_run: Option<&str>, parent: u32) -> Option<Run> {
    if turned_off(share) {
        return None;
    }
    let comm = std::fs::read_to_string(format!("/proc/{parent}/comm")).ok()?;
    let nextest = match comm.trim() {
        "cargo-nextest" => true,
        "cargo" => false,
        _ => return None,
    };
    let runner_start = start_time(parent)?;
    let seed = match (nextest, nextest_run) {
        (true, Some(id)) => id.to_string(),
        (true, None) => return None,
        (false, _) => format!("cargo {parent} {runner_start}"),
    };
    Some(Run {
        id: format!(
            "{}-{}",
            if nextest { "nx" } else { "cg" },
            &hex(&seed)[..10]
        ),
        runner: parent,
        runner_start,
        nextest,
    })
}

/// The start time of process `pid` (field 22 of `/proc/<pid>/stat`); `None` once it has ended.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    if fields.next()? == "Z" {
        return None; // Ended; only its exit status is left.
    }
    fields.nth(18).map(str::to_string)
}

/// A stable 16-digit hex digest (FNV-1a; only ever compared with itself).
fn hex(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Run {
    /// `true` while the runner process is the one this run started with.
    pub(crate) fn runner_alive(&self) -> bool {
        start_time(self.runner).as_deref() == Some(self.runner_start.as_str())
    }

    /// The run's directory for the engine at `address`.
    fn dir(&self, address: &str) -> PathBuf {
        std::env::temp_dir()
            .join("seaworthy")
            .join(&hex(address)[..12])
            .join(&self.id)
    }

    /// What the lifecycle lines call it.
    pub(crate) fn describe(&self) -> String {
        let runner = if self.nextest {
            "cargo-nextest"
        } else {
            "cargo"
        };
        format!("run {} ({runner}, pid {})", self.id, self.runner)
    }
}

/// A scope instance shared by the processes of a run.
#[derive(Debug)]
pub(crate) struct SharedScope {
    pub(crate) run: &'static Run,
    /// `module:<binary>:<path>`, `binary:<binary>` or `run`.
    key: String,
}

impl SharedScope {
    /// The instance `key` (made unique to the test binary by the caller) of the current run.
    pub(crate) fn new(run: &'static Run, key: String) -> Arc<SharedScope> {
        Arc::new(SharedScope { run, key })
    }

    /// The files of `fixture` in this instance, for the engine at `address`.
    pub(crate) fn slot(&self, address: &str, fixture: &str) -> Slot {
        let name = format!("{}-{fixture}", &hex(&self.key)[..12]);
        Slot {
            run: self.run,
            dir: self.run.dir(address),
            name,
        }
    }
}

/// The current test binary, for instance keys: module paths repeat across binaries.
pub(crate) fn binary_key() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    hex(&exe.to_string_lossy())[..12].to_string()
}

/// The files of one fixture of one shared instance.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    run: &'static Run,
    dir: PathBuf,
    /// `<instance digest>-<fixture>`, the value of `seaworthy.shared`.
    pub(crate) name: String,
}

/// What the record of a shared value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record {
    /// Set up: what its resource created.
    Ready(Vec<Created>),
    /// Its setup failed: the fixture chain below it (if any) and the message.
    Failed {
        chain: Option<String>,
        message: String,
    },
}

impl Record {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Record::Ready(created) => serde_json::json!({
                "state": "ready",
                "created": created.iter().map(|c| serde_json::json!({
                    "kind": c.kind.as_str(), "id": c.id, "name": c.name,
                })).collect::<Vec<_>>(),
            }),
            Record::Failed { chain, message } => serde_json::json!({
                "state": "failed", "chain": chain, "message": message,
            }),
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<Record> {
        let text = |v: &serde_json::Value, k: &str| v.get(k)?.as_str().map(str::to_string);
        match v.get("state")?.as_str()? {
            "ready" => {
                let mut created = Vec::new();
                for c in v.get("created")?.as_array()? {
                    let kind = match c.get("kind")?.as_str()? {
                        "container" => ResourceKind::Container,
                        "network" => ResourceKind::Network,
                        "volume" => ResourceKind::Volume,
                        _ => return None,
                    };
                    created.push(Created {
                        kind,
                        id: text(c, "id")?,
                        name: text(c, "name")?,
                    });
                }
                Some(Record::Ready(created))
            }
            "failed" => Some(Record::Failed {
                chain: text(v, "chain"),
                message: text(v, "message")?,
            }),
            _ => None,
        }
    }

    /// The record of a failed setup.
    pub(crate) fn failure(e: &Error) -> Record {
        match e {
            Error::Fixture { chain, source } => Record::Failed {
                chain: Some(chain.clone()),
                message: source.to_string(),
            },
            e => Record::Failed {
                chain: None,
                message: e.to_string(),
            },
        }
    }

    /// The error a recorded failure fails the tests of later processes with.
    pub(crate) fn error(chain: Option<String>, message: String, run: &Run) -> Error {
        let source = Error::from(HarnessError::SharedSetupFailed {
            message,
            run: run.describe(),
        });
        match chain {
            Some(chain) => Error::Fixture {
                chain,
                source: Arc::new(source),
            },
            None => source,
        }
    }
}

/// Holds a slot's lock: its record can be read and written. Dropping it unlocks.
pub(crate) struct Claim {
    slot: Slot,
    _lock: File,
}

fn in_dir(dir: &Path, e: std::io::Error) -> Error {
    Error::Io {
        action: format!("use the shared-fixture directory `{}`", dir.display()),
        source: e,
    }
}

impl Slot {
    fn path(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.name))
    }

    /// Waits for the slot's lock (another process may be setting the value up).
    pub(crate) async fn claim(&self) -> Result<Claim> {
        let slot = self.clone();
        runtime::run_blocking(move || {
            std::fs::create_dir_all(&slot.dir).map_err(|e| in_dir(&slot.dir, e))?;
            let lock = file_lock::lock(&slot.path("lock")).map_err(|e| in_dir(&slot.dir, e))?;
            Ok(Claim { slot, _lock: lock })
        })
        .await
    }

    /// Waits for exclusive use of the value (`#[clean]`): held until the returned file closes.
    pub(crate) async fn exclusive(&self) -> Result<File> {
        let slot = self.clone();
        runtime::run_blocking(move || {
            std::fs::create_dir_all(&slot.dir).map_err(|e| in_dir(&slot.dir, e))?;
            file_lock::lock(&slot.path("clean")).map_err(|e| in_dir(&slot.dir, e))
        })
        .await
    }

    /// The run, as the lifecycle lines say it.
    pub(crate) fn run_name(&self) -> String {
        self.run.describe()
    }

    /// Who owns the resources created for this slot.
    pub(crate) fn owner(&self) -> SharedOwner {
        SharedOwner {
            run: self.run.id.clone(),
            pid: self.run.runner,
            instance: self.name.clone(),
        }
    }
}

impl Claim {
    /// The slot's record, if a process wrote one.
    pub(crate) fn read(&self) -> Option<Record> {
        let text = std::fs::read_to_string(self.slot.path("json")).ok()?;
        Record::from_json(&serde_json::from_str(&text).ok()?)
    }

    /// Writes the record (atomically: a killed writer leaves none).
    pub(crate) fn write(&self, record: &Record) -> Result<()> {
        let tmp = self.slot.path("json.tmp");
        let dir = &self.slot.dir;
        let mut f = File::create(&tmp).map_err(|e| in_dir(dir, e))?;
        f.write_all(record.to_json().to_string().as_bytes())
            .map_err(|e| in_dir(dir, e))?;
        std::fs::rename(&tmp, self.slot.path("json")).map_err(|e| in_dir(dir, e))
    }

    /// Before a (new) setup: checks the run is still going, makes sure the run watcher is
    /// running, and removes what a killed earlier attempt left.
    pub(crate) async fn prepare(&self, helper: &DockerHelper) -> Result<()> {
        let run = self.slot.run;
        if !run.runner_alive() {
            return Err(Error::from(HarnessError::SharedRunEnded {
                run: run.describe(),
            }));
        }
        let dir = self.slot.dir.clone();
        let engine = helper.engine().clone();
        runtime::run_blocking(move || start_run_watcher(run, &dir, &engine)).await?;
        let label = format!("{}={}", crate::helper::LABEL_SHARED, self.slot.name);
        let docker = helper.docker().clone();
        let run_label = format!("{}={}", crate::helper::LABEL_RUN, run.id);
        let removed = runtime::run(async move {
            crate::cleanup::sweep::sweep_labels(&docker, &[&run_label, &label]).await
        })
        .await?;
        if let Some(counts) = removed.counts() {
            console::line(format!(
                "removed {counts} an interrupted setup of shared `{}` left",
                self.slot.name
            ));
        }
        Ok(())
    }
}

/// Starts the run watcher unless a process of the run already did. Blocking.
fn start_run_watcher(run: &Run, dir: &Path, engine: &crate::engine::Engine) -> Result<()> {
    let _lock = file_lock::lock(&dir.join("run.lock")).map_err(|e| in_dir(dir, e))?;
    let marker = dir.join("watcher");
    if marker.exists() {
        return Ok(());
    }
    watcher::spawn_run_watcher(&run.id, run.runner, &run.runner_start, dir, engine)?;
    std::fs::write(&marker, b"").map_err(|e| in_dir(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharing_is_turned_off_by_zero_and_its_synonyms_only() {
        for v in ["0", "off", "false", "no", " 0 "] {
            assert!(turned_off(Some(v)), "{v}");
        }
        for v in ["1", "on", "", "yes"] {
            assert!(!turned_off(Some(v)), "{v}");
        }
        assert!(!turned_off(None));
    }

    #[test]
    fn a_process_whose_parent_is_no_runner_has_no_run() {
        // This test's parent is cargo, cargo-nextest or a shell; pid 1 is none of them.
        assert!(detect(None, Some("x"), 1).is_none());
        assert!(detect(Some("0"), Some("x"), std::os::unix::process::parent_id()).is_none());
    }

    #[test]
    fn the_start_time_of_this_process_is_read_and_stable() {
        let me = std::process::id();
        let t = start_time(me).expect("own start time");
        assert!(t.parse::<u64>().is_ok(), "{t}");
        assert_eq!(start_time(me), Some(t));
        assert_eq!(start_time(u32::MAX), None);
    }

    #[test]
    fn records_round_trip_through_json() {
        let ready = Record::Ready(vec![Created {
            kind: ResourceKind::Container,
            id: "abc".into(),
            name: "test_db_1".into(),
        }]);
        let failed = Record::Failed {
            chain: Some("db -> net".into()),
            message: "boom".into(),
        };
        for r in [ready, failed, Record::Ready(vec![])] {
            assert_eq!(Record::from_json(&r.to_json()), Some(r));
        }
        assert_eq!(Record::from_json(&serde_json::json!({"state": "?"})), None);
    }

    #[test]
    fn digests_are_stable_and_distinct() {
        assert_eq!(hex("a"), hex("a"));
        assert_ne!(hex("a"), hex("b"));
        assert_eq!(hex("a").len(), 16);
    }
}
