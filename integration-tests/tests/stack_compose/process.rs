//! SIGKILL of a test process holding a Compose stack: its watcher removes every container,
//! network and volume of the stack (found by the `seaworthy.pid` label).

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use integration_tests::{docker, resources_labelled, scenario_command, signal, wait_until_gone};

use super::*;

#[fixture]
fn small_to_kill() -> Result<ComposeStack, ComposeError> {
    Ok(ComposeStack::from_file(compose_file("small.yaml"))?
        .wait_for("client", Wait::logs(["^hello-from-www$"])))
}

/// Sets up the small stack, says so, then waits to be killed (run only as a child).
#[container_test]
#[ignore]
async fn scenario_waits_to_be_killed(small_to_kill: &ComposeStack) {
    let _ = small_to_kill;
    println!("SCENARIO-READY");
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[tokio::test]
async fn sigkill_leaves_the_stack_to_the_watcher() {
    use std::os::unix::process::ExitStatusExt;
    let (pid, status, before) = tokio::task::spawn_blocking(|| {
        let mut child = scenario_command(&["--exact", "process::scenario_waits_to_be_killed"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            if line.unwrap().contains("SCENARIO-READY") {
                break;
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let before = rt.block_on(async {
            resources_labelled(&docker().await, &format!("seaworthy.pid={pid}")).await
        });
        signal(pid, libc::SIGKILL);
        for _ in lines {}
        (pid, child.wait().unwrap(), before)
    })
    .await
    .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    let count = |kind: &str| before.iter().filter(|n| n.starts_with(kind)).count();
    // init, web, client; the stack's default network; its `data` volume.
    assert_eq!(
        (count("container "), count("network "), count("volume ")),
        (3, 1, 1),
        "{before:?}"
    );
    let left = wait_until_gone(
        &docker().await,
        &format!("seaworthy.pid={pid}"),
        Duration::from_secs(60),
    )
    .await;
    assert!(left.is_ok(), "the watcher left {left:?}");
}
