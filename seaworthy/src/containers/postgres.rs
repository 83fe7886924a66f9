//! [`PostgresContainer`].

use std::time::Duration;

use super::{container_wrapper, credentials, encode, Customizations};
use crate::definitions::ContainerDefinition;
use crate::error::Result;
use crate::exec::{Exec, ExecOutput};
use crate::helper::DockerHelper;
use crate::wait::Wait;

/// A PostgreSQL server from the official `postgres` image (or one with the same interface).
///
/// The database, user and password are set through `POSTGRES_DB`, `POSTGRES_USER` and
/// `POSTGRES_PASSWORD`; the data directory (`/var/lib/postgresql/data`) is a tmpfs owned by the
/// image's `postgres` user (uid 999 in the official Debian-based image; `.data_owner(70, 70)`
/// for `postgres:*-alpine`), so every container starts from an empty cluster, fast.
///
/// Readiness: the image's entrypoint starts PostgreSQL twice on a fresh data directory (a
/// temporary server to create the database and run init scripts, then the real one), and each
/// logs `database system is ready to accept connections`; the container counts as ready after
/// the **second** such line (the pattern is listed twice). Deadline: 30 s.
///
/// Helpers run `psql`, `dropdb` and `createdb` inside the container as the `postgres` OS user,
/// over the local socket (trusted by initdb's defaults).
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{containers::PostgresContainer, DockerHelper};
///
/// let helper = DockerHelper::connect().await?;
/// let pg = PostgresContainer::new("postgresql").database("shop").user("shop");
/// pg.setup(&helper).await?;
/// pg.exec_psql("CREATE TABLE items(name text)").await?;
/// assert_eq!(pg.list_tables().await?, [["public", "items", "table", "shop"]]);
/// assert_eq!(pg.database_url(), "postgres://shop:password@postgresql:5432/shop");
/// pg.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresContainer {
    def: ContainerDefinition,
    name: String,
    image: String,
    database: String,
    user: String,
    password: String,
    owner: (u32, u32),
    init_sql: Vec<String>,
    custom: Customizations,
}

container_wrapper!(PostgresContainer);
credentials!(
    PostgresContainer,
    "superuser",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD"
);

impl super::AfterSetup for PostgresContainer {
    fn after_setup(&self) -> futures_util::future::BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if self.def.is_reused() {
                // Kept from an earlier run: its scripts ran then (they are in its hash).
                return Ok(());
            }
            self.run_init_sql().await
        })
    }
}

impl PostgresContainer {
    /// `postgresql`.
    pub const DEFAULT_NAME: &'static str = "postgresql";
    /// `postgres:15`: the official image (`docker.io/library/postgres:15`), pulled on first use when
    /// it is not present (see [`PullPolicy`](crate::PullPolicy)).
    pub const DEFAULT_IMAGE: &'static str = "postgres:15";
    /// `database`.
    pub const DEFAULT_DATABASE: &'static str = "database";
    /// `user`.
    pub const DEFAULT_USER: &'static str = "user";
    /// `password`.
    pub const DEFAULT_PASSWORD: &'static str = "password";
    /// The data directory, a tmpfs: `/var/lib/postgresql/data`.
    pub const DATA_DIR: &'static str = "/var/lib/postgresql/data";
    /// The port the server listens on: 5432.
    pub const PORT: u16 = 5432;
    /// The log line the readiness check waits for (twice).
    pub const READY_PATTERN: &'static str = "database system is ready to accept connections";

    /// A PostgreSQL container named `name` (its network alias) with the defaults above.
    pub fn new(name: impl Into<String>) -> Self {
        PostgresContainer {
            def: ContainerDefinition::new("", ""),
            name: name.into(),
            image: Self::DEFAULT_IMAGE.into(),
            database: Self::DEFAULT_DATABASE.into(),
            user: Self::DEFAULT_USER.into(),
            password: Self::DEFAULT_PASSWORD.into(),
            owner: (999, 999),
            init_sql: Vec::new(),
            custom: Customizations::default(),
        }
        .rebuild()
    }

    /// The database to create (`POSTGRES_DB`).
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = database.into();
        self.rebuild()
    }

    /// The uid and gid owning the tmpfs data directory (default 999:999, the official image's
    /// `postgres` user; 70:70 for the Alpine variants).
    pub fn data_owner(mut self, uid: u32, gid: u32) -> Self {
        self.owner = (uid, gid);
        self.rebuild()
    }

    /// SQL run in the database once the server is ready, by whoever sets the container up
    /// (the harness, once per shared instance, even under nextest; or
    /// [`setup`](Self::setup)), with `ON_ERROR_STOP`: a failing statement fails the setup.
    /// Repeat it for several scripts (e.g. `include_str!` of each migration, in order). This
    /// is how the template of `fresh_database` (a `PostgresDatabase`) gets its schema and rows.
    pub fn init_sql(mut self, sql: impl Into<String>) -> Self {
        self.init_sql.push(sql.into());
        self.rebuild()
    }

    /// Creates and starts the container, waits until it is ready and runs the
    /// [`init_sql`](Self::init_sql) scripts (what the harness does for a fixture).
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.def.setup(helper).await?;
        self.run_init_sql().await
    }

    async fn run_init_sql(&self) -> Result<()> {
        for sql in &self.init_sql {
            let out = self
                .exec_psql_on(&self.database, sql, ["-qtA", "-v", "ON_ERROR_STOP=1"])
                .await?;
            if out.exit_code != 0 {
                return Err(crate::Error::from(
                    crate::error::ContainerError::ExecFailed {
                        container: self.name.clone(),
                        command: format!("psql -v ON_ERROR_STOP=1 -c '{sql}' (init_sql)"),
                        exit_code: out.exit_code,
                        stdout: out.stdout_str(),
                        stderr: out.stderr_str(),
                    },
                ));
            }
        }
        Ok(())
    }

    fn base_definition(&self) -> ContainerDefinition {
        let mut def = ContainerDefinition::new(&self.name, &self.image);
        if !self.init_sql.is_empty() {
            // Part of what defines the container, for reuse between runs (`SEAWORTHY_REUSE`).
            let digest = crate::cleanup::reuse::digest(&self.init_sql);
            def = def.label("seaworthy.init-sql", &digest[..16]);
        }
        def.env("POSTGRES_DB", &self.database)
            .env("POSTGRES_USER", &self.user)
            .env("POSTGRES_PASSWORD", &self.password)
            .tmpfs(
                Self::DATA_DIR,
                format!("uid={},gid={}", self.owner.0, self.owner.1),
            )
            .wait_for(Wait::logs([Self::READY_PATTERN, Self::READY_PATTERN]))
            .wait_timeout(Duration::from_secs(30))
    }

    /// The database name.
    pub fn get_database(&self) -> &str {
        &self.database
    }

    /// `postgres://USER:PASSWORD@NAME:5432/DATABASE`, each part percent-encoded: the URL
    /// another container on the same network uses (the host is the network alias).
    pub fn database_url(&self) -> String {
        self.database_url_at(&self.name, Self::PORT)
    }

    /// The database URL with another host and port, e.g. `127.0.0.1` and the published port.
    pub fn database_url_at(&self, host: &str, port: u16) -> String {
        format!(
            "postgres://{}:{}@{}:{port}/{}",
            encode(&self.user),
            encode(&self.password),
            host,
            encode(&self.database)
        )
    }

    /// Runs `psql -qtA --dbname DATABASE -U USER -c COMMAND` as the `postgres` OS user and
    /// returns its output whatever its exit code.
    pub async fn exec_psql(&self, command: &str) -> Result<ExecOutput> {
        self.exec_psql_with(command, ["-qtA"]).await
    }

    /// Like [`exec_psql`](Self::exec_psql) with other `psql` options than `-qtA`.
    pub async fn exec_psql_with<I, S>(&self, command: &str, psql_opts: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exec_psql_on(&self.database, command, psql_opts).await
    }

    /// `psql OPTS --dbname DATABASE -U USER -c COMMAND` on another database of the server.
    pub(super) async fn exec_psql_on<I, S>(
        &self,
        database: &str,
        command: &str,
        psql_opts: I,
    ) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cmd: Vec<String> = vec!["psql".into()];
        cmd.extend(psql_opts.into_iter().map(Into::into));
        cmd.extend([
            "--dbname".into(),
            database.into(),
            "-U".into(),
            self.user.clone(),
            "-c".into(),
            command.into(),
        ]);
        self.def.exec_with(Exec::new(cmd).user("postgres")).await
    }

    /// Runs a `psql` command that must succeed and splits its unaligned, tuples-only output
    /// into rows of fields (fields are separated by NUL, records by ASCII RS, so values containing
    /// newlines or `|`, such as access privileges, stay whole).
    async fn psql_rows(&self, command: &str) -> Result<Vec<Vec<String>>> {
        self.psql_rows_on(&self.database, command).await
    }

    /// [`psql_rows`](Self::psql_rows) on another database of the server.
    pub(super) async fn psql_rows_on(
        &self,
        database: &str,
        command: &str,
    ) -> Result<Vec<Vec<String>>> {
        let mut cmd: Vec<String> = ["psql", "-qtA", "-z", "-R", RECORD_SEPARATOR, "--dbname"]
            .map(String::from)
            .to_vec();
        cmd.extend([
            database.into(),
            "-U".into(),
            self.user.clone(),
            "-c".into(),
            command.into(),
        ]);
        let out = self
            .def
            .exec_ok_with(Exec::new(cmd).user("postgres"))
            .await?;
        Ok(parse_rows(&out.stdout_str()))
    }

    /// `\list`: one row per database, the name first (then owner, encoding, collation…).
    pub async fn list_databases(&self) -> Result<Vec<Vec<String>>> {
        self.psql_rows(r"\list").await
    }

    /// `\dt`: one `[schema, name, type, owner]` row per table.
    pub async fn list_tables(&self) -> Result<Vec<Vec<String>>> {
        self.psql_rows(r"\dt").await
    }

    /// `\du`: one `[role, attributes, member of]` row per role (PostgreSQL 16 drops the last).
    pub async fn list_users(&self) -> Result<Vec<Vec<String>>> {
        self.psql_rows(r"\du").await
    }

    /// Drops and re-creates the database (empty, owned by the user), closing connections to it:
    /// `dropdb --force` then `createdb`. Other databases are left alone.
    pub async fn reset_database(&self) -> Result<()> {
        let as_postgres = |cmd: Vec<String>| Exec::new(cmd).user("postgres");
        let (user, db) = (self.user.clone(), self.database.clone());
        self.def
            .exec_ok_with(as_postgres(vec![
                "dropdb".into(),
                "--if-exists".into(),
                "--force".into(),
                "-U".into(),
                user.clone(),
                db.clone(),
            ]))
            .await?;
        self.def
            .exec_ok_with(as_postgres(vec!["createdb".into(), "-U".into(), user, db]))
            .await?;
        Ok(())
    }

    async fn clean_impl(&self) -> Result<()> {
        self.reset_database().await
    }
}

/// psql's record separator for parsed output: ASCII RS (fields are separated by NUL).
const RECORD_SEPARATOR: &str = "\u{1e}";

/// Splits `psql -A -t -z -R RS` output (psql ends the last record with a newline).
fn parse_rows(out: &str) -> Vec<Vec<String>> {
    let out = out.strip_suffix('\n').unwrap_or(out);
    if out.is_empty() {
        return Vec::new();
    }
    out.split(RECORD_SEPARATOR)
        .map(|r| r.split('\0').map(String::from).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_newlines_and_empty_fields() {
        let out = "db\0user\0\0a\nb\u{1e}t\0u\0x\0\n";
        assert_eq!(
            parse_rows(out),
            [vec!["db", "user", "", "a\nb"], vec!["t", "u", "x", ""]]
        );
        assert!(parse_rows("").is_empty());
        assert!(parse_rows("\n").is_empty());
    }

    #[test]
    fn urls_are_percent_encoded() {
        let pg = PostgresContainer::default()
            .user("my site")
            .password("s3cr/t@x")
            .database("db");
        assert_eq!(
            pg.database_url(),
            "postgres://my%20site:s3cr%2Ft%40x@postgresql:5432/db"
        );
        assert_eq!(
            pg.database_url_at("127.0.0.1", 40001),
            "postgres://my%20site:s3cr%2Ft%40x@127.0.0.1:40001/db"
        );
        assert_eq!(
            PostgresContainer::default().database_url(),
            "postgres://user:password@postgresql:5432/database"
        );
    }

    #[test]
    fn settings_reach_the_definition_in_any_order() {
        let pg = PostgresContainer::new("db")
            .configure(|d| d.label("k", "v"))
            .image("seaworthy-test/postgres:15")
            .user("u");
        assert_eq!(pg.name(), "db");
        assert_eq!(pg.definition().image(), "seaworthy-test/postgres:15");
        assert_eq!(pg.get_env("POSTGRES_USER"), Some("u"));
        assert_eq!(pg.get_env("POSTGRES_DB"), Some("database"));
        let pg = pg.env("POSTGRES_USER", "override");
        assert_eq!(pg.get_env("POSTGRES_USER"), Some("override"));
        assert_eq!(pg.get_wait_timeout(), std::time::Duration::from_secs(30));
    }
}
