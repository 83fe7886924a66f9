//! The `seaworthy-sweep` command: removes from an engine what dead seaworthy runs left there,
//! for a CI cleanup job or a cron entry on a shared engine (`src/bin/seaworthy-sweep.rs` is its
//! `main`).

use std::process::ExitCode;

use crate::DockerHelper;

const USAGE: &str = "\
usage: seaworthy-sweep [--dry-run]

Removes the containers, networks and volumes that dead seaworthy runs left on the engine the
docker CLI would use: runs whose process on this host has exited, and runs on any host whose
lease on the engine has expired. Kept resources (SEAWORTHY_KEEP) and resources kept for reuse
stay.

  -n, --dry-run   list what would be removed and why; remove nothing
  -h, --help      this text
";

/// The `seaworthy-sweep` command with its arguments (without the program's name): removes what
/// dead runs left on the engine the docker CLI would use, or with `--dry-run` lists it and why.
/// It prints to stdout (errors to stderr) and returns the exit status.
///
/// ```no_run
/// let status = seaworthy::sweep_command(["--dry-run".to_string()]);
/// # let _ = status;
/// ```
pub fn sweep_command(args: impl IntoIterator<Item = String>) -> ExitCode {
    let mut dry_run = false;
    for arg in args {
        match arg.as_str() {
            "-n" | "--dry-run" => dry_run = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprint!("seaworthy-sweep: unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    crate::runtime::block_on(async move {
        let helper = match DockerHelper::connect().await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("seaworthy-sweep: {e}");
                return ExitCode::from(1);
            }
        };
        if dry_run {
            match helper.leftovers().await {
                Ok(found) if found.is_empty() => println!("nothing to remove"),
                Ok(found) => {
                    for l in found {
                        println!(
                            "would remove {} {} (run {}): {}",
                            l.kind, l.name, l.run, l.reason
                        );
                    }
                }
                Err(e) => {
                    eprintln!("seaworthy-sweep: {e}");
                    return ExitCode::from(1);
                }
            }
            return ExitCode::SUCCESS;
        }
        match helper.sweep().await {
            Ok(removed) => {
                for (kind, names) in [
                    ("container", &removed.containers),
                    ("network", &removed.networks),
                    ("volume", &removed.volumes),
                ] {
                    for name in names {
                        println!("removed {kind} {name}");
                    }
                }
                if removed.total() == 0 {
                    println!("nothing to remove");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("seaworthy-sweep: {e}");
                ExitCode::from(1)
            }
        }
    })
}
