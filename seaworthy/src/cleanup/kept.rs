//! The kept-list: resources `SEAWORTHY_KEEP` kept, which no cleanup path may remove.
//!
//! Two records: a set in this process (consulted by the exit and signal cleanup) and one empty
//! marker file per resource ID in [`kept_dir`], consulted by later runs' sweeps after this
//! process is gone. The file functions block: call them from a blocking context (see
//! [`runtime::run_blocking`](crate::runtime::run_blocking)).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

use once_cell::sync::Lazy;

static KEPT: Lazy<Mutex<HashSet<String>>> = Lazy::new(Default::default);

/// Marks resources as kept, in this process and for later runs. Blocking (file system).
///
/// Every ID is kept in this process even when its marker file cannot be written; the error
/// (naming the directory) then says that later runs' sweeps do not know about it.
pub(crate) fn keep(ids: &[String]) -> std::io::Result<()> {
    crate::sync::lock(&KEPT).extend(ids.iter().cloned());
    let dir = kept_dir();
    let in_dir =
        |e: std::io::Error| std::io::Error::new(e.kind(), format!("`{}`: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(in_dir)?;
    for id in ids {
        std::fs::write(dir.join(id), b"").map_err(in_dir)?;
    }
    Ok(())
}

/// `true` when this process kept the resource.
pub(crate) fn is_kept(id: &str) -> bool {
    crate::sync::lock(&KEPT).contains(id)
}

/// Where kept resources are listed, one empty file per ID, for later runs' sweeps.
pub(crate) fn kept_dir() -> PathBuf {
    std::env::temp_dir().join("seaworthy-kept")
}

/// The IDs some run (this one or an earlier one) kept. Blocking (file system).
pub(crate) fn kept_by_any_run() -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(kept_dir()) else {
        return HashSet::new();
    };
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// `true` when some run has marked this ID as kept, asked of the file system now. Blocking (one
/// `stat`).
pub(crate) fn is_marked(id: &str) -> bool {
    !id.is_empty() && !id.contains('/') && kept_dir().join(id).exists()
}

/// Deletes the markers of these IDs (resources that no longer exist). Blocking (file system).
pub(crate) fn forget(ids: &[String]) {
    let dir = kept_dir();
    for id in ids.iter().filter(|id| !id.is_empty() && !id.contains('/')) {
        // Already gone (another run pruned it first) is what we wanted.
        let _ = std::fs::remove_file(dir.join(id));
    }
}
