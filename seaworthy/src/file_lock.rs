//! Exclusive `flock` locks on files, the one way this crate coordinates processes on a host
//! (pulls of one image, shared fixtures, a run's cleanup). The kernel releases a lock when the
//! last descriptor of it closes, also when its process dies, so a stale file locks nothing.
//!
//! The functions block (file system, and [`lock`] waits): call them from a blocking context.

use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// Opens `path`, creating it (never truncating), and waits for its exclusive lock.
pub(crate) fn lock(path: &Path) -> std::io::Result<File> {
    let file = open(path)?;
    flock(&file, libc::LOCK_EX)?;
    Ok(file)
}

/// Opens `path` like [`lock`] and takes its lock only if it is free: `Ok(None)` when another
/// descriptor holds it.
pub(crate) fn try_lock(path: &Path) -> std::io::Result<Option<File>> {
    let file = open(path)?;
    match flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
        Ok(()) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// `flock(file, operation)`, again after a signal interrupts it.
fn flock(file: &File, operation: libc::c_int) -> std::io::Result<()> {
    loop {
        // SAFETY: the descriptor belongs to `file`, which outlives the call; flock has no
        // memory effects.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_busy_for_another_descriptor_and_free_once_dropped() {
        let path = std::env::temp_dir().join(format!("seaworthy-file-lock-{}", std::process::id()));
        let held = lock(&path).unwrap();
        assert!(try_lock(&path).unwrap().is_none());
        drop(held);
        assert!(try_lock(&path).unwrap().is_some());
        std::fs::remove_file(&path).unwrap();
    }
}
