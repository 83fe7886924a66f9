//! The running container's methods on the definition: each one fetches the handle (failing
//! with [`ContainerError::NotSetUp`](crate::ContainerError::NotSetUp) before setup) and calls the same method on it.

use std::time::Duration;

use super::ContainerDefinition;
use crate::error::Result;
use crate::exec::{Exec, ExecOutput};
use crate::http::ContainerHttpClient;
use crate::logs::{LogOptions, LogStream};
use crate::matchers::Matcher;
use crate::ports::PublishedPorts;
use crate::ps::{PsRow, PsTree};
use crate::structure::{ImageFiles, ListeningSocket, StructureError};

impl ContainerDefinition {
    /// The container's ports: every exposed port, and where the published ones are reachable.
    pub async fn ports(&self) -> Result<PublishedPorts> {
        self.handle()?.ports().await
    }

    /// The 127.0.0.1 port a container TCP port is published on.
    pub async fn host_port(&self, container_port: u16) -> Result<u16> {
        self.handle()?.host_port(container_port).await
    }

    /// The 127.0.0.1 port a container port of protocol `proto` (`tcp`, `udp`) is published on.
    pub async fn host_port_proto(&self, container_port: u16, proto: &str) -> Result<u16> {
        self.handle()?.host_port_proto(container_port, proto).await
    }

    /// The host port of the numerically lowest published container port (TCP before UDP).
    pub async fn first_host_port(&self) -> Result<u16> {
        self.handle()?.first_host_port().await
    }

    /// An HTTP client for the lowest published port (see [`first_host_port`](Self::first_host_port)).
    ///
    /// Synchronous: it uses the ports read when the container last started. Name the container
    /// port with [`http_client_on`](Self::http_client_on).
    pub fn http_client(&self) -> Result<ContainerHttpClient> {
        self.handle()?.http_client()
    }

    /// An HTTP client for the host port a container TCP port is published on.
    pub async fn http_client_on(&self, container_port: u16) -> Result<ContainerHttpClient> {
        self.handle()?.http_client_on(container_port).await
    }

    /// The container's logs so far, both streams, as text.
    pub async fn logs(&self) -> Result<String> {
        self.handle()?.logs().await
    }

    /// The container's logs with options (streams, tail, timestamps, since).
    pub async fn logs_with(&self, options: LogOptions) -> Result<String> {
        self.handle()?.logs_with(options).await
    }

    /// The last `n` log lines, both streams.
    pub async fn last_log_lines(&self, n: usize) -> Result<Vec<String>> {
        self.handle()?.last_log_lines(n).await
    }

    /// Follows the logs as a stream of lines until the container stops or `timeout` passes (then
    /// the stream yields [`ContainerError::StreamTimeout`](crate::ContainerError::StreamTimeout) and ends).
    pub fn stream_logs(&self, options: LogOptions, timeout: Duration) -> Result<LogStream> {
        Ok(self.handle()?.stream_logs(options, timeout))
    }

    /// Waits until a log line (either stream, from the start of the logs) satisfies `matcher`,
    /// and returns it. Lines are rebuilt per stream and trailing whitespace is trimmed.
    pub async fn wait_for_logs_matching(
        &self,
        matcher: &mut dyn Matcher,
        timeout: Duration,
    ) -> Result<String> {
        self.handle()?
            .wait_for_logs_matching(matcher, timeout)
            .await
    }

    /// Runs a command in the container and collects its exit code and output.
    pub async fn exec<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.handle()?.exec(cmd).await
    }

    /// Runs a command described by an [`Exec`] (user, env, working directory).
    pub async fn exec_with(&self, exec: Exec) -> Result<ExecOutput> {
        self.handle()?.exec_with(exec).await
    }

    /// Runs a command and fails with its output when it exits non-zero.
    pub async fn exec_ok<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.handle()?.exec_ok(cmd).await
    }

    /// Runs a command described by an [`Exec`] and fails with its output when it exits non-zero.
    pub async fn exec_ok_with(&self, exec: Exec) -> Result<ExecOutput> {
        self.handle()?.exec_ok_with(exec).await
    }

    /// The processes in the container, from `ps` run inside it (the container's PID namespace).
    pub async fn processes(&self) -> Result<Vec<PsRow>> {
        self.handle()?.processes().await
    }

    /// The container's processes as a tree rooted at PID 1.
    ///
    /// Commands run with `exec` (by this test or, for a shared container, by another one at the
    /// same moment) also have parent PID 0 inside the container; they and their children are
    /// left out, so the tree is the container's own.
    pub async fn process_tree(&self) -> Result<PsTree> {
        self.handle()?.process_tree().await
    }

    /// The container's filesystem (users, groups, packages with it), read through the archive
    /// API; see [`ContainerHandle::files`](crate::ContainerHandle::files).
    pub async fn files(&self) -> std::result::Result<ImageFiles, StructureError> {
        self.handle()
            .map_err(|e| StructureError::engine(self.name(), e))?
            .files()
            .await
    }

    /// The sockets the container listens on, from the kernel's `/proc/net` tables; see
    /// [`ContainerHandle::listening_sockets`](crate::ContainerHandle::listening_sockets).
    pub async fn listening_sockets(
        &self,
    ) -> std::result::Result<Vec<ListeningSocket>, StructureError> {
        self.handle()
            .map_err(|e| StructureError::engine(self.name(), e))?
            .listening_sockets()
            .await
    }

    /// The listening sockets read by a helper container of `image`; see
    /// [`ContainerHandle::listening_sockets_via`](crate::ContainerHandle::listening_sockets_via).
    pub async fn listening_sockets_via(
        &self,
        image: &str,
    ) -> std::result::Result<Vec<ListeningSocket>, StructureError> {
        self.handle()
            .map_err(|e| StructureError::engine(self.name(), e))?
            .listening_sockets_via(image)
            .await
    }
}
