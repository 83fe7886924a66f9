//! A container definition's lifecycle: create, start, wait for readiness, stop, remove.
//!
//! The definition owns the lifecycle; the [`ContainerHandle`] it creates is shared by its
//! clones through a [`SharedCell`](crate::cell::SharedCell), so concurrent setups of clones
//! create one container.

use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateResponse, ContainerInspectResponse};
use bollard::query_parameters::CreateContainerOptionsBuilder;

use super::{Attachment, ContainerDefinition};
use crate::cell::CellGuard;
use crate::cleanup::labels::LABEL_RUN;
use crate::engine::create::create_once;
use crate::engine::retry::{self, Failed};
use crate::error::{ContainerError, ImageError};
use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::helper::{DockerHelper, ResourceKind};
use crate::runtime;
use crate::status::ContainerStatus;

/// The container named `name` if this run created it (its `seaworthy.run` label is `run`), as
/// the create's answer; `None` when there is none.
async fn created_by_run(
    docker: &bollard::Docker,
    name: &str,
    run: &str,
) -> std::result::Result<Option<ContainerCreateResponse>, bollard::errors::Error> {
    match crate::engine::compat::inspect_container(docker, name).await {
        Ok(c) => {
            let ours = c
                .config
                .and_then(|c| c.labels)
                .is_some_and(|l| l.get(LABEL_RUN).map(String::as_str) == Some(run));
            Ok(ours.then(|| ContainerCreateResponse {
                id: c.id.unwrap_or_default(),
                warnings: Vec::new(),
            }))
        }
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl ContainerDefinition {
    /// Creates, starts and waits for readiness; does nothing if already created.
    ///
    /// Clones share the container: concurrent setups of clones create it once, and the others
    /// wait until the first one's setup has finished. If readiness fails the container is left
    /// in place (to be inspected) and the error carries its last log lines;
    /// [`teardown`](Self::teardown) removes it (a later `setup` does nothing until then).
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.setup_attached(helper, &Attachment::default()).await
    }

    /// Like [`setup`](Self::setup), attached to a network chosen by the caller (the fixture
    /// harness uses this to put the containers of one test on one network); users reach it as
    /// `Resource::setup_attached`.
    pub(crate) async fn setup_attached(
        &self,
        helper: &DockerHelper,
        attach: &Attachment,
    ) -> Result<()> {
        let guard = self.state.lock().await;
        if guard.get().is_some() {
            return Ok(());
        }
        let handle = self.create_in(&guard, helper, attach).await?;
        let fixture = helper.fixture();
        if handle.is_reused() {
            if let Some(fixture) = fixture {
                crate::console::line(format!(
                    "reused container {} ({fixture}) from an earlier run",
                    handle.docker_name()
                ));
            }
            return self.wait_ready(&handle).await;
        }
        if let Some(fixture) = fixture {
            let kept = if helper.reuse_identity().is_some() {
                ", kept for reuse"
            } else {
                ""
            };
            crate::console::line(format!(
                "created container {} ({fixture}) from {}{kept}",
                handle.docker_name(),
                self.config.image
            ));
        }
        handle.start().await?;
        for consumer in &self.config.extras.consumers {
            handle.attach_consumer(consumer.clone());
        }
        if let Some(fixture) = fixture {
            crate::console::line(format!(
                "started container {} ({fixture})",
                handle.docker_name()
            ));
        }
        self.wait_ready(&handle).await
    }

    /// Takes on the container `id` another process of the run created and started (a shared
    /// fixture), after checking it is still running; does nothing if already set up.
    pub(crate) async fn adopt(
        &self,
        helper: &DockerHelper,
        id: &str,
        docker_name: &str,
    ) -> Result<()> {
        self.adopt_exited(helper, id, docker_name, false).await
    }

    /// Like [`adopt`](Self::adopt); with `may_have_exited`, a container that ran to completion
    /// (a Compose service others wait for) is taken on too.
    pub(crate) async fn adopt_exited(
        &self,
        helper: &DockerHelper,
        id: &str,
        docker_name: &str,
        may_have_exited: bool,
    ) -> Result<()> {
        let guard = self.state.lock().await;
        if guard.get().is_some() {
            return Ok(());
        }
        let handle = ContainerHandle::new(id.to_string(), docker_name.to_string(), helper.clone());
        let running = handle
            .inspect()
            .await?
            .state
            .and_then(|s| s.running)
            .unwrap_or(false);
        if !running && !may_have_exited {
            return Err(Error::from(ContainerError::ContainerNotRunning {
                container: docker_name.to_string(),
            }));
        }
        handle.refresh_ports().await?;
        guard.set(handle);
        Ok(())
    }

    /// Whether this run attached to a container an earlier run made rather than creating it
    /// (reuse between runs, `SEAWORTHY_REUSE`); `false` when not created.
    pub fn is_reused(&self) -> bool {
        self.state.get().is_some_and(|h| h.is_reused())
    }

    /// Removes the container if it exists (forcibly, with its anonymous volumes). Idempotent.
    pub async fn teardown(&self) -> Result<()> {
        self.state
            .take_with(|handle| async move { handle.remove().await })
            .await
    }

    /// Creates the container without starting it.
    pub async fn create(&self, helper: &DockerHelper) -> Result<()> {
        let guard = self.state.lock().await;
        if guard.get().is_some() {
            return Err(Error::from(ContainerError::AlreadyCreated {
                kind: "container",
                name: self.config.name.clone(),
            }));
        }
        self.create_in(&guard, helper, &Attachment::default())
            .await
            .map(|_| ())
    }

    /// Creates the container and stores its handle in the cell held by `guard`.
    async fn create_in(
        &self,
        guard: &CellGuard<'_, ContainerHandle>,
        helper: &DockerHelper,
        attach: &Attachment,
    ) -> Result<ContainerHandle> {
        let c = &self.config;
        c.validate()?;
        let platform = self.get_platform();
        let image = helper
            .ensure_image_for_platform(&c.image, c.pull_policy, platform.as_deref())
            .await?;
        let host_entries = self.host_access_entries(helper).await?;
        helper.before_create().await;
        let publish_ip = helper.engine().publish_address();
        let mut extra_networks = c.extra_networks(attach)?;
        extra_networks.extend(self.resolve_joins(helper).await?);
        let (docker_name, labels, reuse) = match helper.reuse_identity() {
            None => (helper.resource_name(&c.name), helper.labels(&c.name), None),
            Some(identity) => {
                let stable = super::reuse::stable_labels(helper.labels(&c.name));
                // Not the run's network: a reused container joins each run's network.
                let unattached = Attachment {
                    network: None,
                    aliases: attach.aliases.clone(),
                };
                let body = c.create_body(stable, &image.exposed_ports, &unattached, publish_ip)?;
                let hash = super::reuse::definition_hash(
                    identity,
                    &image.id,
                    &body,
                    &[
                        platform.as_deref().unwrap_or_default(),
                        &format!("{extra_networks:?}"),
                        &format!("{:?}", c.extras.copies),
                        &format!("{host_entries:?}"),
                    ],
                );
                let (name, labels) =
                    crate::definitions::reused::reused_name_and_labels(helper, &c.name, &hash);
                (name, labels, Some(hash))
            }
        };
        let key = labels.get(crate::cleanup::labels::LABEL_REUSE_KEY).cloned();
        // A reused container is made on the default bridge (its published ports live there)
        // and joins the run's network as one more: each run's network is removed at its end.
        let unattached = Attachment::default();
        let (attach, run_network) = match (&reuse, &attach.network) {
            (Some(_), Some(net)) => (&unattached, Some((net.clone(), attach.aliases.clone()))),
            _ => (attach, None),
        };
        extra_networks.extend(run_network.clone());
        let mut body = c.create_body(labels, &image.exposed_ports, attach, publish_ip)?;
        if !host_entries.is_empty() {
            let host = body.host_config.get_or_insert_with(Default::default);
            host.extra_hosts
                .get_or_insert_with(Vec::new)
                .extend(host_entries);
        }
        let docker = helper.docker().clone();
        let name = docker_name.clone();
        let image_ref = c.image.clone();
        let (target, run) = (helper.target(), helper.run_id().to_string());
        // Kept between runs: a conflict on the name (made from the definition's hash) means
        // another run made it first; the engine is the arbiter.
        let reuse_conflict = reuse.is_some();
        let id = runtime::run(async move {
            // After a broken connection, the container is looked up by its name (and this
            // run's label) before it is created again: the engine may have made it.
            let created = create_once(
                || {
                    let mut options = CreateContainerOptionsBuilder::new().name(&name);
                    if let Some(p) = &platform {
                        options = options.platform(p);
                    }
                    docker.create_container(Some(options.build()), body.clone())
                },
                || created_by_run(&docker, &name, &run),
            )
            .await;
            match created {
                Ok(r) => Ok(Some(r.id)),
                Err(Failed {
                    error:
                        bollard::errors::Error::DockerResponseServerError {
                            status_code: 409, ..
                        },
                    ..
                }) if reuse_conflict => Ok(None),
                Err(Failed {
                    error:
                        bollard::errors::Error::DockerResponseServerError {
                            status_code: 409, ..
                        },
                    ..
                }) => Err(Error::from(ContainerError::NameConflict {
                    kind: "container",
                    name,
                })),
                Err(Failed {
                    error:
                        bollard::errors::Error::DockerResponseServerError {
                            status_code: 404,
                            message,
                        },
                    ..
                }) if message.contains("image") => Err(Error::from(ImageError::ImageNotFound {
                    image: image_ref,
                    reason: message,
                })),
                Err(f) => Err(retry::fail(
                    &target,
                    format!("create container `{name}`"),
                    f,
                )),
            }
        })
        .await?;
        let Some(id) = id else {
            let hash = reuse.unwrap_or_default();
            let handle = self
                .attach_reused(guard, helper, &docker_name, &hash)
                .await?;
            if let Some((net, aliases)) = run_network {
                crate::definitions::network::connect(helper, &net, handle.id(), &aliases).await?;
            }
            return Ok(handle);
        };
        if let (Some(key), Some(hash)) = (&key, &reuse) {
            super::reuse::replace_others(helper, key, hash).await;
        }
        helper.track(ResourceKind::Container, &id, &docker_name);
        let handle = ContainerHandle::new(id, docker_name, helper.clone());
        // Stored before anything else can fail, so that teardown removes it.
        guard.set(handle.clone());
        for (net, aliases) in extra_networks {
            crate::definitions::network::connect(helper, &net, handle.id(), &aliases).await?;
        }
        for file in &c.extras.copies {
            handle.copy_to(file.clone()).await?;
        }
        Ok(handle)
    }

    /// Starts the (created) container.
    pub async fn start(&self) -> Result<()> {
        self.handle()?.start().await
    }

    /// Waits until the readiness check passes (nothing to wait for without one).
    pub async fn wait_until_ready(&self) -> Result<()> {
        self.wait_ready(&self.handle()?).await
    }

    async fn wait_ready(&self, handle: &ContainerHandle) -> Result<()> {
        let started = Instant::now();
        let fixture = handle.helper().fixture();
        if let Some(wait) = &self.config.wait {
            if let Err(e) = handle.wait_until(wait, self.config.wait_timeout).await {
                if let Some(fixture) = fixture {
                    let why = e.to_string();
                    let first = why.lines().next().unwrap_or_default();
                    crate::console::line(format!("{fixture} not ready: {first}"));
                }
                return Err(e);
            }
        }
        let elapsed = started.elapsed();
        handle.set_ready_after(elapsed);
        if let Some(fixture) = fixture {
            crate::console::line(format!(
                "{fixture} ready after {}",
                crate::text::secs(elapsed)
            ));
        }
        tracing::info!(target: "seaworthy", container = %handle.docker_name(), ms = elapsed.as_millis() as u64, "ready");
        Ok(())
    }

    /// Stops the container: the stop signal, then SIGKILL after `timeout`. Returns the exit code.
    pub async fn stop(&self, timeout: Duration) -> Result<Option<i64>> {
        self.handle()?.stop(timeout).await
    }

    /// Restarts the container (stop with `timeout`, then start) and waits for readiness again.
    pub async fn restart(&self, timeout: Duration) -> Result<()> {
        let handle = self.handle()?;
        handle.restart(timeout).await?;
        self.wait_ready(&handle).await
    }

    /// Removes the container (forcibly, with its anonymous volumes); unlike
    /// [`teardown`](Self::teardown), fails when it is not created.
    pub async fn remove(&self) -> Result<()> {
        self.handle()?;
        self.teardown().await
    }

    /// The container's status, or `None` when it is not created.
    pub async fn status(&self) -> Result<Option<ContainerStatus>> {
        match self.state.get() {
            None => Ok(None),
            Some(handle) => handle.status().await,
        }
    }

    /// Docker's full description of the container.
    pub async fn inspect(&self) -> Result<ContainerInspectResponse> {
        self.handle()?.inspect().await
    }
}
