//! System facts from inside running containers (what dgoss checks): the sockets a container
//! listens on from the kernel's `/proc/net` tables, its files, users and packages read through
//! the archive API (with what it changed since it started), its processes; and RPM databases
//! read from their files, compared with what rpm itself lists.

use seaworthy::containers::PostgresContainer;
use seaworthy::structure::{Package, PackageDb, StructureErrorKind};
use seaworthy::{ContainerDefinition, DockerHelper, Resource};

use super::support::{postgres_15_package_user_and_group, rpm, scratch, BUSYBOX, RPM, SCRATCH};

/// `name evr` lines, as the image's build wrote them with `rpm -qa --qf '%{NAME} %{EVR}\n'`.
fn rpm_qa(text: &str) -> Vec<Package> {
    text.lines()
        .map(|l| {
            let (name, version) = l.split_once(' ').unwrap();
            Package {
                name: name.into(),
                version: version.into(),
            }
        })
        .collect()
}

#[tokio::test]
async fn an_rpm_database_is_read_from_its_sqlite_file_as_rpm_itself_lists_it() {
    let (helper, image) = rpm().await;
    let files = image.files().await.unwrap();
    let (db, packages) = files.packages().await.unwrap().unwrap();
    assert_eq!(db, PackageDb::Rpm);
    let expected = rpm_qa(&files.read_to_string("/rpm-qa.txt").await.unwrap());
    assert_eq!(expected.len(), 15, "{expected:?}");
    assert_eq!(packages, expected);
    assert_eq!(
        files.package("hello").await.unwrap().unwrap().version,
        "2:1.2.3-4.fc39"
    );
    // Its header (1,200 file names) spans several overflow pages.
    assert_eq!(
        files.package("big-files").await.unwrap().unwrap().version,
        "0.9-1"
    );
    assert_eq!(files.package("bash").await.unwrap(), None);
    files.close().await.unwrap();
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn unreadable_rpm_databases_say_which_file_and_what_to_do() {
    let (helper, _) = rpm().await;
    let c = ContainerDefinition::new("rpm-box", RPM);
    c.setup(&helper).await.unwrap();
    let sh = |script: &str| {
        let c = &c;
        let script = script.to_string();
        async move {
            c.exec_ok(["/bin/busybox", "sh", "-c", &script])
                .await
                .unwrap();
        }
    };
    let reason = |e: seaworthy::structure::StructureError| match e.kind() {
        StructureErrorKind::Unreadable { path, reason } => {
            (path.clone(), reason.clone(), e.to_string())
        }
        other => panic!("expected Unreadable, got {other:?}: {e}"),
    };

    // rpm's newer directory is read first: a truncated copy there.
    sh("mkdir -p /usr/lib/sysimage/rpm && /bin/busybox head -c 4096 /var/lib/rpm/rpmdb.sqlite > /usr/lib/sysimage/rpm/rpmdb.sqlite").await;
    let (path, why, message) = reason(c.files().await.unwrap().packages().await.unwrap_err());
    assert_eq!(path, "/usr/lib/sysimage/rpm/rpmdb.sqlite");
    assert!(
        why.contains("is outside the file (4096 bytes): truncated?"),
        "{why}"
    );
    assert!(
        message.starts_with(&format!(
            "cannot read `/usr/lib/sysimage/rpm/rpmdb.sqlite` of image `{RPM}` in container `{}`: ",
            c.handle().unwrap().docker_name()
        )),
        "{message}"
    );

    sh("echo pending > /usr/lib/sysimage/rpm/rpmdb.sqlite-wal").await;
    let (_, why, _) = reason(c.files().await.unwrap().packages().await.unwrap_err());
    assert!(
        why.starts_with(
            "its write-ahead log `/usr/lib/sysimage/rpm/rpmdb.sqlite-wal` holds changes"
        ),
        "{why}"
    );

    // The Berkeley DB of older rpm (the image's own file is removed, never modified: some
    // overlay filesystems bring a modified-then-removed lower file back).
    sh("/bin/busybox rm -r /usr/lib/sysimage/rpm /var/lib/rpm/rpmdb.sqlite && echo bdb > /var/lib/rpm/Packages").await;
    let (path, why, _) = reason(c.files().await.unwrap().packages().await.unwrap_err());
    assert_eq!(path, "/var/lib/rpm/Packages");
    assert!(
        why.starts_with("the Berkeley DB format of rpm < 4.16 (RHEL 8 and older) is not read, only `rpmdb.sqlite`"),
        "{why}"
    );
    assert!(
        why.contains(r#"CommandCheck::new(["rpm", "-q", "NAME"])"#),
        "{why}"
    );
    c.teardown().await.unwrap();
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn a_running_postgres_shows_its_sockets_files_packages_users_and_processes() {
    let helper = DockerHelper::connect().await.unwrap();
    let pg = PostgresContainer::new("pg-facts").image("seaworthy-test/postgres:15");
    pg.setup(&helper).await.unwrap();

    let sockets: Vec<String> = pg
        .listening_sockets()
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(sockets, ["tcp:0.0.0.0:5432", "tcp6:[::]:5432"]);

    // The running container's files, with what it changed since it started.
    pg.exec_ok(["touch", "/tmp/made-at-run-time"])
        .await
        .unwrap();
    let files = pg.files().await.unwrap();
    assert!(files.stat("/tmp/made-at-run-time").await.unwrap().is_some());
    let (db, _) = files.packages().await.unwrap().unwrap();
    assert_eq!(db, PackageDb::Dpkg);
    let (user, group) = postgres_15_package_user_and_group(&files).await;
    assert_eq!((user.uid, group.gid), (999, 999));
    files.close().await.unwrap();
    // Closing the view leaves the container running.
    assert!(pg.listening_sockets().await.is_ok());

    let tree = pg.process_tree().await.unwrap();
    let root = &tree.rows()[0];
    assert_eq!((root.pid, root.ruser.as_str()), (1, "postgres"));
    assert!(root.args.starts_with("postgres"), "{root:?}");
    pg.teardown().await.unwrap();
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn a_shell_less_container_s_sockets_are_read_by_a_helper_joining_its_namespaces() {
    let (helper, _) = scratch().await;
    let c = ContainerDefinition::new("httpd", SCRATCH);
    c.setup(&helper).await.unwrap();
    let before = helper.tracked_count();

    let err = c.listening_sockets().await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`cat /proc/net/tcp` in container"),
        "{message}"
    );
    assert!(message.contains("listening_sockets_via"), "{message}");

    let sockets: Vec<String> = c
        .listening_sockets_via(BUSYBOX)
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(sockets, ["tcp6:[::]:8080"]);
    // The helper container is gone again.
    assert_eq!(helper.tracked_count(), before);
    c.teardown().await.unwrap();
    helper.teardown().await.unwrap();
}
