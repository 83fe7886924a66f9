//! Networks made elsewhere (issue 20, item 6): joining one by name or ID with aliases,
//! disconnecting at run time, and IPAM settings on networks the harness creates.

use bollard::models::NetworkCreateRequest;
use seaworthy::{Error, NetworkDefinition, Wait};

use crate::definitions::{creates, watch_creates};
use crate::{shell, sleeper, with_helper};

#[tokio::test]
async fn join_a_network_made_elsewhere_and_leave_it_while_running() {
    let docker = integration_tests::docker().await;
    // A network "another tool" made: not labelled, not the harness's; removed by this test.
    let external = format!("elsewhere-{}", std::process::id());
    let ext_id = docker
        .create_network(NetworkCreateRequest {
            name: external.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    let _removed = RemoveNetwork(ext_id.clone());
    let name = external.clone();
    let id = ext_id.clone();
    with_helper(|helper| async move {
        let live = watch_creates().await;
        let server = shell("joined-server", "mkdir /www; echo hello > /www/srv.txt; exec httpd -f -p 8080 -h /www")
            .join_network_as(&name, ["svc", "svc.test"])
            .wait_for(Wait::command(["wget", "-qO-", "http://127.0.0.1:8080/srv.txt"]));
        server.setup(&helper).await.unwrap();
        // By ID this time.
        let client = sleeper("joined-client").join_network(&id);
        client.setup(&helper).await.unwrap();
        let fetch = || client.exec(["wget", "-qO-", "http://svc.test:8080/srv.txt"]);
        let first = fetch().await.unwrap();
        assert_eq!(first.stdout_str(), "hello\n", "{}", first.stderr_str());
        let nets = networks_of(&server).await;
        let aliases = nets[&name].aliases.clone().unwrap();
        for a in ["joined-server", "svc", "svc.test"] {
            assert!(aliases.contains(&a.to_string()), "{aliases:?}");
        }

        server.handle().unwrap().disconnect_network(&name).await.unwrap();
        let nets = networks_of(&server).await;
        assert!(!nets.contains_key(&name), "{nets:?}");
        let after = fetch().await.unwrap();
        assert_ne!(after.exit_code, 0, "still reachable: {}", after.stdout_str());
        // Leaving twice is the engine's error, named.
        let e = server.handle().unwrap().disconnect_network(&name).await.unwrap_err();
        assert!(e.to_string().starts_with(&format!("failed to disconnect container `{}` from network `{name}`", server.docker_name().unwrap())), "{e}");
        // And back, at run time.
        server.handle().unwrap().connect_network(&name, &["svc.test"]).await.unwrap();
        assert_eq!(fetch().await.unwrap().stdout_str(), "hello\n");

        // A network that does not exist: nothing is created.
        let e = sleeper("lost-joiner").join_network("no-such-network-anywhere").setup(&helper).await.unwrap_err();
        assert!(matches!(e, Error::Container(seaworthy::ContainerError::InvalidDefinition { .. })), "{e:?}");
        assert_eq!(
            e.to_string(),
            "invalid container definition `lost-joiner`: network `no-such-network-anywhere` to \
             join does not exist\n(hint: create it first, or check its name with `docker network ls`)"
        );
        assert_eq!(creates(&live, "container", "lost-joiner"), 0);
        assert_eq!(creates(&live, "container", "joined-server"), 1);
        server.teardown().await.unwrap();
        client.teardown().await.unwrap();
    })
    .await;
    // The harness left the network it did not make alone (removed by `_removed`).
    docker
        .inspect_network(
            &ext_id,
            None::<bollard::query_parameters::InspectNetworkOptions>,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn harness_networks_take_a_subnet_a_gateway_and_a_range() {
    with_helper(|helper| async move {
        // A /24 picked from this process's ID, to stay clear of other runs on the engine.
        let third = std::process::id() % 200 + 20;
        let subnet = format!("10.213.{third}.0/24");
        let gateway = format!("10.213.{third}.1");
        let net = NetworkDefinition::new("ipam")
            .subnet(&subnet, Some(&gateway))
            .ip_range(format!("10.213.{third}.128/25"));
        net.setup(&helper).await.unwrap();
        let ipam = net.inspect().await.unwrap().ipam.unwrap();
        let pool = &ipam.config.unwrap()[0];
        assert_eq!(pool.subnet.as_deref(), Some(subnet.as_str()));
        assert_eq!(pool.gateway.as_deref(), Some(gateway.as_str()));
        assert_eq!(pool.ip_range, Some(format!("10.213.{third}.128/25")));
        let c = sleeper("in-range").network(&net);
        c.setup(&helper).await.unwrap();
        let nets = networks_of(&c).await;
        let ip = nets[&net.docker_name().unwrap()]
            .ip_address
            .clone()
            .unwrap();
        let last: u8 = ip.rsplit('.').next().unwrap().parse().unwrap();
        assert!(
            ip.starts_with(&format!("10.213.{third}.")) && last >= 128,
            "{ip}"
        );
        c.teardown().await.unwrap();
        net.teardown().await.unwrap();
        // A subnet the engine refuses is its error, named.
        let e = NetworkDefinition::new("bad-ipam")
            .subnet("10.0.0.0/33", None)
            .setup(&helper)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("create network"), "{e}");
    })
    .await;
}

/// The networks a container is connected to, by name, from Docker.
async fn networks_of(
    c: &seaworthy::ContainerDefinition,
) -> std::collections::HashMap<String, bollard::models::EndpointSettings> {
    c.inspect()
        .await
        .unwrap()
        .network_settings
        .unwrap()
        .networks
        .unwrap_or_default()
}

/// Removes a network this test made itself when dropped, also when the test fails.
struct RemoveNetwork(String);

impl Drop for RemoveNetwork {
    fn drop(&mut self) {
        let id = self.0.clone();
        let removal = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let docker = integration_tests::docker().await;
                let _ = docker.remove_network(&id).await;
            });
        });
        let _ = removal.join();
    }
}
