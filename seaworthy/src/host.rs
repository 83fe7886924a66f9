//! Facts about this machine and its processes that the cleanup layer, the engine discovery and
//! the helper all need: the host name (labels, finding the test's own container) and whether a
//! process is alive (sweeping the runs of dead processes).

/// This machine's host name, `unknown` when it cannot be read.
pub(crate) fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or
    // truncates, and we stop at the first NUL.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".to_string();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The value of the `seaworthy.host` label of what this process creates, and the host whose
/// dead runs its sweeps remove: [`hostname`].
///
/// For this project's tests only, `SEAWORTHY_TEST_HOST_LABEL` replaces it: the race tests make
/// dead runs of a host of their own, which no other process on the machine sweeps, so that
/// only the sweeps they start meet them and each sweep's counts are exact.
pub(crate) fn host_label() -> String {
    match std::env::var("SEAWORTHY_TEST_HOST_LABEL") {
        Ok(v) if !v.is_empty() => v,
        _ => hostname(),
    }
}

/// `true` when a process with this PID exists on this host.
pub(crate) fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_pid_max_is_not() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(u32::MAX));
    }

    #[test]
    fn the_host_name_is_read() {
        assert!(!hostname().is_empty());
    }
}
