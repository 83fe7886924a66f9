//! seaworthy: test Docker images the way you test code.
//!
#![doc = include_str!("docs/tour.md")]
//!
//! # Crates in this API
//!
//! Types of three other crates appear in this API, and each is re-exported so that you name the
//! very version this library is built with, without adding it to your own dependencies:
//!
//! | crate | version | where | re-exported as |
//! |---|---|---|---|
//! | bollard | 0.21 | the Docker client: [`DockerHelper::docker`], [`DockerHelper::from_docker`], `inspect()` results, [`EngineError::Docker`] | [`seaworthy::bollard`] |
//! | reqwest | 0.12 | the [HTTP client](http::ContainerHttpClient): `StatusCode`, `Method`, `RequestBuilder`, `Response` | [`seaworthy::reqwest`] |
//! | serde_json | 1 | [`ContainerDefinition::create_options`] | [`seaworthy::serde_json`] |
//!
//! A seaworthy release that moves to another bollard (or reqwest) version is a breaking release
//! and says so.
//!
//! # Environment variables
//!
//! | variable | values | effect |
//! |---|---|---|
//! | `DOCKER_HOST` | `unix:///path`, `tcp://host:port` | the engine to use; without it, the docker CLI's current context, then `/var/run/docker.sock`, then `$XDG_RUNTIME_DIR/docker.sock` (see [`engine`]) |
//! | `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` | `1`; a directory with `ca.pem`, `cert.pem`, `key.pem` | a TLS engine, as the docker CLI reads them |
//! | `DOCKER_CONTEXT` | a context name | the engine of that Docker context (else the config's `currentContext`) |
//! | `SEAWORTHY_PUBLISH_ADDRESS` | an IP | where ports are published (default `127.0.0.1`, or a `tcp://` engine's address); `0.0.0.0` only if you mean every interface |
//! | `SEAWORTHY_PUBLISHED_HOST` | a host name or IP | where the tests connect to published ports (default: the address they are published on) |
//! | `SEAWORTHY_IN_CONTAINER` | `1`, `0` | the tests run (or not) in a container of the engine and reach containers on their networks, not through published ports (default: detected; `1` fails when the container is not found; see [`Engine::runner_container`](engine::Engine::runner_container)) |
//! | [`SEAWORTHY_PULL`](ENV_PULL) | `missing` (default), `always`, `never` | the [`PullPolicy`] of every image, overriding the definitions' (`always`: pull once per run even when present; `never`: fail instead of pulling, for offline work) |
//! | `DOCKER_CONFIG` | a directory | where registry credentials are read (`config.json`: `auths`, `credsStore`, `credHelpers`), as the docker CLI does (default `~/.docker`) |
//!
//! The variables of the test harness (`SEAWORTHY_REQUIRE_DOCKER`, `SEAWORTHY_KEEP`,
//! `SEAWORTHY_SHARE`, `SEAWORTHY_TEST_TIMEOUT`, `SEAWORTHY_SKIP_LOG`, `SEAWORTHY_WATCHER_LOGS`, `SEAWORTHY_MACROS_DEBUG`) are in the docs of [`container_test`].
//!
//! # Names and labels
//!
//! A resource a `#[fixture]` returns is named after the **fixture function**, everywhere: its
//! Docker name is `test_<fixture>_<suffix>`, its `seaworthy.fixture` label and its network alias
//! are the fixture's name, and so is the `(name)` of the `--nocapture` lines
//! (`seaworthy: created container test_web_a73f781 (web) from …`). The name given to the
//! definition (`ContainerDefinition::new("httpd-def", …)`) is kept in the
//! `seaworthy.definition` label and is a second network alias. A resource set up without
//! fixtures (`definition.setup(&helper)`) is named after its definition and has no
//! `seaworthy.fixture` label. The suffix is the run ID's first 6 hex digits and a counter.
//!
//! | label | value | on |
//! |---|---|---|
//! | [`seaworthy.run`](helper::LABEL_RUN) | the run ID (one per test process; for a fixture shared across processes, the run's) | every container, network and volume |
//! | [`seaworthy.pid`](helper::LABEL_PID) | the PID of the test process (of a shared fixture's: cargo's or cargo-nextest's) | every container, network and volume |
//! | [`seaworthy.host`](helper::LABEL_HOST) | the host name of the test process | every container, network and volume |
//! | [`seaworthy.definition`](helper::LABEL_DEFINITION) | the definition's own name (a built image: its tag) | everything seaworthy creates |
//! | [`seaworthy.fixture`](helper::LABEL_FIXTURE) | the name of the fixture function that returned it | what the harness sets up for a fixture |
//! | [`seaworthy.shared`](helper::LABEL_SHARED) | the shared instance and fixture | what a fixture shared across processes set up |
//!
//! `docker ps --filter label=seaworthy.fixture=web` finds fixture `web`'s containers;
//! `docker ps -a --filter label=seaworthy.run` everything of any run. (The network the harness
//! makes for a test, a module or the binary is named `test_<test, module or binary>-net_<suffix>`
//! and has no `seaworthy.fixture` label.)
#![warn(missing_docs)]

// Lets the macros' `::seaworthy::…` paths work inside this crate's own tests and docs.
extern crate self as seaworthy;

mod attach;
mod cell;
mod cleanup;
pub mod compose;
mod console;
pub mod containers;
mod copy;
mod definitions;
pub mod engine;
mod error;
mod exec;
mod file_lock;
mod fixture_error;
mod fresh;
mod handle;
mod harness;
pub mod helper;
mod host;
pub mod http;
mod images;
mod lines;
mod log_consumer;
mod logs;
pub mod matchers;
mod merge;
mod output;
mod ports;
pub mod ps;
mod readiness;
mod resource_kind;
mod resume;
mod runtime;
mod status;
pub mod structure;
mod sweep_command;
mod sync;
mod text;
mod wait;

/// The [bollard](https://docs.rs/bollard) crate this library is built with (0.21), whose types
/// appear in its API ([`DockerHelper::docker`], [`ContainerHandle::inspect`],
/// [`EngineError::Docker`]…): name them through this path to get the same version.
pub use bollard;
/// The boxed future [`Resource`]'s methods return (futures-util's), so that an implementation
/// needs no other crate.
pub use futures_util::future::BoxFuture;
/// The [reqwest](https://docs.rs/reqwest) crate this library is built with (0.12), whose types
/// the [HTTP client](http::ContainerHttpClient) takes and returns (`StatusCode`, `Method`,
/// `RequestBuilder`…).
pub use reqwest;
/// The [serde_json](https://docs.rs/serde_json) crate this library is built with, for
/// [`ContainerDefinition::create_options`] (`seaworthy::serde_json::json!({…})`).
pub use serde_json;

pub use copy::{CopyError, CopyFile};
#[allow(deprecated)]
pub use definitions::PLATFORM_ENV;
pub use definitions::{
    Attachment, ContainerDefinition, ContainerStatus, ImageBuild, ImageDefinition,
    NetworkDefinition, VolumeDefinition, DEFAULT_WAIT_TIMEOUT, ENV_PLATFORM,
};
pub use error::{
    ContainerError, EngineError, Error, HarnessError, ImageError, ReadinessError,
    ReadinessErrorKind, Result, UnreachableCause,
};
pub use exec::{Exec, ExecOutput};
pub use handle::ContainerHandle;
pub use harness::context::TestContext;
pub use harness::finalizers::TeardownOutcome;
pub use harness::resource::Resource;
pub use helper::{DockerHelper, ImageInfo, Removed};
#[allow(deprecated)]
pub use images::PULL_ENV;
pub use images::{
    ParsePullPolicyError, PullPolicy, RegistryMirrors, ENV_HUB_IMAGE_PREFIX, ENV_PULL,
    ENV_REGISTRY_MIRRORS,
};
pub use lines::{LogLine, StreamKind};
pub use log_consumer::{LogConsumer, LOG_TARGET};
pub use logs::{LogOptions, LogStream};
pub use merge::{JsonKind, MergeError};
pub use ports::{PublishedPort, PublishedPorts};
pub use resource_kind::ResourceKind;
pub use runtime::block_on;
#[doc = include_str!("docs/container_test.md")]
pub use seaworthy_macros::container_test;
#[doc = include_str!("docs/fixture.md")]
pub use seaworthy_macros::fixture;
pub use sweep_command::sweep_command;
pub use wait::{HttpWait, Wait};

/// Everything a test module usually needs: `use seaworthy::prelude::*;`.
pub mod prelude {
    pub use crate::containers::{
        NginxContainer, PostgresContainer, RabbitMqContainer, RedisContainer,
    };
    pub use crate::ps::TreeShape;
    pub use crate::{
        container_test, fixture, ContainerDefinition, ContainerHandle, ContainerStatus, CopyFile,
        DockerHelper, Exec, ImageBuild, ImageDefinition, LogConsumer, LogOptions,
        NetworkDefinition, PullPolicy, Resource, TestContext, VolumeDefinition, Wait,
    };
    pub use std::time::Duration;
}

/// Skips the running `#[container_test]`, or every test that needs the fixture it is called
/// in, with a reason given as to [`format!`]: `seaworthy::skip!("the engine lacks {feature}")`.
///
/// libtest has no "skipped", so the test prints `ok`; the harness says
/// `seaworthy: skipping `name` (file:line): reason` on stderr, counts it in the summary it
/// prints when the test process exits, and appends it to `SEAWORTHY_SKIP_LOG` (which
/// `scripts/test` sums up), as it does for a test that found no Docker. Teardown runs as after
/// a pass. A skip in a module-scoped fixture skips each test of the module that uses it, each
/// reported. `SEAWORTHY_REQUIRE_DOCKER=1` does not turn it into a failure.
///
/// It panics with a payload the harness recognises, so it works anywhere in a test's body or a
/// fixture function, on the test's own thread; elsewhere (a spawned task or thread, a plain
/// `#[test]`) it is an ordinary panic.
///
/// ```no_run
/// use seaworthy::prelude::*;
///
/// #[fixture(scope = "module")]
/// fn ipv6() -> bool {
///     std::path::Path::new("/proc/net/if_inet6").exists()
/// }
///
/// #[container_test]
/// async fn reaches_the_server_over_ipv6(ipv6: &bool) {
///     if !*ipv6 {
///         seaworthy::skip!("this host has no IPv6");
///     }
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! skip {
    ($($reason:tt)+) => {
        $crate::__private::skip(::std::format!($($reason)+))
    };
}

/// What the macros expand to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::harness::autouse::{set_up_autouse, AutouseEntry};
    pub use crate::harness::fixture::{fixture_failed, max_depth, Node, Scope};
    pub use crate::harness::probe::{PlainTag, Probe, ResourceTag, ViaPlain, ViaResource};
    pub use crate::harness::registry::{TestEntry, TestInfo};
    pub use crate::harness::resolve::{Fixture, Resolver};
    pub use crate::harness::runner::{run_async, run_sync, Flavor, TestOutcome};
    pub use crate::harness::skip::skip;
    pub use futures_util::future::LocalBoxFuture;
    pub use inventory;
}
