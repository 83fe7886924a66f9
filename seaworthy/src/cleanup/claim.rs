//! Who is cleaning up a run, visible to every process on this host: one lock file per run,
//! `$TMPDIR/seaworthy-cleanup/<run>`, locked with `flock` by whoever may still remove that
//! run's resources.
//!
//! - A test process locks its own run's file before it starts its cleanup watcher (a separate
//!   process, started by the fixture harness), which inherits the descriptor: the lock is held while
//!   the process *or* its watcher is alive, so after a kill it stays held while the watcher
//!   removes what the process left. The watcher deletes the file when it is done.
//! - The run watcher of a shared run holds its run's file the same way.
//! - A sweep that found a dead run's leftovers locks the run's file (creating it) before it
//!   removes anything, and deletes it when done.
//!
//! A sweep that finds the file locked leaves that run alone: someone is removing its resources
//! (an exiting process, a watcher, another sweep), and a removal racing theirs fails for
//! reasons that are not failures ("already in progress", "has active endpoints"). The kernel
//! releases a lock when its last holder dies, so a killed cleaner never blocks the next sweep.
//!
//! The functions block (file system): call them from a blocking context.

use std::fs::File;
use std::os::unix::io::{AsRawFd, RawFd};
use std::path::PathBuf;

/// Where the runs' lock files are.
pub(crate) fn dir() -> PathBuf {
    std::env::temp_dir().join("seaworthy-cleanup")
}

/// The lock file of `run`; `None` for a value that is no file name (not one of ours).
pub(crate) fn path(run: &str) -> Option<PathBuf> {
    let ours = !run.is_empty()
        && run.len() <= 64
        && run
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ours.then(|| dir().join(run))
}

/// A run's lock, held until dropped (or [released](Held::release)).
#[derive(Debug)]
pub(crate) struct Held {
    file: File,
    path: PathBuf,
}

impl Held {
    /// The locked descriptor, for a watcher to inherit.
    pub(crate) fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// The lock file's path.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The cleanup is done: deletes the file, then unlocks. A process that opened the file
    /// before it was deleted gets the lock of a finished cleanup and finds nothing left to do.
    pub(crate) fn release(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// What [`try_hold`] found.
#[derive(Debug)]
pub(crate) enum Claim {
    /// The lock is ours.
    Held(Held),
    /// Someone else holds it: the run's cleanup is under way.
    Busy,
    /// No lock can be had (the directory cannot be written, or `run` is not one of ours): no
    /// coordination, as before this file existed.
    Unavailable,
}

/// Locks `run`'s file (creating it) without waiting.
pub(crate) fn try_hold(run: &str) -> Claim {
    let Some(path) = path(run) else {
        return Claim::Unavailable;
    };
    if std::fs::create_dir_all(dir()).is_err() {
        return Claim::Unavailable;
    }
    match crate::file_lock::try_lock(&path) {
        Ok(Some(file)) => Claim::Held(Held { file, path }),
        Ok(None) => Claim::Busy,
        Err(_) => Claim::Unavailable,
    }
}

/// How old an unlocked claim file must be before [`tidy`] deletes it.
pub(crate) const LITTER_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Deletes the claim files that nobody holds and that are older than `age`: left by a cleaner
/// that ended before it could delete its file (a watcher killed with SIGKILL). A file is
/// locked the moment it is created, so an old unlocked one is nobody's.
pub(crate) fn tidy(age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|a| a > age);
        if !old {
            continue;
        }
        if let Claim::Held(held) = try_hold(&entry.file_name().to_string_lossy()) {
            held.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique(name: &str) -> String {
        format!("claim-test-{name}-{}", std::process::id())
    }

    #[test]
    fn a_held_run_is_busy_for_another_holder_and_free_once_released() {
        let run = unique("busy");
        let Claim::Held(first) = try_hold(&run) else {
            panic!("the first claim holds the lock")
        };
        // Another open file description: what another process would get.
        assert!(matches!(try_hold(&run), Claim::Busy));
        let path = first.path().to_path_buf();
        first.release();
        assert!(!path.exists());
        let Claim::Held(again) = try_hold(&run) else {
            panic!("free once released")
        };
        again.release();
    }

    #[test]
    fn a_dropped_claim_unlocks_without_deleting() {
        let run = unique("drop");
        let Claim::Held(first) = try_hold(&run) else {
            panic!("held")
        };
        let path = first.path().to_path_buf();
        drop(first);
        assert!(path.exists());
        let Claim::Held(again) = try_hold(&run) else {
            panic!("free once dropped")
        };
        again.release();
    }

    #[test]
    fn tidy_deletes_old_unlocked_files_only() {
        let (litter, held, new) = (unique("litter"), unique("held"), unique("new"));
        let age = std::time::Duration::from_secs(3600);
        let long_ago = std::time::SystemTime::now() - 2 * age;
        for run in [&litter, &held, &new] {
            let Claim::Held(h) = try_hold(run) else {
                panic!("held")
            };
            if run != &new {
                File::options()
                    .write(true)
                    .open(h.path())
                    .and_then(|f| f.set_modified(long_ago))
                    .unwrap();
            }
            if run == &held {
                // Held (in this process) while tidy runs.
                std::mem::forget(h);
            }
        }
        tidy(age);
        assert!(path(&litter).is_some_and(|p| !p.exists()));
        assert!(path(&held).is_some_and(|p| p.exists()));
        assert!(path(&new).is_some_and(|p| p.exists()));
        for run in [&held, &new] {
            let _ = std::fs::remove_file(path(run).unwrap_or_default());
        }
    }

    #[test]
    fn only_run_ids_name_a_file() {
        assert!(path("0badf00d").is_some());
        assert!(path("nx-0123456789").is_some());
        for bad in ["", "..", "a/b", "a b", &"x".repeat(65)] {
            assert!(path(bad).is_none(), "{bad}");
        }
        assert!(matches!(try_hold("a/b"), Claim::Unavailable));
    }
}
