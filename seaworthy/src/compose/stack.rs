//! [`ComposeStack`]: a Compose file's services as container definitions, with the networks and
//! volumes they use, set up in dependency order and torn down like any resource.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use once_cell::sync::OnceCell;

use super::error::ComposeError;
use super::exit::wait_exit;
use super::model::Condition;
use super::parse::{self, MountSpec, Project, Service};
use super::plan;
use crate::definitions::{
    Attachment, ContainerDefinition, ImageBuild, ImageDefinition, NetworkDefinition,
    VolumeDefinition,
};
use crate::error::{Error, Result};
use crate::exec::Exec;
use crate::helper::{DockerHelper, ResourceKind};
use crate::wait::Wait;

/// How long each service may take to be ready unless [`ComposeStack::wait_timeout`] says
/// otherwise (a healthcheck's first `healthy` often takes longer than a container's default).
pub const DEFAULT_SERVICE_TIMEOUT: Duration = Duration::from_secs(60);

/// A Compose file as a fixture: its services, networks and volumes, made on the engine API (no
/// `docker compose` binary), named, labelled and removed like every other resource.
///
/// Each service becomes a [`ContainerDefinition`] named after it, reachable by its name from
/// the others (on the networks the stack creates, `default` unless the file says otherwise)
/// and from the test through [`service`](Self::service): its published ports (on 127.0.0.1
/// only), `http_client()`, `exec`, `logs`. Services start in `depends_on` order; a
/// dependency's `condition` is waited for (`service_healthy`: its healthcheck says healthy;
/// `service_completed_successfully`: it exited 0). A service with a `healthcheck` is ready when
/// healthy; [`wait_for`](Self::wait_for) overrides a service's readiness.
///
/// The supported keys: `image`, `build`, `command`, `entrypoint`, `environment`, `env_file`,
/// `ports`, `volumes` (named and bind), `networks`, `depends_on`, `healthcheck`, `user`,
/// `working_dir`, `profiles`, `labels`. Any other key is an error naming it and its line.
#[derive(Debug, Clone)]
pub struct ComposeStack {
    project: Arc<Project>,
    profiles: Vec<String>,
    waits: Vec<(String, Wait)>,
    timeouts: Vec<(String, Duration)>,
    envs: Vec<(String, String, String)>,
    cleans: Vec<(String, Exec)>,
    built: Arc<OnceCell<Built>>,
}

/// The definitions the stack is made of, once its profiles and overrides are settled.
#[derive(Debug)]
struct Built {
    images: Vec<ImageDefinition>,
    networks: Vec<(String, NetworkDefinition)>,
    volumes: Vec<(String, VolumeDefinition)>,
    /// In start order.
    services: Vec<Unit>,
}

#[derive(Debug)]
struct Unit {
    name: String,
    definition: ContainerDefinition,
    /// Networks beyond the first, with their aliases.
    more_networks: Vec<(String, Vec<String>)>,
    depends_on: Vec<(String, Condition)>,
}

impl ComposeStack {
    /// Reads `compose.yaml` (or `docker-compose.yml`, or any path): the file is checked now,
    /// every error naming the line at fault. Relative paths in it (`build`, bind mounts,
    /// `env_file`) are relative to its directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ComposeStack, ComposeError> {
        let mut path = path.as_ref().to_path_buf();
        if path.is_dir() {
            let names = [
                "compose.yaml",
                "compose.yml",
                "docker-compose.yml",
                "docker-compose.yaml",
            ];
            if let Some(f) = names.iter().map(|n| path.join(n)).find(|p| p.exists()) {
                path = f;
            }
        }
        Ok(ComposeStack::of(parse::load(&path)?))
    }

    /// Reads Compose YAML from a string; `name` stands for the file in messages and relative
    /// paths are relative to `dir`.
    pub fn from_yaml(
        name: &str,
        yaml: &str,
        dir: impl AsRef<Path>,
    ) -> Result<ComposeStack, ComposeError> {
        Ok(ComposeStack::of(parse::parse(name, yaml, dir.as_ref())?))
    }

    fn of(project: Project) -> ComposeStack {
        ComposeStack {
            project: Arc::new(project),
            profiles: Vec::new(),
            waits: Vec::new(),
            timeouts: Vec::new(),
            envs: Vec::new(),
            cleans: Vec::new(),
            built: Arc::default(),
        }
    }

    /// Enables a profile: its services run too (those without `profiles` always run).
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profiles.push(profile.into());
        self.rebuilt()
    }

    /// How to know `service` is ready, instead of its healthcheck (or of nothing): checked
    /// after it starts, before the services that depend on it start.
    pub fn wait_for(mut self, service: impl Into<String>, wait: impl Into<Wait>) -> Self {
        self.waits.push((service.into(), wait.into()));
        self.rebuilt()
    }

    /// The deadline for `service`'s readiness (default [`DEFAULT_SERVICE_TIMEOUT`]).
    pub fn wait_timeout(mut self, service: impl Into<String>, timeout: Duration) -> Self {
        self.timeouts.push((service.into(), timeout));
        self.rebuilt()
    }

    /// Sets an environment variable of `service`, over the file's `environment` and
    /// `env_file` (a test's own variant of the stack).
    pub fn env(
        mut self,
        service: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.envs.push((service.into(), key.into(), value.into()));
        self.rebuilt()
    }

    /// A command run in `service` (it must exit 0) to reset it for a `#[clean]` parameter,
    /// say `Exec::new(["dropdb", …]).user("postgres")`. Commands run in the order given.
    pub fn clean_exec(mut self, service: impl Into<String>, exec: Exec) -> Self {
        self.cleans.push((service.into(), exec));
        self
    }

    /// Settings changed: the definitions are made again (clones made before keep theirs).
    fn rebuilt(mut self) -> Self {
        self.built = Arc::default();
        self
    }

    /// The project's name: the file's `name:`, else its directory's name.
    pub fn name(&self) -> &str {
        &self.project.name
    }

    /// The services that run (those the profiles enable), in start order.
    pub fn services(&self) -> Result<Vec<&str>, ComposeError> {
        Ok(self
            .built()?
            .services
            .iter()
            .map(|u| u.name.as_str())
            .collect())
    }

    /// The container of `service`: its ports, `http_client()`, `exec`, logs, once the stack is
    /// set up. A service the stack does not run is an error listing those it does.
    pub fn service(&self, service: &str) -> Result<&ContainerDefinition, ComposeError> {
        let built = self.built()?;
        built
            .services
            .iter()
            .find(|u| u.name == service)
            .map(|u| &u.definition)
            .ok_or_else(|| self.unknown(built, service))
    }

    /// The stack's named volume `name` (from the file's top-level `volumes`).
    pub fn volume(&self, name: &str) -> Option<&VolumeDefinition> {
        let built = self.built().ok()?;
        built
            .volumes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The stack's network `name` (`default`, or one of the file's top-level `networks`).
    pub fn network(&self, name: &str) -> Option<&NetworkDefinition> {
        let built = self.built().ok()?;
        built
            .networks
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn unknown(&self, built: &Built, service: &str) -> ComposeError {
        ComposeError::UnknownService {
            stack: self.project.name.clone(),
            service: service.to_string(),
            known: built.services.iter().map(|u| u.name.clone()).collect(),
        }
    }

    fn built(&self) -> Result<&Built, ComposeError> {
        self.built.get_or_try_init(|| self.build())
    }

    fn build(&self) -> Result<Built, ComposeError> {
        let p = &self.project;
        let enabled = plan::enabled(p, &self.profiles)?;
        let order = plan::start_order(&p.file, &enabled)?;
        let networks: Vec<(String, NetworkDefinition)> = p
            .networks
            .iter()
            .map(|n| {
                let mut def = NetworkDefinition::new(&n.name).internal(n.internal);
                if let Some(d) = &n.driver {
                    def = def.driver(d);
                }
                for (k, v) in &n.labels {
                    def = def.label(k, v);
                }
                (n.name.clone(), def)
            })
            .collect();
        let volumes: Vec<(String, VolumeDefinition)> = p
            .volumes
            .iter()
            .map(|v| {
                let mut def = VolumeDefinition::new(&v.name);
                if let Some(d) = &v.driver {
                    def = def.driver(d);
                }
                for (k, val) in &v.driver_opts {
                    def = def.driver_opt(k, val);
                }
                for (k, val) in &v.labels {
                    def = def.label(k, val);
                }
                (v.name.clone(), def)
            })
            .collect();
        let mut images = Vec::new();
        let mut services = Vec::new();
        for s in &order {
            let healthy_needed = order.iter().any(|o| {
                o.depends_on
                    .iter()
                    .any(|(d, c)| d == &s.name && *c == Condition::Healthy)
            });
            let (definition, image) = self.definition(s, &networks, &volumes, healthy_needed);
            images.extend(image);
            let more_networks = s.networks.iter().skip(1).cloned().collect();
            services.push(Unit {
                name: s.name.clone(),
                definition,
                more_networks,
                depends_on: s.depends_on.clone(),
            });
        }
        let built = Built {
            images,
            networks,
            volumes,
            services,
        };
        let overridden = self.waits.iter().map(|(n, _)| n);
        let overridden = overridden.chain(self.timeouts.iter().map(|(n, _)| n));
        for name in overridden.chain(self.envs.iter().map(|(n, _, _)| n)) {
            if !built.services.iter().any(|u| &u.name == name) {
                return Err(self.unknown(&built, name));
            }
        }
        Ok(built)
    }

    /// The container definition of `s` (and the image to build for it, if any).
    fn definition(
        &self,
        s: &Service,
        networks: &[(String, NetworkDefinition)],
        volumes: &[(String, VolumeDefinition)],
        healthy_needed: bool,
    ) -> (ContainerDefinition, Option<ImageDefinition>) {
        let image = s.build.as_ref().map(|b| {
            let tag = s.image.clone().unwrap_or_else(|| {
                let project = crate::text::name_safe(&self.project.name).to_lowercase();
                format!(
                    "seaworthy-compose/{project}-{}:latest",
                    s.name.to_lowercase()
                )
            });
            let mut build = ImageBuild::new(&b.context);
            if let Some(f) = &b.dockerfile {
                build = build.dockerfile(f);
            }
            for (k, v) in &b.args {
                build = build.build_arg(k, v);
            }
            ImageDefinition::build(tag, build)
        });
        let tag = image
            .as_ref()
            .map(|i| i.tag().to_string())
            .or_else(|| s.image.clone())
            .unwrap_or_default();
        let mut d = ContainerDefinition::new(&s.name, tag)
            .label("com.docker.compose.project", &self.project.name)
            .label("com.docker.compose.service", &s.name);
        if let Some(c) = &s.command {
            d = d.command(c.clone());
        }
        if let Some(e) = &s.entrypoint {
            d = d.entrypoint(e.clone());
        }
        let overrides = self.envs.iter().filter(|(n, _, _)| n == &s.name);
        let overrides: Vec<(&String, &String)> = overrides.map(|(_, k, v)| (k, v)).collect();
        for (k, v) in &s.env {
            if !overrides.iter().any(|(key, _)| *key == k) {
                d = d.env(k, v);
            }
        }
        for (k, v) in overrides {
            d = d.env(k, v);
        }
        for (k, v) in &s.labels {
            d = d.label(k, v);
        }
        if let Some(u) = &s.user {
            d = d.user(u);
        }
        if let Some(w) = &s.working_dir {
            d = d.workdir(w);
        }
        for p in &s.ports {
            d = match (p.udp, p.host) {
                (true, _) => d.publish_udp(p.container),
                (false, Some(h)) => d.publish_to(p.container, h),
                (false, None) => d.publish(p.container),
            };
        }
        let mode = |ro: bool| if ro { ":ro" } else { "" };
        for m in &s.mounts {
            d = match m {
                MountSpec::Volume(name, target, ro) => {
                    match volumes.iter().find(|(n, _)| n == name) {
                        Some((_, v)) => d.volume(v, format!("{target}{}", mode(*ro))),
                        None => d,
                    }
                }
                MountSpec::Bind(path, target, ro) => d.bind(path, format!("{target}{}", mode(*ro))),
                MountSpec::Anonymous(target) => {
                    d.create_options(serde_json::json!({"Volumes": {target.as_str(): {}}}))
                }
            };
        }
        if let Some((first, _)) = s.networks.first() {
            if let Some((_, net)) = networks.iter().find(|(n, _)| n == first) {
                d = d.network(net);
            }
        }
        for (_, aliases) in &s.networks {
            for a in aliases {
                d = d.alias(a);
            }
        }
        if let Some(h) = &s.healthcheck {
            d = d.create_options(serde_json::json!({ "Healthcheck": h }));
        }
        let overridden = self.waits.iter().rev().find(|(n, _)| n == &s.name);
        // An override replaces the healthcheck as readiness, unless a dependent needs healthy.
        let wait = match (overridden, healthy_needed) {
            (Some((_, w)), true) => Some(w.clone().and(Wait::healthy())),
            (Some((_, w)), false) => Some(w.clone()),
            (None, _) if healthy_needed || s.healthcheck.is_some() => Some(Wait::healthy()),
            (None, _) => None,
        };
        if let Some(w) = wait {
            d = d.wait_for(w);
        }
        let timeout = self.timeouts.iter().rev().find(|(n, _)| n == &s.name);
        d = d.wait_timeout(timeout.map_or(DEFAULT_SERVICE_TIMEOUT, |(_, t)| *t));
        (d, image)
    }

    /// The helper that names `service`'s resources: `<fixture>-<service>` (or
    /// `<project>-<service>` outside the harness), so that `docker ps` tells them apart.
    fn helper_for(&self, helper: &DockerHelper, part: &str) -> DockerHelper {
        let owner = helper.fixture().unwrap_or(&self.project.name).to_string();
        helper.for_fixture(&format!("{owner}-{part}"))
    }

    /// Builds the images, creates the networks and volumes, then creates, starts and waits
    /// for each service in dependency order. Does nothing for what is already set up. On an
    /// error, what was made stays (to be inspected) until [`teardown`](Self::teardown).
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.setup_attached(helper, &Attachment::default()).await
    }

    /// Like [`setup`](Self::setup); when `attach` names a network, every service is also
    /// connected to it under its service name.
    pub(crate) async fn setup_attached(
        &self,
        helper: &DockerHelper,
        attach: &Attachment,
    ) -> Result<()> {
        let built = self.built()?;
        for image in &built.images {
            image.setup(helper).await?;
        }
        for (name, net) in &built.networks {
            net.setup(&self.helper_for(helper, name)).await?;
        }
        for (name, vol) in &built.volumes {
            vol.setup(&self.helper_for(helper, name)).await?;
        }
        for unit in &built.services {
            for (dep, condition) in &unit.depends_on {
                self.satisfy(built, &unit.name, dep, *condition).await?;
            }
            let d = &unit.definition;
            if d.is_created() {
                continue;
            }
            d.create(&self.helper_for(helper, &unit.name)).await?;
            let id = d.id()?;
            let mut connect: Vec<(String, Vec<String>)> = Vec::new();
            for (net, aliases) in &unit.more_networks {
                if let Some((_, n)) = built.networks.iter().find(|(x, _)| x == net) {
                    let mut a = vec![unit.name.clone()];
                    a.extend(aliases.iter().cloned());
                    connect.push((n.id()?, a));
                }
            }
            if let Some(net) = &attach.network {
                connect.push((net.clone(), vec![unit.name.clone()]));
            }
            for (net, aliases) in connect {
                crate::definitions::network::connect(helper, &net, &id, &aliases).await?;
            }
            d.start().await?;
            d.wait_until_ready().await?;
        }
        Ok(())
    }

    /// Waits until `dep` meets `condition` before `service` starts.
    async fn satisfy(
        &self,
        built: &Built,
        service: &str,
        dep: &str,
        condition: Condition,
    ) -> Result<()> {
        let Some(unit) = built.services.iter().find(|u| u.name == dep) else {
            return Ok(());
        };
        let d = &unit.definition;
        match condition {
            // Started, and ready by its own readiness (a healthcheck is part of it).
            Condition::Started | Condition::Healthy => Ok(()),
            Condition::CompletedSuccessfully => {
                let code = wait_exit(d, service).await?;
                if code == 0 {
                    return Ok(());
                }
                Err(ComposeError::DependencyFailed {
                    service: service.to_string(),
                    dependency: dep.to_string(),
                    exit_code: code,
                    last_lines: d.last_log_lines(20).await.unwrap_or_default(),
                }
                .into())
            }
        }
    }

    /// Removes every container (in reverse start order), then the networks and volumes.
    /// Idempotent; built images are kept as a cache, as [`ImageDefinition`]'s are. Every
    /// removal is tried; the first error is returned.
    pub async fn teardown(&self) -> Result<()> {
        let Some(built) = self.built.get() else {
            return Ok(());
        };
        let mut first: Option<Error> = None;
        let mut keep = |r: Result<()>| {
            if let Err(e) = r {
                first.get_or_insert(e);
            }
        };
        for unit in built.services.iter().rev() {
            keep(unit.definition.teardown().await);
        }
        for (_, net) in &built.networks {
            keep(net.teardown().await);
        }
        for (_, vol) in &built.volumes {
            keep(vol.teardown().await);
        }
        first.map_or(Ok(()), Err)
    }

    /// Runs the [`clean_exec`](Self::clean_exec) commands.
    pub async fn clean(&self) -> Result<()> {
        for (service, exec) in &self.cleans {
            self.service(service)?.exec_ok_with(exec.clone()).await?;
        }
        Ok(())
    }

    /// `true` when clean commands were given.
    pub(crate) fn cleans(&self) -> bool {
        !self.cleans.is_empty()
    }

    /// What the stack created, networks, volumes then containers in start order: for the
    /// record of a stack shared across processes, and `SEAWORTHY_KEEP`.
    pub(crate) fn objects(&self) -> Vec<(ResourceKind, String, String)> {
        let Some(built) = self.built.get() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (_, n) in &built.networks {
            if let (Ok(id), Ok(name)) = (n.id(), n.docker_name()) {
                out.push((ResourceKind::Network, id, name));
            }
        }
        for (_, v) in &built.volumes {
            if let Ok(name) = v.docker_name() {
                out.push((ResourceKind::Volume, name.clone(), name));
            }
        }
        for u in &built.services {
            if let (Ok(id), Ok(name)) = (u.definition.id(), u.definition.docker_name()) {
                out.push((ResourceKind::Container, id, name));
            }
        }
        out
    }

    /// Takes on what another process of the run created for this stack ([`objects`](Self::objects)
    /// of the same file), checking it still exists.
    pub(crate) async fn adopt(
        &self,
        helper: &DockerHelper,
        objects: &[(ResourceKind, String, String)],
    ) -> Result<()> {
        let built = self.built()?;
        let of = |kind: ResourceKind| objects.iter().filter(move |o| o.0 == kind);
        let expected = built.networks.len() + built.volumes.len() + built.services.len();
        if objects.len() != expected {
            return Err(Error::from(crate::fixture_error::HarnessError::Internal(
                format!(
                "the shared Compose stack `{}` lists {} objects, this process expects {expected}",
                self.project.name,
                objects.len()
            ),
            )));
        }
        for ((_, net), (_, id, name)) in built.networks.iter().zip(of(ResourceKind::Network)) {
            net.adopt(helper, id, name).await?;
        }
        for ((_, vol), (_, _, name)) in built.volumes.iter().zip(of(ResourceKind::Volume)) {
            vol.adopt(helper, name).await?;
        }
        for (unit, (_, id, name)) in built.services.iter().zip(of(ResourceKind::Container)) {
            // A service that ran to completion has exited: that is how it was left.
            let may_have_exited = built.services.iter().any(|u| {
                u.depends_on
                    .iter()
                    .any(|(d, c)| d == &unit.name && *c == Condition::CompletedSuccessfully)
            });
            unit.definition
                .adopt_exited(helper, id, name, may_have_exited)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod should {
    use super::*;

    const YAML: &str = "services:
  db:
    image: postgres
    healthcheck: {test: pg_isready}
  cache:
    image: redis
  web:
    image: web
    command: serve --port 80
    environment: {MODE: test}
    user: '1000'
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started}
";

    fn stack() -> ComposeStack {
        ComposeStack::from_yaml("compose.yaml", YAML, "/srv/app").unwrap()
    }

    fn wait_of(stack: &ComposeStack, service: &str) -> Option<String> {
        stack
            .service(service)
            .unwrap()
            .get_wait_for()
            .map(|w| w.to_string())
    }

    #[test]
    fn wait_for_a_healthcheck_unless_overridden() {
        let s = stack();
        assert_eq!(s.services().unwrap(), ["cache", "db", "web"]);
        assert_eq!(
            wait_of(&s, "db").as_deref(),
            Some("HEALTHCHECK status `healthy`")
        );
        assert_eq!(wait_of(&s, "cache"), None);
        let web = s.service("web").unwrap();
        assert_eq!(web.get_wait_timeout(), DEFAULT_SERVICE_TIMEOUT);
        assert_eq!(web.get_env("MODE"), Some("test"));
        let s2 = stack().env("web", "MODE", "other").env("web", "EXTRA", "1");
        assert_eq!(s2.service("web").unwrap().get_env("MODE"), Some("other"));
        assert_eq!(s2.service("web").unwrap().get_env("EXTRA"), Some("1"));
        assert_eq!(web.image(), "web");
        // An override replaces readiness, but web's `service_healthy` still needs healthy.
        let s = stack()
            .wait_for("db", Wait::tcp(5432))
            .wait_for("cache", Wait::tcp(6379))
            .wait_timeout("cache", Duration::from_secs(5));
        let db = wait_of(&s, "db").unwrap();
        assert!(
            db.contains("TCP port 5432") && db.contains("healthy"),
            "{db}"
        );
        assert_eq!(
            wait_of(&s, "cache").as_deref(),
            Some("TCP port 6379 accepting connections")
        );
        assert_eq!(
            s.service("cache").unwrap().get_wait_timeout(),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn name_the_services_when_one_is_missing() {
        let e = stack().service("nope").map(|_| ()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no service `nope` in Compose stack `app`; its services: cache, db, web"
        );
        let e = stack()
            .wait_for("dbb", Wait::healthy())
            .services()
            .unwrap_err();
        assert!(e.to_string().starts_with("no service `dbb`"), "{e}");
    }

    #[test]
    fn tag_built_images_after_the_project_and_service() {
        let s = ComposeStack::from_yaml(
            "compose.yaml",
            "name: My App\nservices:\n  api:\n    build: ./api\n  db:\n    build: ./db\n    image: my/db:1\n",
            "/srv/app",
        )
        .unwrap();
        assert_eq!(
            s.service("api").unwrap().image(),
            "seaworthy-compose/my_app-api:latest"
        );
        assert_eq!(s.service("db").unwrap().image(), "my/db:1");
    }
}
