//! `docker-ci-deploy` (the same program as `dcd`): tag a Docker image with every tag its version implies and push them.

use std::process::ExitCode;

fn main() -> ExitCode {
    match docker_ci_deploy::main_impl() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error.display_to_stderr();
            ExitCode::from(u8::try_from(error.process_exit_code()).unwrap_or(1))
        }
    }
}
