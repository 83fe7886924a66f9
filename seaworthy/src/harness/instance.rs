//! Scope instances: the values of one test (function scope), one test module (module scope),
//! the whole process (binary scope) or the whole run (run scope), in the order they were set up,
//! plus the network their containers share when one of them depends on another, and their
//! teardown, newest first.
//!
//! An instance [shared across processes](super::share) only lets go of its values here: the
//! run's watcher removes them when the run ends.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::finalizers::{self, Finalizer};
use super::lock;
use super::resource::Tracked;
use super::share::SharedScope;
use crate::console;
use crate::definitions::{ContainerDefinition, NetworkDefinition};
use crate::error::{Error, Result};
use crate::helper::DockerHelper;

/// A fixture's value as a scope instance holds it, or why it could not be set up.
pub(super) type Built = std::result::Result<Arc<dyn Any + Send + Sync>, Arc<Error>>;
/// The once-set cell of one fixture in one scope instance.
pub(super) type Cell = Arc<OnceCell<Built>>;

/// A container reachable from a fixture, with the aliases other containers use for it.
#[derive(Clone)]
pub(crate) struct ContainerRef {
    pub(crate) def: ContainerDefinition,
    pub(crate) fixture: &'static str,
}

impl ContainerRef {
    pub(super) fn aliases(&self) -> Vec<String> {
        let mut a = vec![self.fixture.to_string()];
        if self.def.name() != self.fixture {
            a.push(self.def.name().to_string());
        }
        a
    }
}

/// What a scope instance tears down: one fixture's resource, or teardown code a fixture (or the
/// test) registered.
pub(super) struct Registered {
    pub(super) fixture: &'static str,
    pub(super) held: Held,
    /// Kept between runs (`SEAWORTHY_REUSE`): never torn down by the scope.
    pub(super) reused: bool,
}

/// What is held.
pub(super) enum Held {
    Resource(Arc<dyn Tracked>),
    /// The number of a [`Finalizer`] waiting in [`finalizers`].
    Teardown(u64),
}

impl Registered {
    /// The resource, when this is one.
    pub(super) fn resource(&self) -> Option<&Arc<dyn Tracked>> {
        match &self.held {
            Held::Resource(r) => Some(r),
            Held::Teardown(_) => None,
        }
    }
}

/// The values of one scope instance.
pub(crate) struct ScopeInstance {
    pub(crate) label: String,
    short: String,
    pub(super) cells: Mutex<HashMap<TypeId, Cell>>,
    pub(super) resources: Mutex<Vec<Registered>>,
    network: tokio::sync::Mutex<Option<NetworkDefinition>>,
    pub(super) connected: Mutex<HashSet<String>>,
    foreign: Mutex<Vec<(String, String)>>,
    pub(crate) keep: AtomicBool,
    torn_down: AtomicBool,
    /// Set when the processes of a run share this instance.
    pub(super) shared: Option<Arc<SharedScope>>,
}

impl ScopeInstance {
    pub(crate) fn new(label: String, short: &str) -> Arc<ScopeInstance> {
        Self::with_sharing(label, short, None)
    }

    /// An instance the processes of a run share when `shared` is set.
    pub(crate) fn with_sharing(
        label: String,
        short: &str,
        shared: Option<Arc<SharedScope>>,
    ) -> Arc<ScopeInstance> {
        let short = crate::text::name_safe(short);
        Arc::new(ScopeInstance {
            label,
            short,
            cells: Mutex::default(),
            resources: Mutex::default(),
            network: tokio::sync::Mutex::new(None),
            connected: Mutex::default(),
            foreign: Mutex::default(),
            keep: AtomicBool::new(false),
            torn_down: AtomicBool::new(false),
            shared,
        })
    }

    pub(super) fn cell(&self, id: TypeId) -> Cell {
        lock(&self.cells).entry(id).or_default().clone()
    }

    pub(super) fn register(&self, fixture: &'static str, resource: Arc<dyn Tracked>, reused: bool) {
        let held = Held::Resource(resource);
        lock(&self.resources).push(Registered {
            fixture,
            held,
            reused,
        });
    }

    /// Adds teardown code, to run before everything set up so far is torn down.
    pub(crate) fn add_finalizer(&self, fixture: &'static str, f: Finalizer) {
        let held = Held::Teardown(f.wait());
        lock(&self.resources).push(Registered {
            fixture,
            held,
            reused: false,
        });
    }

    /// Whether the container `id` was set up in this instance and is removed with it (not
    /// kept between runs).
    pub(super) fn owns(&self, id: &str) -> bool {
        lock(&self.resources).iter().any(|r| {
            !r.reused
                && r.resource()
                    .and_then(|x| x.container()?.id().ok())
                    .as_deref()
                    == Some(id)
        })
    }

    /// Records that the container `id`, kept between runs, is on this instance's network
    /// `net`: it is taken off it before the network is removed.
    pub(super) fn joined_reused(&self, id: String, net: &str) {
        lock(&self.connected).insert(id.clone());
        lock(&self.foreign).push((id, net.to_string()));
    }

    /// The containers set up in this instance (for failure reports and keep instructions).
    pub(crate) fn containers(&self) -> Vec<(&'static str, ContainerDefinition)> {
        lock(&self.resources)
            .iter()
            .filter_map(|r| Some((r.fixture, r.resource()?.container()?.clone())))
            .collect()
    }

    /// The Docker IDs (volume names) of everything set up in this instance.
    pub(crate) fn resource_ids(&self) -> Vec<String> {
        lock(&self.resources)
            .iter()
            .filter_map(Registered::resource)
            .flat_map(|r| r.docker_ids())
            .collect()
    }

    /// The network's name and ID, if this instance made one.
    pub(crate) async fn network_name(&self) -> Option<(String, String)> {
        let net = self.network.lock().await;
        let n = net.as_ref()?;
        Some((n.docker_name().ok()?, n.id().ok()?))
    }

    pub(super) async fn ensure_network(&self, helper: &DockerHelper) -> Result<String> {
        let mut net = self.network.lock().await;
        if let Some(n) = net.as_ref() {
            return n.id();
        }
        let n = NetworkDefinition::new(format!("{}-net", self.short));
        n.setup(helper).await?;
        console::line(format!(
            "created network {} for {}",
            n.docker_name()?,
            self.label
        ));
        let id = n.id()?;
        *net = Some(n);
        Ok(id)
    }

    pub(super) async fn connect(
        &self,
        helper: &DockerHelper,
        net: &str,
        c: &ContainerRef,
        own: bool,
    ) -> Result<()> {
        let id = c.def.id()?;
        if !lock(&self.connected).insert(id.clone()) {
            return Ok(());
        }
        crate::definitions::network::connect(helper, net, &id, &c.aliases()).await?;
        if !own {
            lock(&self.foreign).push((id, net.to_string()));
        }
        Ok(())
    }

    /// Removes everything, newest first: teardown code and resources, then the links of shared containers to this
    /// instance's network, then the network. Returns the problems met (it carries on past them).
    pub(crate) async fn teardown(&self) -> Vec<String> {
        if self.torn_down.swap(true, Ordering::SeqCst) {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let resources: Vec<Registered> = std::mem::take(&mut *lock(&self.resources));
        let keep = self.keep.load(Ordering::SeqCst);
        if let Some(shared) = &self.shared {
            // Its teardown code was registered in this process: it runs here.
            if !keep {
                problems.extend(run_teardown_code(&resources).await);
            }
            // Other processes may still use them: the run watcher removes them at the run's end.
            if !resources.is_empty() {
                console::line(format!(
                    "{}: done in this process; its shared fixtures stay until {} ends",
                    self.label,
                    shared.run.describe()
                ));
            }
            return problems;
        }
        if keep {
            // Kept as they are: their teardown code would undo what is kept.
            for r in &resources {
                if let Held::Teardown(id) = r.held {
                    drop(finalizers::take(id));
                }
            }
            return problems;
        }
        for r in resources.iter().rev() {
            let resource = match &r.held {
                Held::Resource(resource) => resource,
                Held::Teardown(_) => {
                    problems.extend(run_teardown_code(std::slice::from_ref(r)).await);
                    continue;
                }
            };
            let name = resource.container().and_then(|c| c.docker_name().ok());
            if r.reused {
                if let Some(name) = name {
                    console::line(format!("kept container {name} ({}) for reuse", r.fixture));
                }
                continue;
            }
            match resource.teardown().await {
                Ok(()) => {
                    if let Some(name) = name {
                        console::line(format!("removed container {name} ({})", r.fixture));
                    }
                }
                Err(e) => problems.push(format!("fixture `{}`: {e}", r.fixture)),
            }
        }
        let net = self.network.lock().await.take();
        if let Some(net) = net {
            if let Ok(helper) = DockerHelper::shared().await {
                let foreign = std::mem::take(&mut *lock(&self.foreign));
                for (container, network) in foreign {
                    if let Err(e) =
                        crate::definitions::network::disconnect(&helper, &network, &container).await
                    {
                        problems.push(e.to_string());
                    }
                }
            }
            let name = net.docker_name().unwrap_or_default();
            match net.teardown().await {
                Ok(()) => console::line(format!("removed network {name}")),
                Err(e) => problems.push(e.to_string()),
            }
        }
        problems
    }
}

/// Runs the teardown code among `held`, newest first (each at most once: a signal may have run
/// it already).
async fn run_teardown_code(held: &[Registered]) -> Vec<String> {
    let ids = held.iter().rev().filter_map(|r| match r.held {
        Held::Teardown(id) => Some(id),
        Held::Resource(_) => None,
    });
    // Taken all at once, before the first runs: none is run twice.
    let taken: Vec<_> = ids.filter_map(finalizers::take).collect();
    finalizers::run_each(taken).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_is_reached_by_its_fixture_and_its_own_name() {
        let c = |name: &str, fixture| ContainerRef {
            def: ContainerDefinition::new(name, "seaworthy-test/busybox:latest"),
            fixture,
        };
        assert_eq!(c("web", "web").aliases(), ["web"]);
        assert_eq!(c("nginx", "web").aliases(), ["web", "nginx"]);
    }

    #[test]
    fn one_cell_per_fixture_type() {
        let i = ScopeInstance::new("test `t`".into(), "a::b c");
        assert_eq!(i.short, "a__b_c", "the short name is safe in Docker names");
        let (a, b) = (i.cell(TypeId::of::<u8>()), i.cell(TypeId::of::<u8>()));
        assert!(Arc::ptr_eq(&a, &b), "the same fixture finds the same cell");
        assert!(!Arc::ptr_eq(&a, &i.cell(TypeId::of::<u16>())));
    }

    #[test]
    fn an_empty_instance_tears_down_once_without_problems() {
        let i = ScopeInstance::new("module `m`".into(), "m");
        assert!(i.containers().is_empty() && i.resource_ids().is_empty());
        assert_eq!(crate::runtime::block_on(i.teardown()), Vec::<String>::new());
        assert!(i.torn_down.load(Ordering::SeqCst));
        assert_eq!(crate::runtime::block_on(i.teardown()), Vec::<String>::new());
    }
}
