//! `seaworthy-sweep [--dry-run]`: removes from an engine what dead seaworthy runs left there,
//! for a CI cleanup job or a cron entry on a shared engine. `seaworthy-sweep --reused
//! [--remove]` lists (removes) the containers and volumes kept between runs (`SEAWORTHY_REUSE`).
//!
//! A run is dead when its process on this host has exited, or, from any host, when its lease on
//! the engine has expired (see the guide's Reliability page). `--dry-run` lists what would be
//! removed and why, and removes nothing. The engine is the one the docker CLI would use
//! (`DOCKER_HOST`, contexts).

fn main() -> std::process::ExitCode {
    seaworthy::sweep_command(std::env::args().skip(1))
}
