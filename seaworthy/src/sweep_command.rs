//! The `seaworthy-sweep` command: removes from an engine what dead seaworthy runs left there,
//! for a CI cleanup job or a cron entry on a shared engine (`src/bin/seaworthy-sweep.rs` is its
//! `main`).

use std::process::ExitCode;

use crate::DockerHelper;

const USAGE: &str = "\
usage: seaworthy-sweep [--dry-run]
       seaworthy-sweep --reused [--remove]

Removes the containers, networks and volumes that dead seaworthy runs left on the engine the
docker CLI would use: runs whose process on this host has exited, and runs on any host whose
lease on the engine has expired. Kept resources (SEAWORTHY_KEEP) and resources kept for reuse
stay.

  -n, --dry-run   list what would be removed and why; remove nothing
  --reused        list the containers and volumes kept between runs (SEAWORTHY_REUSE=1)
  --remove        with --reused: remove them, whether reuse is on or off
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
    let (mut dry_run, mut reused, mut remove) = (false, false, false);
    for arg in args {
        match arg.as_str() {
            "-n" | "--dry-run" => dry_run = true,
            "--reused" => reused = true,
            "--remove" => remove = true,
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
    if remove && !reused {
        eprint!("seaworthy-sweep: `--remove` goes with `--reused`\n{USAGE}");
        return ExitCode::from(2);
    }
    crate::runtime::block_on(async move {
        let helper = match DockerHelper::connect().await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("seaworthy-sweep: {e}");
                return ExitCode::from(1);
            }
        };
        if reused {
            return reused_command(&helper, remove).await;
        }
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
        report(helper.sweep().await, "removed", "nothing to remove")
    })
}

/// Prints each resource of `result` as `<verb> <kind> <name>` (`none` when there is none) and
/// returns the exit status.
fn report(result: crate::Result<crate::helper::Removed>, verb: &str, none: &str) -> ExitCode {
    match result {
        Ok(found) => {
            for (kind, names) in [
                ("container", &found.containers),
                ("network", &found.networks),
                ("volume", &found.volumes),
            ] {
                for name in names {
                    println!("{verb} {kind} {name}");
                }
            }
            if found.total() == 0 {
                println!("{none}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("seaworthy-sweep: {e}");
            ExitCode::from(1)
        }
    }
}

/// `--reused [--remove]`: lists (or removes) every resource kept between runs.
async fn reused_command(helper: &DockerHelper, remove: bool) -> ExitCode {
    let docker = helper.docker().clone();
    let found =
        crate::runtime::run(async move { crate::cleanup::sweep::reused(&docker, !remove).await })
            .await;
    let verb = if remove { "removed" } else { "reused" };
    report(found, verb, "no reused containers or volumes")
}
