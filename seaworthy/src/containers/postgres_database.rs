//! [`PostgresDatabase`]: one test's own database, created from a template on a shared server.

use futures_util::future::BoxFuture;

use super::{encode, PostgresContainer};
use crate::definitions::Attachment;
use crate::error::{Error, Result};
use crate::exec::{Exec, ExecOutput};
use crate::fresh::{unique_name, FreshError};
use crate::helper::DockerHelper;
use crate::Resource;

/// A database of its own for one test, on a shared [`PostgresContainer`]: a copy of the
/// container's database (the *template*: its schema and rows, prepared once with
/// [`init_sql`](PostgresContainer::init_sql)), created when the test starts
/// (`CREATE DATABASE … TEMPLATE …`, a file copy inside the server: milliseconds for a small
/// schema) and dropped when it ends. Tests that each take one run in parallel without seeing
/// each other's rows.
///
/// Return it from a function-scoped fixture that takes the shared server; see
/// [`PostgresContainer::fresh_database`]. Nothing may be connected to the template while a
/// database is created from it: PostgreSQL then waits up to 5 s and fails, and so does the
/// setup, with [`FreshError::TemplateBusy`](super::FreshError::TemplateBusy).
#[derive(Debug, Clone)]
pub struct PostgresDatabase {
    server: PostgresContainer,
    name: String,
}

/// `"name"`, with inner quotes doubled: a quoted PostgreSQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl PostgresContainer {
    /// A database of its own for one test, copied from this server's database (schema and
    /// rows, as [`init_sql`](PostgresContainer::init_sql) left them) when the harness sets it up, dropped
    /// when the test ends. Return it from a function-scoped fixture taking the shared server:
    ///
    /// ```no_run
    /// use seaworthy::prelude::*;
    /// use seaworthy::containers::PostgresDatabase;
    ///
    /// #[fixture(scope = "module")]
    /// fn server() -> PostgresContainer {
    ///     PostgresContainer::new("server").init_sql("CREATE TABLE items(name text)")
    /// }
    ///
    /// #[fixture]
    /// fn db(server: &PostgresContainer) -> PostgresDatabase {
    ///     server.fresh_database()
    /// }
    ///
    /// #[container_test]
    /// async fn starts_with_the_schema(db: &PostgresDatabase) {
    ///     assert_eq!(db.exec_psql("SELECT count(*) FROM items").await.unwrap().stdout_str(), "0\n");
    /// }
    /// # fn main() {}
    /// ```
    pub fn fresh_database(&self) -> PostgresDatabase {
        PostgresDatabase::new(self.clone())
    }
}

impl PostgresDatabase {
    pub(super) fn new(server: PostgresContainer) -> Self {
        let name = unique_name(server.get_database());
        PostgresDatabase { server, name }
    }

    /// The database's name: `TEMPLATE_PID_N_T` (the template's name cut to 30 bytes).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The template it was created from (the server's database).
    pub fn template(&self) -> &str {
        self.server.get_database()
    }

    /// The shared server.
    pub fn server(&self) -> &PostgresContainer {
        &self.server
    }

    /// `postgres://USER:PASSWORD@NAME:5432/DATABASE` for this database.
    pub fn database_url(&self) -> String {
        self.database_url_at(self.server.name(), PostgresContainer::PORT)
    }

    /// The database URL with another host and port, e.g. `127.0.0.1` and the published port.
    pub fn database_url_at(&self, host: &str, port: u16) -> String {
        format!(
            "postgres://{}:{}@{host}:{port}/{}",
            encode(self.server.get_user()),
            encode(self.server.get_password()),
            encode(&self.name)
        )
    }

    /// Runs `psql -qtA -v ON_ERROR_STOP=1 -c COMMAND` on this database and returns its output
    /// whatever its exit code.
    pub async fn exec_psql(&self, command: &str) -> Result<ExecOutput> {
        self.server
            .exec_psql_on(&self.name, command, ["-qtA", "-v", "ON_ERROR_STOP=1"])
            .await
    }

    /// `\dt` on this database: one `[schema, name, type, owner]` row per table.
    pub async fn list_tables(&self) -> Result<Vec<Vec<String>>> {
        self.server.psql_rows_on(&self.name, r"\dt").await
    }

    /// A maintenance database to run `CREATE`/`DROP DATABASE` from: `postgres`, or
    /// `template1` when the template is `postgres` itself.
    fn maintenance(&self) -> &'static str {
        if self.template() == "postgres" {
            "template1"
        } else {
            "postgres"
        }
    }

    /// `CREATE DATABASE name TEMPLATE template OWNER user`.
    pub(crate) async fn create(&self) -> Result<()> {
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {} OWNER {}",
            quote_ident(&self.name),
            quote_ident(self.template()),
            quote_ident(self.server.get_user())
        );
        let out = self
            .server
            .exec_psql_on(self.maintenance(), &sql, ["-qtA", "-v", "ON_ERROR_STOP=1"])
            .await?;
        if out.exit_code == 0 {
            return Ok(());
        }
        let stderr = out.stderr_str();
        if stderr.contains("is being accessed by other users") {
            return Err(FreshError::TemplateBusy {
                container: self.server.name().to_string(),
                template: self.template().to_string(),
                database: self.name.clone(),
                detail: stderr.trim_end().to_string(),
            }
            .into());
        }
        Err(Error::from(crate::error::ContainerError::ExecFailed {
            container: self.server.name().to_string(),
            command: format!("psql -c '{sql}'"),
            exit_code: out.exit_code,
            stdout: out.stdout_str(),
            stderr,
        }))
    }

    /// `dropdb --if-exists --force name`: closes the test's connections and drops it.
    pub(crate) async fn drop_database(&self) -> Result<()> {
        let cmd = [
            "dropdb",
            "--if-exists",
            "--force",
            "-U",
            self.server.get_user(),
            "--maintenance-db",
            self.maintenance(),
            &self.name,
        ];
        self.server
            .exec_ok_with(Exec::new(cmd).user("postgres"))
            .await?;
        Ok(())
    }
}

impl Resource for PostgresDatabase {
    fn setup_attached<'a>(
        &'a self,
        _helper: &'a DockerHelper,
        _attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.create())
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.drop_database())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("shop"), "\"shop\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn urls_name_the_test_database() {
        let db = PostgresContainer::new("pg")
            .user("u s")
            .database("shop")
            .fresh_database();
        assert!(db.name().starts_with("shop_"), "{}", db.name());
        assert_eq!(db.template(), "shop");
        assert_eq!(
            db.database_url(),
            format!("postgres://u%20s:password@pg:5432/{}", db.name())
        );
        assert_eq!(db.maintenance(), "postgres");
        let db = PostgresContainer::default()
            .database("postgres")
            .fresh_database();
        assert_eq!(db.maintenance(), "template1");
    }
}
