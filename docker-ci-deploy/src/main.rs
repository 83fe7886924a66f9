//! `dcd`: tag a Docker image with every tag its version implies and push them.

use std::process::ExitCode;

fn main() -> ExitCode {
    docker_ci_deploy::exit_status(docker_ci_deploy::main_impl())
}
