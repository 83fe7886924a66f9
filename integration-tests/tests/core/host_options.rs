//! Typed container options (issue 20, item 5), checked in the created container's inspect and,
//! where cheap, by what the container can do.

use seaworthy::Error;

use crate::definitions::{creates, watch_creates};
use crate::{sleeper, with_helper};

#[tokio::test]
async fn typed_options_reach_the_container() {
    with_helper(|helper| async move {
        let c = sleeper("limits")
            .memory(64 << 20)
            .cpus(0.5)
            .pids_limit(50)
            .cap_drop("NET_RAW")
            .cap_add("SYS_PTRACE")
            .ulimit("nofile", 1234, 2345)
            .shm_size(16 << 20)
            .sysctl("net.core.somaxconn", "321")
            .extra_host("db.test", "10.1.2.3")
            .read_only_rootfs()
            .tmpfs("/tmp", "size=1m");
        c.setup(&helper).await.unwrap();
        let host = c.inspect().await.unwrap().host_config.unwrap();
        assert_eq!(host.memory, Some(64 << 20));
        assert_eq!(host.nano_cpus, Some(500_000_000));
        assert_eq!(host.pids_limit, Some(50));
        assert_eq!(host.cap_drop, Some(vec!["NET_RAW".to_string()]));
        assert_eq!(host.cap_add, Some(vec!["SYS_PTRACE".to_string()]));
        assert_eq!(host.shm_size, Some(16 << 20));
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(host.extra_hosts, Some(vec!["db.test:10.1.2.3".to_string()]));
        let sh = |script: &'static str| {
            let c = c.clone();
            async move { c.exec(["sh", "-c", script]).await.unwrap() }
        };
        // PID 1's limits: an exec'd process may get its soft limit raised by the runtime.
        assert_eq!(
            sh("awk '/open files/ {print $4, $5}' /proc/1/limits").await.stdout_str(),
            "1234 2345\n"
        );
        assert_eq!(sh("cat /proc/sys/net/core/somaxconn").await.stdout_str(), "321\n");
        assert_eq!(
            sh("grep db.test /etc/hosts").await.stdout_str(),
            "10.1.2.3\tdb.test\n"
        );
        assert_eq!(
            sh("df -k /dev/shm | tail -1 | awk '{print $2}'").await.stdout_str(),
            "16384\n"
        );
        let write = sh("echo x > /root-file").await;
        assert_ne!(write.exit_code, 0);
        assert!(write.stderr_str().contains("Read-only file system"), "{}", write.stderr_str());
        assert_eq!(sh("echo x > /tmp/ok && cat /tmp/ok").await.stdout_str(), "x\n");
        assert_eq!(sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max").await.stdout_str(), format!("{}\n", 64 << 20));
        c.teardown().await.unwrap();

        // This engine runs inside a container that may not grant every capability, so a
        // privileged container is created (not started) and its settings read back.
        let p = sleeper("privileged").privileged().userns_mode("host");
        p.create(&helper).await.unwrap();
        let host = p.inspect().await.unwrap().host_config.unwrap();
        assert_eq!(host.privileged, Some(true));
        assert_eq!(host.userns_mode.as_deref(), Some("host"));
        p.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn options_docker_would_refuse_fail_before_anything_is_created() {
    with_helper(|helper| async move {
        let live = watch_creates().await;
        let e = sleeper("tiny-memory").memory(1000).setup(&helper).await.unwrap_err();
        assert!(matches!(e, Error::Container(seaworthy::ContainerError::InvalidDefinition { .. })), "{e:?}");
        assert_eq!(
            e.to_string(),
            "invalid container definition `tiny-memory`: memory limit 1000 bytes is below \
             Docker's minimum of 6 MiB\n(hint: give `memory(…)` a value in bytes of at least 6291456)"
        );
        let e = sleeper("bad-ulimit").ulimit("nofile", 10, 5).setup(&helper).await.unwrap_err();
        assert!(e.to_string().contains("soft 10 / hard 5"), "{e}");
        let e = sleeper("bad-host").extra_host("db", "nowhere").setup(&helper).await.unwrap_err();
        assert!(e.to_string().contains("`db` → `nowhere`"), "{e}");
        for name in ["tiny-memory", "bad-ulimit", "bad-host"] {
            assert_eq!(creates(&live, "container", name), 0, "{name}");
        }
    })
    .await;
}
