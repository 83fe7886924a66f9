//! The engine's host from a container (issue 20, item 2): `with_host_access`'s
//! `host.docker.internal`.

use crate::{sleeper, with_helper};

#[tokio::test]
async fn with_host_access_names_the_docker_host() {
    with_helper(|helper| async move {
        let c = sleeper("host-gateway").with_host_access();
        c.setup(&helper).await.unwrap();
        let hosts = c.inspect().await.unwrap().host_config.unwrap().extra_hosts;
        assert_eq!(
            hosts,
            Some(vec!["host.docker.internal:host-gateway".to_string()])
        );
        // The engine wrote the bridge gateway's address for the name.
        let out = c
            .exec_ok(["sh", "-c", "grep -c 'host.docker.internal' /etc/hosts"])
            .await
            .unwrap();
        assert_eq!(out.stdout_str(), "1\n");
    })
    .await;
}
