//! Files into and out of containers (issue 20, item 1): before start with mode and owner, while
//! running, out to the host and into memory; modes, symbolic links and a 50 MB file intact.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use seaworthy::{CopyError, CopyFile, Error, Wait};

use crate::definitions::{creates, watch_creates};
use crate::{sleeper, with_helper};

/// A fresh directory under the system's temporary directory, for this test only.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seaworthy-copy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// 50 MB that are not all one byte (a counter mixed with its position).
fn big_content() -> Vec<u8> {
    (0..50 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

#[tokio::test]
async fn copy_bytes_a_directory_and_a_50_mb_file_in_before_start() {
    let dir = scratch("in");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("run.sh"), "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(tree.join("run.sh"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::write(tree.join("sub/secret"), "s3cret").unwrap();
    std::fs::set_permissions(
        tree.join("sub/secret"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink("run.sh", tree.join("start")).unwrap();
    let big = big_content();
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    let inside = dir.clone();
    with_helper(|helper| async move {
        let dir = inside;
        // The container's command reads what was copied: it is there before the first start.
        let c = sleeper("copy-in")
            .command(["sh", "-c", "cat /etc/app/app.conf; exec sleep 300"])
            .copy_to(CopyFile::from_bytes("port=8080\n", "/etc/app/app.conf").mode(0o640).owner(100, 101))
            .copy_to(CopyFile::from_path(&tree, "/opt/tree").owner(1000, 1000))
            .copy_to(CopyFile::from_path(dir.join("big.bin"), "/data/big.bin"))
            .wait_for(Wait::logs(["^port=8080$"]));
        c.setup(&helper).await.unwrap();
        let sh = |script: &'static str| {
            let c = c.clone();
            async move { c.exec_ok(["sh", "-c", script]).await.unwrap().stdout_str() }
        };
        assert_eq!(
            sh("stat -c '%a %u:%g %F %n' /etc/app/app.conf /opt/tree /opt/tree/run.sh /opt/tree/sub/secret /etc/app").await,
            "640 100:101 regular file /etc/app/app.conf\n\
             755 1000:1000 directory /opt/tree\n\
             750 1000:1000 regular file /opt/tree/run.sh\n\
             600 1000:1000 regular file /opt/tree/sub/secret\n\
             755 0:0 directory /etc/app\n"
        );
        assert_eq!(sh("readlink /opt/tree/start; /opt/tree/start").await, "run.sh\nran\n");
        assert_eq!(c.logs().await.unwrap(), "port=8080\n");
        let expected = sha256(&big);
        assert_eq!(
            sh("sha256sum /data/big.bin | cut -d' ' -f1").await.trim(),
            expected
        );
        // And back, into memory: byte for byte.
        let back = c.copy_file_from("/data/big.bin").await.unwrap();
        assert_eq!(back.len(), big.len());
        assert!(back == big, "the 50 MB file changed on its way in and out");
        c.teardown().await.unwrap();
    })
    .await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn copy_into_a_running_container_and_out_to_the_host() {
    let dir = scratch("out");
    let inside = dir.clone();
    with_helper(|helper| async move {
        let dir = inside;
        let c = sleeper("copy-out");
        c.setup(&helper).await.unwrap();
        c.exec_ok([
            "sh",
            "-c",
            "mkdir -p /srv/site/css && echo hi > /srv/site/index.html && chmod 604 /srv/site/index.html \
             && echo body > /srv/site/css/a.css && ln -s index.html /srv/site/home && chmod 700 /srv/site/css",
        ])
        .await
        .unwrap();
        let handle = c.handle().unwrap();
        handle
            .copy_to(CopyFile::from_bytes(vec![0u8, 255, 10], "/srv/site/raw.bin").mode(0o400))
            .await
            .unwrap();
        c.copy_from("/srv/site", dir.join("site")).await.unwrap();
        let site = dir.join("site");
        assert_eq!(std::fs::read_to_string(site.join("index.html")).unwrap(), "hi\n");
        assert_eq!(mode(&site.join("index.html")), 0o604);
        assert_eq!(mode(&site.join("css")), 0o700);
        assert_eq!(std::fs::read_to_string(site.join("css/a.css")).unwrap(), "body\n");
        assert_eq!(
            std::fs::read_link(site.join("home")).unwrap(),
            PathBuf::from("index.html")
        );
        assert_eq!(std::fs::read(site.join("raw.bin")).unwrap(), vec![0u8, 255, 10]);
        assert_eq!(mode(&site.join("raw.bin")), 0o400);
        // A single file to a host path of another name.
        c.copy_from("/srv/site/css/a.css", dir.join("copy.css")).await.unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("copy.css")).unwrap(), "body\n");

        // Bad inputs: a missing path, a directory into memory.
        let e = c.copy_file_from("/srv/nothing").await.unwrap_err();
        assert!(matches!(e, Error::Copy(CopyError::NotFound { .. })), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "`/srv/nothing` does not exist in container `{}`\n\
                 (hint: list the directory with `exec([\"ls\", \"-la\", …])` to see what is there)",
                c.docker_name().unwrap()
            )
        );
        let e = c.copy_file_from("/srv/site").await.unwrap_err();
        assert!(e.to_string().contains("is a directory, not a regular file"), "{e}");
        let e = c.copy_from("/srv/nothing", dir.join("x")).await.unwrap_err();
        assert!(matches!(e, Error::Copy(CopyError::NotFound { .. })), "{e:?}");
        let e = handle
            .copy_to(CopyFile::from_path(dir.join("missing.txt"), "/x"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Copy(CopyError::MissingSource { .. })), "{e:?}");
        c.teardown().await.unwrap();
    })
    .await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_source_fails_before_anything_is_created() {
    with_helper(|helper| async move {
        let live = watch_creates().await;
        let c = sleeper("copy-missing")
            .copy_to(CopyFile::from_bytes("ok", "/ok"))
            .copy_to(CopyFile::from_path(
                "/no/such/dir/file.conf",
                "/etc/file.conf",
            ));
        let e = c.setup(&helper).await.unwrap_err();
        assert!(
            matches!(e, Error::Copy(CopyError::MissingSource { .. })),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "cannot copy `/no/such/dir/file.conf` into container `copy-missing`: No such file or \
             directory (os error 2)\n\
             (hint: check the path; relative paths are resolved from the test's working directory)"
        );
        assert!(!c.is_created());
        let e = sleeper("copy-relative")
            .copy_to(CopyFile::from_bytes("x", "etc/x"))
            .setup(&helper)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Copy(CopyError::BadTarget { .. })),
            "{e:?}"
        );
        assert_eq!(creates(&live, "container", "copy-missing"), 0);
        assert_eq!(creates(&live, "container", "copy-relative"), 0);
    })
    .await;
}

/// SHA-256 of `data` by the host's `sha256sum` (a prerequisite already), as a hex string.
fn sha256(data: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}
