//! [`RedisContainer`].

use super::{container_wrapper, Customizations};
use crate::definitions::ContainerDefinition;
use crate::error::ContainerError;
use crate::error::Result;
use crate::exec::{Exec, ExecOutput};
use crate::wait::Wait;

/// A Redis server from the official `redis` image (or one with the same interface).
///
/// `/data` is a tmpfs owned by the image's `redis` user (uid 999 in the official Debian-based
/// image). Ready when the log says `Ready to accept connections` (Redis 7.2+ appends ` tcp`;
/// the pattern still matches). Deadline: 10 s.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{containers::RedisContainer, DockerHelper};
///
/// let helper = DockerHelper::connect().await?;
/// let redis = RedisContainer::default();
/// redis.setup(&helper).await?;
/// redis.exec_redis_cli(["SET", "greeting", "hello"]).await?;
/// assert_eq!(redis.list_keys("*", 0).await?, ["greeting"]);
/// assert_eq!(redis.url(), "redis://redis:6379/0");
/// redis.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisContainer {
    def: ContainerDefinition,
    name: String,
    image: String,
    owner: (u32, u32),
    custom: Customizations,
}

container_wrapper!(RedisContainer);

impl super::AfterSetup for RedisContainer {}

impl RedisContainer {
    /// `redis`.
    pub const DEFAULT_NAME: &'static str = "redis";
    /// `redis:7`: the official image (`docker.io/library/redis:7`), pulled on first use when
    /// it is not present (see [`PullPolicy`](crate::PullPolicy)).
    pub const DEFAULT_IMAGE: &'static str = "redis:7";
    /// The data directory, a tmpfs: `/data`.
    pub const DATA_DIR: &'static str = "/data";
    /// The port the server listens on: 6379.
    pub const PORT: u16 = 6379;
    /// The log line the readiness check waits for.
    pub const READY_PATTERN: &'static str = "Ready to accept connections";

    /// A Redis container named `name` (its network alias) from `redis:7`.
    pub fn new(name: impl Into<String>) -> Self {
        RedisContainer {
            def: ContainerDefinition::new("", ""),
            name: name.into(),
            image: Self::DEFAULT_IMAGE.into(),
            owner: (999, 999),
            custom: Customizations::default(),
        }
        .rebuild()
    }

    /// The uid and gid owning the tmpfs `/data` (default 999:999, the official image's
    /// `redis` user).
    pub fn data_owner(mut self, uid: u32, gid: u32) -> Self {
        self.owner = (uid, gid);
        self.rebuild()
    }

    fn base_definition(&self) -> ContainerDefinition {
        ContainerDefinition::new(&self.name, &self.image)
            .tmpfs(
                Self::DATA_DIR,
                format!("uid={},gid={}", self.owner.0, self.owner.1),
            )
            .wait_for(Wait::logs([Self::READY_PATTERN]))
    }

    /// `redis://NAME:6379/0`: the URL another container on the same network uses.
    pub fn url(&self) -> String {
        self.url_for_db(0)
    }

    /// `redis://NAME:6379/DB`.
    pub fn url_for_db(&self, db: u32) -> String {
        format!("redis://{}:{}/{db}", self.name, Self::PORT)
    }

    /// Runs `redis-cli ARGS…` on database 0 and returns its output whatever its exit code
    /// (redis-cli exits 0 even when the server answers with an error: look at the output).
    pub async fn exec_redis_cli<I, S>(&self, args: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exec_redis_cli_db(0, args).await
    }

    /// Runs `redis-cli -n DB ARGS…`.
    pub async fn exec_redis_cli_db<I, S>(&self, db: u32, args: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cmd: Vec<String> = vec!["redis-cli".into(), "-n".into(), db.to_string()];
        cmd.extend(args.into_iter().map(Into::into));
        self.def.exec_with(Exec::new(cmd)).await
    }

    /// The keys of database `db` matching `pattern` (`KEYS pattern`), sorted.
    pub async fn list_keys(&self, pattern: &str, db: u32) -> Result<Vec<String>> {
        let out = self
            .def
            .exec_ok_with(Exec::new([
                "redis-cli",
                "-n",
                &db.to_string(),
                "KEYS",
                pattern,
            ]))
            .await?;
        let mut keys: Vec<String> = out
            .stdout_lines()
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// `FLUSHALL`: empties every database.
    pub async fn flush_all(&self) -> Result<()> {
        let out = self
            .def
            .exec_ok_with(Exec::new(["redis-cli", "FLUSHALL"]))
            .await?;
        match out.stdout_str().trim() {
            "OK" => Ok(()),
            other => Err(crate::Error::from(ContainerError::UnexpectedAnswer {
                container: self.def.docker_name()?,
                command: "redis-cli FLUSHALL".into(),
                answer: other.into(),
                expected: "OK".into(),
            })),
        }
    }

    async fn clean_impl(&self) -> Result<()> {
        self.flush_all().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(RedisContainer::default().url(), "redis://redis:6379/0");
        assert_eq!(
            RedisContainer::new("cache").url_for_db(3),
            "redis://cache:6379/3"
        );
    }

    #[test]
    fn tmpfs_owner_follows_the_setting() {
        let r = RedisContainer::default().data_owner(100, 101);
        assert_eq!(r.definition().image(), "redis:7");
        assert_eq!(
            r.get_wait_for().unwrap().to_string(),
            r#"logs matching ["Ready to accept connections"]"#
        );
    }
}
