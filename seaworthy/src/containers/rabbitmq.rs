//! [`RabbitMqContainer`].

use std::time::Duration;

use super::{container_wrapper, credentials, encode, Customizations};
use crate::definitions::ContainerDefinition;
use crate::error::Result;
use crate::exec::{Exec, ExecOutput};
use crate::wait::Wait;

/// A RabbitMQ broker from the official `rabbitmq` image (or one with the same interface).
///
/// The default vhost, user and password are set through `RABBITMQ_DEFAULT_VHOST`,
/// `RABBITMQ_DEFAULT_USER` and `RABBITMQ_DEFAULT_PASS` (the default user is an administrator,
/// and no `guest` user exists); the data directory `/var/lib/rabbitmq` (which also holds the
/// Erlang cookie) is a tmpfs owned by the image's `rabbitmq` user (uid 999 in the official
/// image).
///
/// Readiness: `rabbitmqctl -q wait --pid 1` exits 0, run in the container once the Erlang
/// cookie exists (a `rabbitmqctl` started before the server would create the cookie itself, as
/// root, and lock the server out). The broker needs 10–30 s to boot on a small machine; the
/// deadline is 60 s.
///
/// `rabbitmqctl` runs as the exec user (root), with the image's `HOME` holding the cookie, as
/// `docker exec CONTAINER rabbitmqctl …` does. The `list_*` helpers use `--no-table-headers`
/// (RabbitMQ 3.7.9 and later).
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{containers::RabbitMqContainer, DockerHelper};
///
/// let helper = DockerHelper::connect().await?;
/// let broker = RabbitMqContainer::default();
/// broker.setup(&helper).await?;
/// assert_eq!(broker.list_vhosts().await?, ["/vhost"]);
/// assert_eq!(broker.broker_url(), "amqp://user:password@rabbitmq:5672/%2Fvhost");
/// broker.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RabbitMqContainer {
    def: ContainerDefinition,
    name: String,
    image: String,
    vhost: String,
    user: String,
    password: String,
    owner: (u32, u32),
    custom: Customizations,
}

container_wrapper!(RabbitMqContainer);
credentials!(
    RabbitMqContainer,
    "default user",
    "RABBITMQ_DEFAULT_USER",
    "RABBITMQ_DEFAULT_PASS"
);

impl super::AfterSetup for RabbitMqContainer {}

impl RabbitMqContainer {
    /// `rabbitmq`.
    pub const DEFAULT_NAME: &'static str = "rabbitmq";
    /// `rabbitmq:3`: the official image (`docker.io/library/rabbitmq:3`), pulled on first use when
    /// it is not present (see [`PullPolicy`](crate::PullPolicy)).
    pub const DEFAULT_IMAGE: &'static str = "rabbitmq:3";
    /// `/vhost`.
    pub const DEFAULT_VHOST: &'static str = "/vhost";
    /// `user`.
    pub const DEFAULT_USER: &'static str = "user";
    /// `password`.
    pub const DEFAULT_PASSWORD: &'static str = "password";
    /// The data directory, a tmpfs: `/var/lib/rabbitmq`.
    pub const DATA_DIR: &'static str = "/var/lib/rabbitmq";
    /// The AMQP port: 5672.
    pub const PORT: u16 = 5672;
    /// The default readiness deadline: 60 s.
    pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A RabbitMQ container named `name` (its network alias) with the defaults above.
    pub fn new(name: impl Into<String>) -> Self {
        RabbitMqContainer {
            def: ContainerDefinition::new("", ""),
            name: name.into(),
            image: Self::DEFAULT_IMAGE.into(),
            vhost: Self::DEFAULT_VHOST.into(),
            user: Self::DEFAULT_USER.into(),
            password: Self::DEFAULT_PASSWORD.into(),
            owner: (999, 999),
            custom: Customizations::default(),
        }
        .rebuild()
    }

    /// The default vhost (`RABBITMQ_DEFAULT_VHOST`).
    pub fn vhost(mut self, vhost: impl Into<String>) -> Self {
        self.vhost = vhost.into();
        self.rebuild()
    }

    /// The uid and gid owning the tmpfs data directory (default 999:999).
    pub fn data_owner(mut self, uid: u32, gid: u32) -> Self {
        self.owner = (uid, gid);
        self.rebuild()
    }

    fn base_definition(&self) -> ContainerDefinition {
        // The wait command's own timeout only bounds one attempt; the definition's deadline
        // bounds readiness.
        let wait = "until test -s \"$HOME/.erlang.cookie\"; do sleep 0.1; done; \
                    exec rabbitmqctl -q wait --pid 1 --timeout 600";
        ContainerDefinition::new(&self.name, &self.image)
            .env("RABBITMQ_DEFAULT_VHOST", &self.vhost)
            .env("RABBITMQ_DEFAULT_USER", &self.user)
            .env("RABBITMQ_DEFAULT_PASS", &self.password)
            .tmpfs(
                Self::DATA_DIR,
                format!("uid={},gid={}", self.owner.0, self.owner.1),
            )
            .wait_for(Wait::command(["sh", "-c", wait]))
            .wait_timeout(Self::DEFAULT_WAIT_TIMEOUT)
    }

    /// The default vhost.
    pub fn get_vhost(&self) -> &str {
        &self.vhost
    }

    /// `amqp://USER:PASSWORD@NAME:5672/VHOST`, each part percent-encoded (so the vhost `/vhost`
    /// is `%2Fvhost` and `/` is `%2F`, as the AMQP URI spec wants): the URL another container on
    /// the same network uses.
    pub fn broker_url(&self) -> String {
        self.broker_url_at(&self.name, Self::PORT)
    }

    /// The broker URL with another host and port.
    pub fn broker_url_at(&self, host: &str, port: u16) -> String {
        format!(
            "amqp://{}:{}@{host}:{port}/{}",
            encode(&self.user),
            encode(&self.password),
            encode(&self.vhost)
        )
    }

    /// Runs `rabbitmqctl -q COMMAND ARGS…` and returns its output whatever its exit code.
    pub async fn exec_rabbitmqctl<I, S>(&self, command: &str, args: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cmd: Vec<String> = vec!["rabbitmqctl".into(), "-q".into(), command.into()];
        cmd.extend(args.into_iter().map(Into::into));
        self.def.exec_with(Exec::new(cmd)).await
    }

    /// Runs `rabbitmqctl -q list_RESOURCES --no-table-headers ARGS…`; fails unless it exits 0.
    pub async fn exec_rabbitmqctl_list<I, S>(&self, resources: &str, args: I) -> Result<Vec<String>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cmd: Vec<String> = vec![
            "rabbitmqctl".into(),
            "-q".into(),
            format!("list_{resources}"),
            "--no-table-headers".into(),
        ];
        cmd.extend(args.into_iter().map(Into::into));
        Ok(self.def.exec_ok_with(Exec::new(cmd)).await?.stdout_lines())
    }

    /// The vhosts, sorted.
    pub async fn list_vhosts(&self) -> Result<Vec<String>> {
        let mut v = self.exec_rabbitmqctl_list("vhosts", None::<String>).await?;
        v.sort();
        Ok(v)
    }

    /// The queues of the default vhost as `(name, messages)`, sorted by name.
    pub async fn list_queues(&self) -> Result<Vec<(String, u64)>> {
        let lines = self
            .exec_rabbitmqctl_list("queues", ["-p", self.vhost.as_str()])
            .await?;
        let mut queues: Vec<(String, u64)> = lines
            .iter()
            .map(|l| {
                let (name, count) = l.rsplit_once('\t').unwrap_or((l, "0"));
                (name.to_string(), count.trim().parse().unwrap_or(0))
            })
            .collect();
        queues.sort();
        Ok(queues)
    }

    /// The users as `(name, tags)`, sorted by name; a user without tags has an empty list
    /// (Seaworthy gave `['']`).
    pub async fn list_users(&self) -> Result<Vec<(String, Vec<String>)>> {
        let lines = self.exec_rabbitmqctl_list("users", None::<String>).await?;
        let mut users: Vec<(String, Vec<String>)> = lines.iter().map(|l| parse_user(l)).collect();
        users.sort();
        Ok(users)
    }

    /// Resets the node to the state it booted in (only the default vhost and user, no queues):
    /// `rabbitmqctl stop_app`, `reset`, `start_app`, the documented way. Takes a few seconds.
    pub async fn reset(&self) -> Result<()> {
        for step in ["stop_app", "reset", "start_app"] {
            self.def
                .exec_ok_with(Exec::new(["rabbitmqctl", "-q", step]))
                .await?;
        }
        Ok(())
    }

    async fn clean_impl(&self) -> Result<()> {
        self.reset().await
    }
}

/// `user\t[administrator, monitoring]` → `("user", ["administrator", "monitoring"])`.
fn parse_user(line: &str) -> (String, Vec<String>) {
    let (name, tags) = line.split_once('\t').unwrap_or((line, ""));
    let tags = tags.trim().trim_start_matches('[').trim_end_matches(']');
    let tags = tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    (name.to_string(), tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_tags() {
        assert_eq!(
            parse_user("user\t[administrator, monitoring]"),
            (
                "user".into(),
                vec!["administrator".into(), "monitoring".into()]
            )
        );
        assert_eq!(parse_user("new_user\t[]"), ("new_user".into(), vec![]));
    }

    #[test]
    fn broker_urls() {
        assert_eq!(
            RabbitMqContainer::default().broker_url(),
            "amqp://user:password@rabbitmq:5672/%2Fvhost"
        );
        let amqp = RabbitMqContainer::new("amqp")
            .vhost("/")
            .user("guest")
            .password("guest");
        assert_eq!(amqp.broker_url(), "amqp://guest:guest@amqp:5672/%2F");
        assert_eq!(
            amqp.broker_url_at("127.0.0.1", 5673),
            "amqp://guest:guest@127.0.0.1:5673/%2F"
        );
    }
}
