//! The structure checks against real images: a shell-less `FROM scratch` image with only the
//! busybox binary (test-images/structure-scratch) for metadata and files, the Debian and
//! PostgreSQL images for packages and users, an RPM database written by rpm itself, running
//! containers' sockets and files, and a CST file with one failing test per type.
//! Metadata and file checks are shown to start no container, from Docker's own events (followed
//! live).

#[path = "structure/cst.rs"]
mod cst;
#[path = "structure/running.rs"]
mod running;
#[path = "structure/support.rs"]
mod support;

use std::collections::HashMap;

use integration_tests::{docker, LiveEvents};
use seaworthy::matchers::Unordered;
use seaworthy::structure::{
    CommandCheck, Executable, FileCheck, FileKind, ImageStructure, MetadataCheck, PackageDb,
};
use support::{postgres_15_package_user_and_group, scratch, SCRATCH};

#[tokio::test]
async fn metadata_of_a_shell_less_image_is_read_without_a_container() {
    let (helper, image) = scratch().await;
    assert_eq!(image.user(), "app");
    assert_eq!(image.entrypoint(), ["/bin/busybox"]);
    assert_eq!(image.cmd(), ["httpd", "-f", "-p", "8080"]);
    assert_eq!(image.exposed_ports(), ["8080/tcp", "9090/udp"]);
    assert_eq!(image.layer_count(), 1);
    image
        .check(
            &MetadataCheck::new()
                .user("app")
                .entrypoint(["/bin/busybox"])
                .cmd(["httpd", "-f", "-p", "8080"])
                .workdir("/app")
                .env("APP_MODE", "production")
                .env_matches("GREETING", "^hel+o$")
                .env_absent("DEBUG")
                .label("org.opencontainers.image.title", "structure-scratch")
                .label_matches("org.opencontainers.image.version", r"^\d+\.\d+\.\d+$")
                .label_absent("maintainer")
                .exposes("8080")
                .exposes("9090/udp")
                .does_not_expose("9090")
                .volume("/data")
                .no_volume("/app")
                .healthcheck(["CMD", "/bin/busybox", "true"])
                .stop_signal("SIGQUIT")
                .layers(1)
                .max_size(10_000_000),
        )
        .unwrap();

    let err = image
        .check(
            &MetadataCheck::new()
                .user("root")
                .entrypoint(["/bin/sh", "-c"])
                .env("APP_MODE", "development")
                .env_matches("MISSING", ".")
                .label("org.opencontainers.image.title", "other")
                .exposes("80")
                .volume("/var/lib/data")
                .no_healthcheck()
                .no_stop_signal()
                .max_layers(0)
                .max_size(1000),
        )
        .unwrap_err();
    assert_eq!(err.failures().len(), 11, "{err}");
    let text = err.to_string();
    for line in [
        format!("image `{SCRATCH}` failed 11 structure checks:"),
        "  - user: expected `root`, found `app`".to_string(),
        r#"  - entrypoint: expected `["/bin/sh", "-c"]`, found `["/bin/busybox"]`"#.to_string(),
        "  - env `APP_MODE`: expected `development`, found `production`".to_string(),
        "  - env `MISSING`: expected a match of regex `.`, found unset".to_string(),
        "  - label `org.opencontainers.image.title`: expected `other`, found `structure-scratch`"
            .to_string(),
        r#"  - port `80/tcp`: expected exposed, found exposed ports `["8080/tcp", "9090/udp"]`"#
            .to_string(),
        r#"  - volume `/var/lib/data`: expected a volume, found volumes `["/data"]`"#.to_string(),
        r#"  - healthcheck: expected no healthcheck, found `["CMD", "/bin/busybox", "true"]`"#
            .to_string(),
        "  - stop signal: expected none (SIGTERM), found `SIGQUIT`".to_string(),
        "  - layer count: expected at most 0, found 1".to_string(),
    ] {
        assert!(text.contains(&line), "missing {line:?} in:\n{text}");
    }
    assert!(
        text.contains("  - size: expected at most 1000 bytes, found "),
        "{text}"
    );

    let bad = image
        .check(&MetadataCheck::new().env_matches("APP_MODE", "("))
        .unwrap_err();
    assert!(
        bad.to_string().starts_with(&format!(
            "invalid check of image `{SCRATCH}`: regex `(` does not compile"
        )),
        "{bad}"
    );
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn files_of_a_shell_less_image_are_read_from_a_container_never_started() {
    let (helper, image) = scratch().await;
    let files = image.files().await.unwrap();

    let busybox = files.stat("/bin/busybox").await.unwrap().unwrap();
    assert_eq!(
        (busybox.kind, busybox.mode, busybox.uid),
        (FileKind::File, 0o755, 0)
    );
    assert!(busybox.size > 100_000);
    assert_eq!(files.stat("/bin/sh").await.unwrap(), None);
    let env = files.stat("/bin/env").await.unwrap().unwrap();
    assert_eq!(
        (env.kind, env.link_target.as_deref()),
        (FileKind::Symlink, Some("busybox"))
    );
    // Content follows symlinks, relative ones too.
    assert_eq!(
        files.read_bytes("/bin/env").await.unwrap().len() as u64,
        busybox.size
    );

    let conf: Vec<String> = files
        .list("/app/conf")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(
        conf,
        [
            "/app/conf/README",
            "/app/conf/app.conf",
            "/app/conf/log.conf"
        ]
    );
    let globbed: Vec<String> = files
        .glob("/app/*/*.conf")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(globbed, ["/app/conf/app.conf", "/app/conf/log.conf"]);
    let deep: Vec<String> = files
        .glob("/**/log.conf")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(deep, ["/app/conf/log.conf"]);
    assert!(files.list("/nowhere").await.unwrap().is_empty());

    files.failures_all(&[]).await.unwrap();
    let ok = [
        FileCheck::new("/bin/busybox")
            .is_file()
            .mode(0o755)
            .owner(0)
            .group(0)
            .permissions("-rwxr-xr-x")
            .executable_by(Executable::Any)
            .executable_by(Executable::User("app".into())),
        FileCheck::new("/bin/sh").absent(),
        FileCheck::new("/bin/true")
            .symlink_to("/bin/busybox")
            .permissions("Lrwxrwxrwx"),
        FileCheck::new("/app/conf")
            .is_dir()
            .mode(0o750)
            .owner(1000)
            .group(1000)
            .permissions("drwxr-x---"),
        FileCheck::new("/data").permissions("dtrwxrwxrwx"),
        FileCheck::new("/app/conf/app.conf")
            .size(41)
            .content("greeting=hello\nmode=production\nport=8080\n")
            .content_matches("(?m)^mode=production$")
            .content_excludes("debug"),
    ];
    for check in &ok {
        files
            .check(check)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", check.path()));
    }

    let err = files
        .check(
            &FileCheck::new("/app/conf/app.conf")
                .mode(0o644)
                .owner(0)
                .content("greeting=hello\nmode=development\nport=8080\n")
                .content_matches("^port=")
                .content_excludes("greet")
                .executable_by(Executable::Other),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    for line in [
        format!("image `{SCRATCH}` failed 6 structure checks:"),
        "  - file `/app/conf/app.conf`: mode: expected `0644`, found `0640` (-rw-r-----)".into(),
        "  - file `/app/conf/app.conf`: owner: expected uid 0, found uid 1000".into(),
        r#"  - file `/app/conf/app.conf`: content: expected line 2 to be "mode=development", found "mode=production""#.into(),
        r#"  - file `/app/conf/app.conf`: content: expected a match of regex `^port=`, found "greeting=hello\nmode=production\nport=8080\n""#.into(),
        r#"  - file `/app/conf/app.conf`: content: expected no match of regex `greet`, found one on line 1: "greeting=hello""#.into(),
        "  - file `/app/conf/app.conf`: execute permission: expected executable by others, found mode -rw-r-----, owner uid 1000, gid 1000".into(),
    ] {
        assert!(text.contains(&line), "missing {line:?} in:\n{text}");
    }
    let gone = files
        .check(&FileCheck::new("/bin/sh").is_file())
        .await
        .unwrap_err();
    assert_eq!(
        gone.failures()[0].to_string(),
        "file `/bin/sh`: expected it to exist, found no such file or directory"
    );
    let there = files
        .check(&FileCheck::new("/bin/busybox").absent())
        .await
        .unwrap_err();
    assert_eq!(
        there.failures()[0].to_string(),
        "file `/bin/busybox`: expected no such path, found a regular file"
    );
    let relative = files.stat("etc/passwd").await.unwrap_err();
    assert!(
        relative
            .to_string()
            .contains("path `etc/passwd` is not absolute"),
        "{relative}"
    );

    // Users, groups and packages: read from files, nothing runs (there is no shell anyway).
    let app = files.user("app").await.unwrap().unwrap();
    assert_eq!(
        (app.uid, app.gid, app.home.as_str()),
        (1000, 1000, "/home/app")
    );
    assert_eq!(files.group("nogroup").await.unwrap().unwrap().gid, 65534);
    let (db, packages) = files.packages().await.unwrap().unwrap();
    assert_eq!(db, PackageDb::Dpkg);
    assert_eq!(packages.len(), 1, "only installed packages: {packages:?}");
    assert_eq!(packages[0].version, "1:1.35.0-4+b3");
    files.close().await.unwrap();
    assert_eq!(helper.tracked_count(), 0);
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn metadata_and_file_checks_create_and_destroy_but_never_start_a_container() {
    let (helper, image) = scratch().await;
    let helper = helper.for_fixture("structure-events");
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec!["seaworthy.fixture=structure-events".to_string()],
        ),
    ]);
    let live = LiveEvents::start_with(&docker().await, filters);
    let image = ImageStructure::inspect(&helper, image.image())
        .await
        .unwrap();
    image
        .check(&MetadataCheck::new().user("app").layers(1))
        .unwrap();
    image
        .check_files(&[
            FileCheck::new("/bin/busybox").mode(0o755),
            FileCheck::new("/app/conf/app.conf").content_matches("greeting"),
        ])
        .await
        .unwrap();
    let files = image.files().await.unwrap();
    assert_eq!(files.glob("/app/conf/*.conf").await.unwrap().len(), 2);
    assert!(files.packages().await.unwrap().is_some());
    files.close().await.unwrap();
    let actions = |live: &LiveEvents| -> Vec<String> {
        live.all().into_iter().filter_map(|e| e.action).collect()
    };
    // Both containers' removals have arrived (a safety net bounds the wait).
    live.until(std::time::Duration::from_secs(30), |live| {
        actions(live).iter().filter(|a| *a == "destroy").count() == 2
    })
    .await;
    let seen = actions(&live);
    // Reading an archive is itself an event on some engines (`archive-path`); starting is never.
    let lifecycle: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("archive-path"))
        .collect();
    assert_eq!(
        lifecycle,
        ["create", "destroy", "create", "destroy"],
        "all events: {seen:?}"
    );
    assert!(!seen.iter().any(|a| a == "start"), "{seen:?}");
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn commands_run_in_fresh_containers_with_setup_teardown_env_and_user() {
    let (helper, image) = scratch().await;
    let out = image
        .run(
            CommandCheck::new(["/bin/busybox", "id", "-u"])
                .stdout_matches(r"^1000\n$")
                .stderr_excludes("."),
        )
        .await
        .unwrap();
    assert_eq!(out.output.stdout_str(), "1000\n");
    image
        .run(
            CommandCheck::new(["/bin/busybox", "id", "-u"])
                .user("root")
                .stdout_matches("^0\n$"),
        )
        .await
        .unwrap();
    image
        .run(
            CommandCheck::new(["/bin/busybox", "env"])
                .env("COLOUR", "blue")
                .stdout_lines(
                    Unordered::by_regex(["^COLOUR=blue$", "^APP_MODE=production$"]).unwrap(),
                ),
        )
        .await
        .unwrap();
    // The setup's file is there for the command; the teardown sees the command's.
    image
        .run(
            CommandCheck::new(["/bin/busybox", "cp", "/app/seed", "/app/copy"])
                .setup(["/bin/busybox", "touch", "/app/seed"])
                .teardown(["/bin/busybox", "test", "-f", "/app/copy"]),
        )
        .await
        .unwrap();
    // Through the image's own entrypoint.
    image
        .run(
            CommandCheck::new(["echo", "via", "entrypoint"])
                .entrypoint(["/bin/busybox"])
                .stdout_matches("^via entrypoint\n$"),
        )
        .await
        .unwrap();

    let err = image
        .run(
            CommandCheck::new(["/bin/busybox", "ls", "/nope"])
                .stdout_matches("anything")
                .stderr_excludes("No such file"),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    for line in [
        r#"  - command `["/bin/busybox", "ls", "/nope"]`: stdout: expected a match of regex `anything`, found """#,
        r#"  - command `["/bin/busybox", "ls", "/nope"]`: stderr: expected no match of regex `No such file`, found "ls: /nope: No such file or directory\n""#,
        r#"  - command `["/bin/busybox", "ls", "/nope"]`: exit code: expected 0, found 1"#,
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let setup = image
        .run(CommandCheck::new(["/bin/busybox", "true"]).setup(["/bin/busybox", "false"]))
        .await
        .unwrap_err();
    assert!(
        setup.to_string().contains(
            r#"setup command `["/bin/busybox", "false"]`: expected exit code 0, found exit code 1"#
        ),
        "{setup}"
    );
    let teardown = image
        .run(CommandCheck::new(["/bin/busybox", "true"]).teardown(["/bin/busybox", "false"]))
        .await
        .unwrap_err();
    assert!(teardown.to_string().contains(r#"teardown command `["/bin/busybox", "false"]`: expected exit code 0, found exit code 1"#), "{teardown}");
    assert_eq!(helper.tracked_count(), 0);
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn debian_and_postgres_images_have_their_packages_users_and_groups() {
    let helper = seaworthy::DockerHelper::connect().await.unwrap();
    let debian = ImageStructure::inspect(&helper, "seaworthy-test/debian:bookworm")
        .await
        .unwrap();
    let files = debian.files().await.unwrap();
    let (db, packages) = files.packages().await.unwrap().unwrap();
    assert_eq!(db, PackageDb::Dpkg);
    assert!(packages.len() > 50, "{}", packages.len());
    let libc = files.package("libc6").await.unwrap().unwrap();
    assert!(libc.version.starts_with("2.36"), "{libc:?}");
    assert_eq!(files.package("postgresql-15").await.unwrap(), None);
    assert_eq!(files.user("root").await.unwrap().unwrap().uid, 0);
    assert_eq!(files.user("nobody").await.unwrap().unwrap().uid, 65534);
    files.close().await.unwrap();

    let postgres = ImageStructure::inspect(&helper, "seaworthy-test/postgres:15")
        .await
        .unwrap();
    let files = postgres.files().await.unwrap();
    let (user, group) = postgres_15_package_user_and_group(&files).await;
    assert_eq!(user.gid, group.gid);
    let pg_ctl = FileCheck::new("/usr/lib/postgresql/15/bin/pg_ctl")
        .is_file()
        .executable_by(Executable::User("postgres".into()));
    files.check(&pg_ctl).await.unwrap();
    let unknown = files
        .check(&FileCheck::new("/bin/true").executable_by(Executable::User("nosuchuser".into())))
        .await
        .unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("user `nosuchuser` is not in the image's `/etc/passwd`"),
        "{unknown}"
    );
    files.close().await.unwrap();
    postgres
        .run(
            CommandCheck::new(["postgres", "--version"])
                .user("postgres")
                .stdout_matches(r"^postgres \(PostgreSQL\) 15\."),
        )
        .await
        .unwrap();
    helper.teardown().await.unwrap();
}
