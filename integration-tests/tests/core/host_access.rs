//! The engine's host from a container (issue 20, item 2): `with_host_access` gives the
//! engine's own name for the host, `host.docker.internal` on Docker (through `host-gateway`),
//! `host.containers.internal` on Podman (which adds it by itself).

use crate::{sleeper, with_helper};

#[tokio::test]
async fn with_host_access_names_the_engine_s_host() {
    with_helper(|helper| async move {
        let version = helper.docker().version().await.unwrap();
        let podman = version
            .components
            .unwrap_or_default()
            .iter()
            .any(|c| c.name.contains("Podman"));
        let c = sleeper("host-gateway").with_host_access();
        c.setup(&helper).await.unwrap();
        let hosts = c.inspect().await.unwrap().host_config.unwrap().extra_hosts;
        let (expected, name) = if podman {
            (vec![], "host.containers.internal")
        } else {
            (
                vec!["host.docker.internal:host-gateway".to_string()],
                "host.docker.internal",
            )
        };
        assert_eq!(hosts.unwrap_or_default(), expected);
        // The engine wrote the host's address for the name.
        let out = c
            .exec_ok(["sh", "-c", &format!("grep -c '{name}' /etc/hosts")])
            .await
            .unwrap();
        assert_eq!(out.stdout_str(), "1\n", "{name} in /etc/hosts");
    })
    .await;
}
