//! A database of its own per test on one shared server: `PostgresContainer::fresh_database`
//! (from a template prepared by `init_sql`), `RedisContainer::fresh_database` (a database number)
//! and `RabbitMqContainer::fresh_vhost`.

use std::sync::Mutex;

use seaworthy::containers::{FreshError, PostgresDatabase, RabbitMqVhost, RedisDatabase};
use seaworthy::prelude::*;
use seaworthy::Attachment;

const TEMPLATE_SQL: &str =
    "CREATE TABLE items(owner text); INSERT INTO items VALUES ('from-template')";

async fn set_up(r: &impl Resource, helper: &DockerHelper) -> seaworthy::Result<()> {
    r.setup_attached(helper, &Attachment::default()).await
}

/// Two tests, run in parallel by libtest, each in its own copy of the template.
mod isolation {
    use super::*;

    #[fixture(scope = "module")]
    fn pg() -> PostgresContainer {
        PostgresContainer::new("pg")
            .image("seaworthy-test/postgres:15")
            .init_sql(TEMPLATE_SQL)
    }

    #[fixture]
    fn db(pg: &PostgresContainer) -> PostgresDatabase {
        pg.fresh_database()
    }

    /// The names of the databases the two tests got, once each has written its row.
    static WRITTEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

    async fn write_and_read(db: &PostgresDatabase, me: &str) {
        let out = db
            .exec_psql(&format!("INSERT INTO items VALUES ('{me}')"))
            .await
            .unwrap();
        assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
        WRITTEN.lock().unwrap().push(db.name().to_string());
        // Give the other test the chance to write too, so that both databases exist at once
        // (bounded: under --test-threads=1 the other one comes later).
        for _ in 0..100 {
            if WRITTEN.lock().unwrap().len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rows = db
            .exec_psql("SELECT owner FROM items ORDER BY owner")
            .await
            .unwrap();
        let mut expected = [me, "from-template"];
        expected.sort();
        assert_eq!(
            rows.stdout_str(),
            format!("{}\n{}\n", expected[0], expected[1])
        );
        assert_eq!(db.template(), "database");
        assert_eq!(
            db.database_url(),
            format!("postgres://user:password@pg:5432/{}", db.name())
        );
    }

    #[container_test]
    async fn first_test_sees_only_its_rows(db: &PostgresDatabase) {
        write_and_read(db, "first").await;
    }

    #[container_test]
    async fn second_test_sees_only_its_rows(db: &PostgresDatabase) {
        write_and_read(db, "second").await;
    }
}

mod lifecycle {
    use super::*;

    #[fixture(scope = "module")]
    fn pg_life() -> PostgresContainer {
        PostgresContainer::new("pg")
            .image("seaworthy-test/postgres:15")
            .database("shop")
            .init_sql(TEMPLATE_SQL)
            .init_sql("CREATE TABLE orders(id int)")
    }

    fn names(rows: Vec<Vec<String>>) -> Vec<String> {
        let mut v: Vec<String> = rows.into_iter().map(|r| r[0].clone()).collect();
        v.sort();
        v
    }

    #[container_test]
    async fn created_from_the_template_and_dropped_at_teardown(pg_life: &PostgresContainer) {
        let helper = pg_life.helper().unwrap();
        let (a, b) = (pg_life.fresh_database(), pg_life.fresh_database());
        assert_ne!(a.name(), b.name());
        assert!(a.name().starts_with("shop_"), "{}", a.name());
        set_up(&a, &helper).await.unwrap();
        set_up(&b, &helper).await.unwrap();
        let all = names(pg_life.list_databases().await.unwrap());
        assert!(all.contains(&a.name().to_string()), "{all:?}");
        assert!(all.contains(&b.name().to_string()), "{all:?}");
        let tables: Vec<String> = a
            .list_tables()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r[1].clone())
            .collect();
        assert_eq!(tables, ["items", "orders"]);
        // Teardown drops it even while a session is connected to it.
        let hold = a.clone();
        let sleeper = tokio::spawn(async move { hold.exec_psql("SELECT pg_sleep(60)").await });
        wait_for_session(pg_life, a.name()).await;
        a.teardown().await.unwrap();
        b.teardown().await.unwrap();
        let _ = sleeper.await.unwrap();
        assert_eq!(
            names(pg_life.list_databases().await.unwrap()),
            ["postgres", "shop", "template0", "template1"]
        );
        // The template itself was never written to.
        let template = pg_life.exec_psql("SELECT owner FROM items").await.unwrap();
        assert_eq!(template.stdout_str(), "from-template\n");
    }

    #[test]
    fn a_failing_init_sql_fails_the_setup_with_the_statement() {
        seaworthy::block_on(async {
            let helper = DockerHelper::connect().await.unwrap();
            let pg = PostgresContainer::new("pg_bad")
                .image("seaworthy-test/postgres:15")
                .init_sql("CREATE TABLE t(); SELECT nope");
            let err = set_up(&pg, &helper).await.unwrap_err().to_string();
            Resource::teardown(&pg).await.unwrap();
            assert!(
                err.starts_with(
                    "command `psql -v ON_ERROR_STOP=1 -c 'CREATE TABLE t(); SELECT nope' (init_sql)` \
                     in container `pg_bad` exited with code 1"
                ),
                "{err}"
            );
            assert!(err.contains("column \"nope\" does not exist"), "{err}");
        });
    }
}

/// Waits (bounded) until `pg_stat_activity` shows a session on `database`.
async fn wait_for_session(pg: &PostgresContainer, database: &str) {
    let sql = format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'");
    for _ in 0..100 {
        if pg.exec_psql(&sql).await.unwrap().stdout_str() != "0\n" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no session on `{database}` appeared");
}

mod busy {
    use super::*;

    #[fixture(scope = "module")]
    fn pg_busy() -> PostgresContainer {
        PostgresContainer::new("pg_busy")
            .image("seaworthy-test/postgres:15")
            .init_sql(TEMPLATE_SQL)
    }

    #[container_test]
    async fn a_template_in_use_fails_with_a_clear_error_then_works_once_free(
        pg_busy: &PostgresContainer,
    ) {
        let helper = pg_busy.helper().unwrap();
        let hold = pg_busy.clone();
        let sleeper = tokio::spawn(async move { hold.exec_psql("SELECT pg_sleep(60)").await });
        wait_for_session(pg_busy, "database").await;

        let db = pg_busy.fresh_database();
        let err = set_up(&db, &helper).await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                &err,
                seaworthy::Error::Fresh(FreshError::TemplateBusy { template, database, .. })
                    if template == "database" && database == db.name()
            ),
            "{err:?}"
        );
        assert!(
            text.starts_with(&format!(
                "cannot create database `{}` from template `database` in container `pg_busy`: \
                 another connection is using the template (PostgreSQL waited 5 s for it to close)\n",
                db.name()
            )),
            "{text}"
        );
        assert!(
            text.contains("There is 1 other session using the database."),
            "{text}"
        );
        assert!(text.ends_with("or close that connection)"), "{text}");

        let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                    WHERE datname = 'database' AND pid <> pg_backend_pid()";
        pg_busy
            .exec_psql_with(kill, ["-qtA", "--dbname", "postgres"])
            .await
            .unwrap();
        let _ = sleeper.await.unwrap();
        set_up(&db, &helper).await.unwrap();
        assert_eq!(
            db.exec_psql("SELECT count(*) FROM items")
                .await
                .unwrap()
                .stdout_str(),
            "1\n"
        );
        db.teardown().await.unwrap();
    }
}

mod redis {
    use super::*;

    #[fixture(scope = "module")]
    fn cache() -> RedisContainer {
        // Three databases: 0 holds the claims, 1 and 2 are handed out.
        RedisContainer::new("cache")
            .image("seaworthy-test/redis:7")
            .configure(|d| d.command(["redis-server", "--databases", "3"]))
    }

    #[fixture]
    fn cache_db(cache: &RedisContainer) -> RedisDatabase {
        cache.fresh_database()
    }

    #[container_test]
    async fn databases_are_handed_out_once_and_released(
        cache: &RedisContainer,
        cache_db: &RedisDatabase,
    ) {
        let helper = cache.helper().unwrap();
        let mine = cache_db.number().unwrap();
        assert_eq!(
            cache_db.url().unwrap(),
            format!("redis://cache:6379/{mine}")
        );
        let out = cache_db.exec_redis_cli(["SET", "k", "mine"]).await.unwrap();
        assert_eq!(out.stdout_str(), "OK\n");

        let other = cache.fresh_database();
        set_up(&other, &helper).await.unwrap();
        let theirs = other.number().unwrap();
        assert_eq!([mine.min(theirs), mine.max(theirs)], [1, 2]);
        assert_eq!(
            other
                .exec_redis_cli(["GET", "k"])
                .await
                .unwrap()
                .stdout_str(),
            "\n"
        );

        let third = cache.fresh_database();
        let err = set_up(&third, &helper).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "no free Redis database in container `cache`: all 3 databases but 0 are held by other \
             tests\n(hint: run fewer tests at once, or start Redis with more databases: \
             `.configure(|d| d.command([\"redis-server\", \"--databases\", \"64\"]))`)"
        );
        other.exec_redis_cli(["SET", "k", "theirs"]).await.unwrap();
        other.teardown().await.unwrap();
        other.teardown().await.unwrap(); // idempotent
        assert_eq!(other.number(), None);
        // The number is free again, and empty.
        set_up(&third, &helper).await.unwrap();
        assert_eq!(third.number(), Some(theirs));
        assert_eq!(
            third.exec_redis_cli(["DBSIZE"]).await.unwrap().stdout_str(),
            "0\n"
        );
        third.teardown().await.unwrap();
        assert_eq!(
            cache_db
                .exec_redis_cli(["GET", "k"])
                .await
                .unwrap()
                .stdout_str(),
            "mine\n"
        );
    }
}

mod rabbitmq {
    use super::*;

    #[fixture(scope = "module")]
    fn mq_image() -> ImageDefinition {
        ImageDefinition::build(
            "seaworthy-test/rabbitmq:3",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/rabbitmq"),
        )
    }

    #[fixture(scope = "module")]
    fn mq(mq_image: &ImageDefinition) -> RabbitMqContainer {
        RabbitMqContainer::new("mq").image(mq_image.tag())
    }

    #[fixture]
    fn vhost(mq: &RabbitMqContainer) -> RabbitMqVhost {
        mq.fresh_vhost()
    }

    #[container_test]
    async fn a_vhost_per_test_with_permissions_removed_at_teardown(
        mq: &RabbitMqContainer,
        vhost: &RabbitMqVhost,
    ) {
        let name = vhost.name().to_string();
        assert_eq!(mq.list_vhosts().await.unwrap(), ["/vhost", name.as_str()]);
        let perms = mq
            .exec_rabbitmqctl_list("user_permissions", ["user"])
            .await
            .unwrap();
        assert!(perms.contains(&format!("{name}\t.*\t.*\t.*")), "{perms:?}");
        assert_eq!(
            vhost.broker_url(),
            format!("amqp://user:password@mq:5672/{name}")
        );
        vhost.teardown().await.unwrap();
        vhost.teardown().await.unwrap(); // idempotent: the harness tears it down again
        assert_eq!(mq.list_vhosts().await.unwrap(), ["/vhost"]);
    }
}
