//! Ready-made definitions of the services every web stack has: PostgreSQL, Redis, RabbitMQ
//! and nginx.
//!
//! Each type wraps a [`ContainerDefinition`] (it derefs to it, so `logs()`, `exec()`,
//! `process_tree()`, `http_client()`, `stop()`… all work), knows the interface of the
//! *official* image (its environment variables, data directory, user and log lines), adds
//! helpers that run the service's own client inside the container, and implements
//! [`Resource`](crate::Resource) so a `#[fixture]` can return it, with
//! [`clean`](crate::Resource::clean) resetting the service's state for `#[clean]` parameters.
//!
//! | type | default name (network alias) | default image | readiness |
//! |---|---|---|---|
//! | [`PostgresContainer`] | `postgresql` | `postgres:15` | the log line `database system is ready to accept connections` **twice** |
//! | [`RedisContainer`] | `redis` | `redis:7` | the log line `Ready to accept connections` |
//! | [`RabbitMqContainer`] | `rabbitmq` | `rabbitmq:3` | `rabbitmqctl wait --pid 1` exits 0 |
//! | [`NginxContainer`] | `nginx` | `nginx:latest` | an HTTP response on port 80, published on 127.0.0.1 |
//!
//! **A database per test.** On one shared server, each test can get its own: a PostgreSQL
//! database copied from a template ([`PostgresContainer::fresh_database`], the template prepared
//! by [`PostgresContainer::init_sql`]), a Redis database number
//! ([`RedisContainer::fresh_database`]) or a RabbitMQ vhost ([`RabbitMqContainer::fresh_vhost`]),
//! made when the test starts and removed when it ends, so tests run in parallel where
//! `#[clean]` serialises them.
//!
//! The default images are the official ones on Docker Hub (`docker.io/library/…`, at the tags
//! above), pulled on first use when not present (per the [`PullPolicy`](crate::PullPolicy),
//! with progress lines under `--nocapture`); pin a digest with `.image("postgres@sha256:…")`.
//!
//! Any image with the same interface works: pass it to `.image(..)`. Images whose service
//! user has another uid than the official Debian-based images (999; e.g. the Alpine variants)
//! need `.data_owner(uid, gid)` so the tmpfs data directory belongs to that user.
//!
//! **Names.** As on [`std::process::Command`], a builder method takes the plain name of what
//! it sets (`.database("shop")`, `.user(..)`, `.wait_timeout(..)`), and the getter of that
//! setting is the same name with `get_` in front (`.get_database()`, `.get_user()`,
//! [`get_wait_timeout()`](crate::ContainerDefinition::get_wait_timeout)). This holds for
//! every ready-made container and for [`ContainerDefinition`].
//!
//! ```no_run
//! use seaworthy::prelude::*;
//!
//! #[fixture(scope = "module")]
//! fn postgresql() -> PostgresContainer {
//!     PostgresContainer::new("postgresql").database("shop").user("shop").password("s3cr/t")
//! }
//!
//! #[container_test]
//! async fn starts_empty(#[clean] postgresql: &PostgresContainer) {
//!     assert_eq!(postgresql.list_tables().await.unwrap(), Vec::<Vec<String>>::new());
//!     assert_eq!(postgresql.database_url(), "postgres://shop:s3cr%2Ft@postgresql:5432/shop");
//! }
//! # fn main() {}
//! ```
//!
//! # What was verified, and against which images
//!
//! No registry is reachable where this crate is developed and tested, so **none of this has
//! been run against the official images**. Everything (environment variables, tmpfs ownership,
//! the double start of PostgreSQL, `psql`/`redis-cli`/`rabbitmqctl`/`nginx` output formats,
//! `clean()`) was verified against the project's own images in `test-images/`, built from
//! Debian bookworm packages to reproduce the official images' interface: PostgreSQL 15,
//! Redis 7.0, RabbitMQ 3.10 and nginx 1.22 (`integration-tests/tests/containers_*.rs`). The defaults follow the
//! official images' documentation: data directories, uid 999 (postgres, redis, rabbitmq),
//! `POSTGRES_*` and `RABBITMQ_DEFAULT_*` variables, log lines. Known differences that matter:
//! `psql`'s `\du` lists a `Member of` column up to PostgreSQL 15 only; Redis 7.2+ logs
//! `Ready to accept connections tcp` (the pattern is unanchored, so it still matches);
//! `clean()` of PostgreSQL uses `dropdb --force` (PostgreSQL 13 and later).

use std::fmt;
use std::sync::Arc;

use crate::definitions::ContainerDefinition;

mod fresh_service;
mod nginx;
mod postgres;
mod postgres_database;
mod rabbitmq;
mod redis;

pub use crate::fresh::FreshError;
pub use fresh_service::{RabbitMqVhost, RedisDatabase};
pub use nginx::NginxContainer;
pub use postgres::PostgresContainer;
pub use postgres_database::PostgresDatabase;
pub use rabbitmq::RabbitMqContainer;
pub use redis::RedisContainer;

type CustomizeFn = dyn Fn(ContainerDefinition) -> ContainerDefinition + Send + Sync;

/// Changes made to the inner definition through `configure`, `env` and `wait_timeout`, kept so
/// that the definition can be rebuilt when a setting of the wrapper (image, user…) changes.
#[derive(Clone, Default)]
pub(crate) struct Customizations(Vec<Arc<CustomizeFn>>);

impl Customizations {
    pub(crate) fn push(
        &mut self,
        f: impl Fn(ContainerDefinition) -> ContainerDefinition + Send + Sync + 'static,
    ) {
        self.0.push(Arc::new(f));
    }

    pub(crate) fn apply(&self, mut def: ContainerDefinition) -> ContainerDefinition {
        for f in &self.0 {
            def = f(def);
        }
        def
    }
}

impl fmt::Debug for Customizations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} customization(s)", self.0.len())
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters: safe in a URL's userinfo,
/// host and path segment.
pub(crate) fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// What a ready-made container does once its container is ready, when the harness (or its own
/// `setup`) sets it up: nothing, unless the type says otherwise (PostgreSQL's `init_sql`).
pub(crate) trait AfterSetup {
    fn after_setup(&self) -> futures_util::future::BoxFuture<'_, crate::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// The wrapper boilerplate: `Deref` to the definition, the builder passthroughs and the
/// [`Resource`](crate::Resource) implementation (whose `clean` calls `Self::clean_impl`).
macro_rules! container_wrapper {
    ($ty:ident) => {
        impl $ty {
            /// The container definition inside (its name, image, readiness, and once set up
            /// its ID, ports, logs…). The wrapper also derefs to it.
            pub fn definition(&self) -> &$crate::ContainerDefinition {
                &self.def
            }

            /// The definition inside, for uses the wrapper does not cover.
            pub fn into_definition(self) -> $crate::ContainerDefinition {
                self.def
            }

            /// Uses another image with the same interface as the official one (e.g. a
            /// locally built one). Read the image back with `.definition().image()`.
            pub fn image(mut self, image: impl Into<String>) -> Self {
                self.image = image.into();
                self.rebuild()
            }

            /// Changes the inner [`ContainerDefinition`] with its own builder methods
            /// (`publish`, `volume`, `command`, `label`…). The change is kept when other
            /// settings of this type are changed afterwards.
            ///
            /// ```
            #[doc = concat!("# use seaworthy::containers::", stringify!($ty), ";")]
            #[doc = concat!("let c = ", stringify!($ty), "::default().configure(|d| d.label(\"team\", \"web\"));")]
            /// # let _ = c;
            /// ```
            pub fn configure(
                mut self,
                f: impl Fn($crate::ContainerDefinition) -> $crate::ContainerDefinition
                    + Send
                    + Sync
                    + 'static,
            ) -> Self {
                self.custom.push(f);
                self.rebuild()
            }

            /// Sets an environment variable (later values win, also over the variables this
            /// type sets itself).
            pub fn env(self, key: impl Into<String>, value: impl Into<String>) -> Self {
                let (key, value) = (key.into(), value.into());
                self.configure(move |d| d.env(key.clone(), value.clone()))
            }

            /// The readiness deadline (each type has a default suited to its service).
            pub fn wait_timeout(self, timeout: std::time::Duration) -> Self {
                self.configure(move |d| d.wait_timeout(timeout))
            }

            fn rebuild(mut self) -> Self {
                self.def = self.custom.apply(self.base_definition());
                self
            }
        }

        impl Default for $ty {
            fn default() -> Self {
                $ty::new($ty::DEFAULT_NAME)
            }
        }

        impl std::ops::Deref for $ty {
            type Target = $crate::ContainerDefinition;
            fn deref(&self) -> &$crate::ContainerDefinition {
                &self.def
            }
        }

        impl AsRef<$crate::ContainerDefinition> for $ty {
            fn as_ref(&self) -> &$crate::ContainerDefinition {
                &self.def
            }
        }

        impl $crate::Resource for $ty {
            fn setup_attached<'a>(
                &'a self,
                helper: &'a $crate::DockerHelper,
                attach: &'a $crate::Attachment,
            ) -> futures_util::future::BoxFuture<'a, $crate::Result<()>> {
                Box::pin(async move {
                    $crate::Resource::setup_attached(&self.def, helper, attach).await?;
                    $crate::containers::AfterSetup::after_setup(self).await
                })
            }

            fn teardown(&self) -> futures_util::future::BoxFuture<'_, $crate::Result<()>> {
                $crate::Resource::teardown(&self.def)
            }

            fn container(&self) -> Option<&$crate::ContainerDefinition> {
                Some(&self.def)
            }

            fn clean(&self) -> futures_util::future::BoxFuture<'_, $crate::Result<()>> {
                Box::pin(self.clean_impl())
            }
        }
    };
}
pub(crate) use container_wrapper;

/// The user and password of a ready-made container whose image creates one account from two
/// environment variables (PostgreSQL's superuser, RabbitMQ's default user): the setters (which
/// rebuild the definition) and the getters, for a type with `user` and `password` fields.
/// `$who` names the account in the docs.
macro_rules! credentials {
    ($ty:ident, $who:literal, $user_env:literal, $password_env:literal) => {
        impl $ty {
            #[doc = concat!("The ", $who, " to create (`", $user_env, "`).")]
            pub fn user(mut self, user: impl Into<String>) -> Self {
                self.user = user.into();
                self.rebuild()
            }

            #[doc = concat!("The ", $who, "'s password (`", $password_env, "`).")]
            pub fn password(mut self, password: impl Into<String>) -> Self {
                self.password = password.into();
                self.rebuild()
            }

            #[doc = concat!("The ", $who, "'s name.")]
            pub fn get_user(&self) -> &str {
                &self.user
            }

            #[doc = concat!("The ", $who, "'s password.")]
            pub fn get_password(&self) -> &str {
                &self.password
            }
        }
    };
}
pub(crate) use credentials;

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn encoding_keeps_unreserved_only() {
        assert_eq!(encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(encode("s3cr/t@x:y"), "s3cr%2Ft%40x%3Ay");
        assert_eq!(encode("/vhost"), "%2Fvhost");
        assert_eq!(encode("p ä%"), "p%20%C3%A4%25");
    }
}
