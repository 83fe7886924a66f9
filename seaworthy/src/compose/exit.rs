//! Waiting for a one-shot service (`service_completed_successfully`) to exit.

use std::time::Duration;

use super::error::ComposeError;
use crate::definitions::ContainerDefinition;
use crate::error::Result;

/// Waits until the container of `d` has exited (within its readiness timeout): its exit code.
pub(super) async fn wait_exit(d: &ContainerDefinition, waiting: &str) -> Result<i64> {
    let handle = d.handle()?;
    let started = std::time::Instant::now();
    loop {
        let state = handle.inspect().await?.state.unwrap_or_default();
        if state.running != Some(true) && state.restarting != Some(true) {
            return Ok(state.exit_code.unwrap_or(-1));
        }
        if started.elapsed() >= d.get_wait_timeout() {
            return Err(ComposeError::NotCompleted {
                service: waiting.to_string(),
                dependency: d.name().to_string(),
                timeout: d.get_wait_timeout(),
            }
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
