//! Listing a running container's processes through its handle.

use super::tree::own_processes;
use super::{build_process_tree, parse_ps_output, PsRow, PsTree, PS_COMMAND};
use crate::error::Result;
use crate::handle::ContainerHandle;

impl ContainerHandle {
    /// The processes in the container, from `ps` run inside it (the container's PID namespace).
    pub async fn processes(&self) -> Result<Vec<PsRow>> {
        let out = self.exec_ok(PS_COMMAND).await?;
        Ok(parse_ps_output(&out.stdout_str())?)
    }

    /// The container's processes as a tree rooted at PID 1.
    ///
    /// Commands run with `exec` (by this test or, for a shared container, by another one at the
    /// same moment) also have parent PID 0 inside the container; they and their children are
    /// left out, so the tree is the container's own.
    pub async fn process_tree(&self) -> Result<PsTree> {
        let rows = own_processes(self.processes().await?);
        Ok(build_process_tree(&rows)?)
    }
}
