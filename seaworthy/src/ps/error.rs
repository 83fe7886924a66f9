//! [`PsError`]: why a process list could not be read or arranged into a tree (a leaf, wrapped
//! by `seaworthy::Error`).

/// Why a process list could not be read or arranged into a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PsError {
    /// The output has no header line (it is empty or blank).
    #[error(
        "read `ps` output: it is empty\n\
         (hint: does the image have a `ps` that understands `ps ax -o pid,ppid,ruser,args`?)"
    )]
    MissingHeader,
    /// The header is not that of the four columns asked for (`PID PPID RUSER COMMAND`).
    #[error(
        "read `ps` output: unexpected header `{header}`, expected `PID PPID RUSER COMMAND`\n\
         (hint: does the image have a `ps` that understands `ps ax -o pid,ppid,ruser,args`?)"
    )]
    Header {
        /// The header line.
        header: String,
    },
    /// A line does not start with a numeric pid and ppid followed by a user.
    #[error("parse `ps` output line `{line}`: expected `PID PPID RUSER ARGS`")]
    Parse {
        /// The offending line.
        line: String,
    },
    /// No process has ppid 0.
    #[error("no process tree root (ppid=0) found")]
    NoRoot,
    /// More than one process has ppid 0.
    #[error("too many process tree roots (ppid=0) found: {}", join_pids(.pids))]
    TooManyRoots {
        /// The pids of the processes with ppid 0, in input order.
        pids: Vec<u32>,
    },
    /// Two processes have the same pid.
    #[error("duplicate pid found: {pid}")]
    DuplicatePid {
        /// The first pid seen twice.
        pid: u32,
    },
    /// Some processes cannot be reached from the root by following parents.
    #[error("unreachable processes detected: {}", join_pids(.pids))]
    Unreachable {
        /// The pids of the unreachable processes, in input order.
        pids: Vec<u32>,
    },
}

fn join_pids(pids: &[u32]) -> String {
    pids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
