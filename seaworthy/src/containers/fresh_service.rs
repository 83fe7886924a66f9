//! [`RedisDatabase`] and [`RabbitMqVhost`]: one test's own Redis database number and RabbitMQ
//! vhost on a shared server, the counterparts of [`PostgresDatabase`](super::PostgresDatabase).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;

use super::{encode, RabbitMqContainer, RedisContainer};
use crate::definitions::Attachment;
use crate::error::Result;
use crate::exec::{Exec, ExecOutput};
use crate::fresh::{unique_name, FreshError};
use crate::helper::DockerHelper;
use crate::Resource;

/// Takes the first free database number above 0 atomically (a script runs alone in Redis):
/// `SET seaworthy:db:N OWNER NX` in database 0; 0 when every one is held.
const CLAIM_SCRIPT: &str = "for n = 1, tonumber(ARGV[2]) - 1 do \
     if redis.call('SET', 'seaworthy:db:' .. n, ARGV[1], 'NX') then return n end \
   end return 0";

/// A Redis database number of its own for one test (1 to 15 with the default 16 databases),
/// claimed on a shared [`RedisContainer`] when the test starts (atomically, across the run's
/// processes: the claim is a key `seaworthy:db:N` in database 0), emptied when it is claimed and
/// when the test ends, then released. When every number is held, the setup fails at once with
/// [`FreshError::NoFreeRedisDatabase`]. Database 0 holds the claims: tests that take a fresh
/// database must not `FLUSHALL`.
///
/// ```no_run
/// use seaworthy::prelude::*;
/// use seaworthy::containers::RedisDatabase;
///
/// #[fixture(scope = "module")]
/// fn cache() -> RedisContainer {
///     RedisContainer::new("cache")
/// }
///
/// #[fixture]
/// fn cache_db(cache: &RedisContainer) -> RedisDatabase {
///     cache.fresh_database()
/// }
///
/// #[container_test]
/// async fn starts_empty(cache_db: &RedisDatabase) {
///     assert_eq!(cache_db.exec_redis_cli(["DBSIZE"]).await.unwrap().stdout_str(), "0\n");
/// }
/// # fn main() {}
/// ```
#[derive(Debug, Clone)]
pub struct RedisDatabase {
    server: RedisContainer,
    owner: String,
    number: Arc<Mutex<Option<u32>>>,
}

impl RedisContainer {
    /// A database number of its own for one test; see [`RedisDatabase`].
    pub fn fresh_database(&self) -> RedisDatabase {
        RedisDatabase {
            server: self.clone(),
            owner: unique_name("test"),
            number: Arc::default(),
        }
    }
}

impl RedisDatabase {
    /// The database number, once set up.
    pub fn number(&self) -> Option<u32> {
        *crate::sync::lock(&self.number)
    }

    fn claimed(&self) -> Result<u32> {
        self.number().ok_or_else(|| {
            crate::Error::from(crate::error::ContainerError::NotSetUp {
                kind: "fresh Redis database of",
                name: self.server.name().to_string(),
            })
        })
    }

    /// `redis://NAME:6379/N`.
    pub fn url(&self) -> Result<String> {
        Ok(self.server.url_for_db(self.claimed()?))
    }

    /// The shared server.
    pub fn server(&self) -> &RedisContainer {
        &self.server
    }

    /// Runs `redis-cli -n N ARGS…` on this database.
    pub async fn exec_redis_cli<I, S>(&self, args: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.server.exec_redis_cli_db(self.claimed()?, args).await
    }

    async fn answer(&self, args: &[&str]) -> Result<String> {
        let out = self
            .server
            .exec_ok_with(Exec::new(
                ["redis-cli"]
                    .iter()
                    .chain(args)
                    .copied()
                    .collect::<Vec<_>>(),
            ))
            .await?;
        Ok(out.stdout_str().trim().to_string())
    }

    fn unexpected(&self, command: &str, answer: String) -> crate::Error {
        FreshError::Unexpected {
            container: self.server.name().to_string(),
            command: command.into(),
            answer,
        }
        .into()
    }

    async fn claim(&self) -> Result<()> {
        let config = self.answer(&["CONFIG", "GET", "databases"]).await?;
        let databases = config
            .lines()
            .nth(1)
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(|| self.unexpected("CONFIG GET databases", config.clone()))?;
        let max = databases.to_string();
        let args = ["-n", "0", "EVAL", CLAIM_SCRIPT, "0", &self.owner, &max];
        let answer = self.answer(&args).await?;
        let n: u32 = answer
            .parse()
            .map_err(|_| self.unexpected("EVAL (claim a database)", answer.clone()))?;
        if n == 0 {
            return Err(FreshError::NoFreeRedisDatabase {
                container: self.server.name().to_string(),
                databases,
            }
            .into());
        }
        *crate::sync::lock(&self.number) = Some(n);
        self.answer(&["-n", &n.to_string(), "FLUSHDB"]).await?;
        Ok(())
    }

    async fn release(&self) -> Result<()> {
        let Some(n) = crate::sync::lock(&self.number).take() else {
            return Ok(());
        };
        self.answer(&["-n", &n.to_string(), "FLUSHDB"]).await?;
        self.answer(&["-n", "0", "DEL", &format!("seaworthy:db:{n}")])
            .await?;
        Ok(())
    }
}

impl Resource for RedisDatabase {
    fn setup_attached<'a>(
        &'a self,
        _helper: &'a DockerHelper,
        _attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.claim())
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.release())
    }
}

/// A RabbitMQ vhost of its own for one test on a shared [`RabbitMqContainer`]: added (with all
/// permissions for the container's user) when the test starts, deleted with its queues and
/// exchanges when it ends. `rabbitmqctl` starts an Erlang VM each time: expect about a second
/// for each of the two steps.
#[derive(Debug, Clone)]
pub struct RabbitMqVhost {
    server: RabbitMqContainer,
    name: String,
    added: Arc<AtomicBool>,
}

impl RabbitMqContainer {
    /// A vhost of its own for one test; see [`RabbitMqVhost`].
    pub fn fresh_vhost(&self) -> RabbitMqVhost {
        RabbitMqVhost {
            server: self.clone(),
            name: unique_name("test"),
            added: Arc::default(),
        }
    }
}

impl RabbitMqVhost {
    /// The vhost's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The shared server.
    pub fn server(&self) -> &RabbitMqContainer {
        &self.server
    }

    /// `amqp://USER:PASSWORD@NAME:5672/VHOST` for this vhost.
    pub fn broker_url(&self) -> String {
        format!(
            "amqp://{}:{}@{}:{}/{}",
            encode(self.server.get_user()),
            encode(self.server.get_password()),
            self.server.name(),
            RabbitMqContainer::PORT,
            encode(&self.name)
        )
    }

    async fn ctl(&self, args: &[&str]) -> Result<()> {
        let cmd: Vec<&str> = ["rabbitmqctl", "-q"].iter().chain(args).copied().collect();
        self.server.exec_ok_with(Exec::new(cmd)).await?;
        Ok(())
    }

    async fn add(&self) -> Result<()> {
        self.ctl(&["add_vhost", &self.name]).await?;
        self.added.store(true, Ordering::SeqCst);
        let user = self.server.get_user();
        self.ctl(&["set_permissions", "-p", &self.name, user, ".*", ".*", ".*"])
            .await
    }
}

impl Resource for RabbitMqVhost {
    fn setup_attached<'a>(
        &'a self,
        _helper: &'a DockerHelper,
        _attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.add())
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if self.added.swap(false, Ordering::SeqCst) {
                self.ctl(&["delete_vhost", &self.name]).await?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vhost_urls_are_encoded() {
        let v = RabbitMqContainer::new("mq").user("u").fresh_vhost();
        assert!(v.name().starts_with("test_"), "{}", v.name());
        assert_eq!(
            v.broker_url(),
            format!("amqp://u:password@mq:5672/{}", v.name())
        );
    }

    #[test]
    fn a_redis_database_has_no_number_before_setup() {
        let db = RedisContainer::new("cache").fresh_database();
        assert_eq!(db.number(), None);
        assert!(db
            .url()
            .unwrap_err()
            .to_string()
            .starts_with("fresh Redis database of `cache` is not set up\n"));
    }
}
