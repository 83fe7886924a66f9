//! A file lock per image reference, so that parallel test processes (nextest runs one per
//! test) pull an image once: the first takes the lock and pulls, the others wait for the lock
//! and then find the image present.
//!
//! The lock files live in a directory that does not depend on the run
//! (`$TMPDIR/seaworthy-pull-locks/<hash of the reference>`); `flock` locks are released by the
//! kernel when the file is closed, also when a process dies, so a stale file locks nothing.

use std::fs::File;
use std::path::PathBuf;

/// An exclusive lock on one reference, released when dropped.
#[derive(Debug)]
pub(crate) struct PullLock {
    _file: File,
}

/// The directory of the lock files.
pub(crate) fn lock_dir() -> PathBuf {
    std::env::temp_dir().join("seaworthy-pull-locks")
}

/// Waits for, and takes, the lock of `key` (a normalised reference). Blocking: call it from a
/// blocking thread.
pub(crate) fn acquire(key: &str) -> std::io::Result<PullLock> {
    let dir = lock_dir();
    std::fs::create_dir_all(&dir)?;
    let digest = seaworthy_registry::sha256_digest(key.as_bytes());
    let name = digest.trim_start_matches("sha256:");
    let file = crate::file_lock::lock(&dir.join(&name[..name.len().min(24)]))?;
    Ok(PullLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let key = format!("test/lock-{}:latest", std::process::id());
        let first = acquire(&key).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _second = acquire(&key).unwrap();
            tx.send(()).unwrap();
        });
        // The waiter cannot have the lock while we hold it.
        assert!(rx.try_recv().is_err());
        drop(first);
        rx.recv().unwrap();
        waiter.join().unwrap();
    }
}
