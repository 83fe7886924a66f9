//! Bad inputs: each a clear error naming what is wrong and where.

use seaworthy::DockerHelper;

use super::*;

fn yaml_error(name: &str, yaml: &str) -> String {
    ComposeStack::from_yaml(name, yaml, compose_file(""))
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let e = yaml_error(
        "typo.yaml",
        "services:\n  web:\n    image: seaworthy-test/busybox\n    restart: always\n",
    );
    assert_eq!(
        e.lines().next().unwrap(),
        "invalid Compose file `typo.yaml`: error: line 4 column 5: unknown field `restart`, \
         expected one of image, build, command, entrypoint, environment, env_file, ports, \
         volumes, networks, depends_on, healthcheck, user, working_dir, profiles, labels"
    );
    // Then the lines around it, the key marked.
    assert!(e.contains("4 |     restart: always"), "{e}");
}

#[test]
fn a_missing_compose_file_is_named() {
    let e = ComposeStack::from_file(compose_file("no-such.yaml"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("cannot read Compose file `") && e.contains("no-such.yaml"),
        "{e}"
    );
}

#[test]
fn a_service_that_does_not_exist_lists_the_services() {
    let stack = ComposeStack::from_file(compose_file("small.yaml")).unwrap();
    let e = stack.service("nope").map(|_| ()).unwrap_err().to_string();
    assert_eq!(
        e,
        "no service `nope` in Compose stack `small-stack`; its services: init, web, client"
    );
    // A readiness override for a service that is not there says the same.
    let e = stack
        .wait_for("webb", Wait::healthy())
        .services()
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("no service `webb`"), "{e}");
}

#[test]
fn a_missing_env_file_is_named_with_its_line() {
    let e = yaml_error(
        "env.yaml",
        "services:\n  web:\n    image: seaworthy-test/busybox\n    env_file:\n      - missing.env\n",
    );
    assert!(
        e.contains("line 5")
            && e.contains("env_file `missing.env` of service `web` cannot be read")
            && e.contains("stack_compose/missing.env"),
        "{e}"
    );
}

#[test]
fn a_depends_on_cycle_names_the_services_on_it() {
    let stack = ComposeStack::from_yaml(
        "cycle.yaml",
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
        compose_file(""),
    )
    .unwrap();
    let e = stack.services().unwrap_err().to_string();
    assert_eq!(
        e,
        "invalid Compose file `cycle.yaml`: `depends_on` cycle: a -> b -> a\n(hint: remove one of these dependencies)"
    );
}

/// `service_completed_successfully` on a service that exits 3: the dependent is never created,
/// the error gives the code and the dependency's last lines, and teardown removes what was.
#[container_test]
async fn a_failed_completion_stops_the_stack_with_its_exit_code() {
    let project = format!("failing-{}", std::process::id());
    let yaml = format!(
        "name: {project}\nservices:\n  migrate:\n    image: seaworthy-test/busybox\n    command: [sh, -c, 'echo migration failed; exit 3']\n  app:\n    image: seaworthy-test/busybox\n    command: sleep 300\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n"
    );
    let stack = ComposeStack::from_yaml("failing.yaml", &yaml, compose_file("")).unwrap();
    let helper = DockerHelper::shared().await.unwrap();
    let err = stack.setup(&helper).await.unwrap_err();
    let label = format!("com.docker.compose.project={project}");
    let docker = integration_tests::docker().await;
    let made = integration_tests::container_ids_labelled(&docker, &label).await;
    stack.teardown().await.unwrap();
    let left = integration_tests::resources_labelled(&docker, &label).await;

    let text = err.to_string();
    assert!(
        text.starts_with("service `migrate` exited with code 3, so `app` (which depends on it with condition service_completed_successfully) was not started"),
        "{text}"
    );
    assert!(text.contains("| migration failed"), "{text}");
    assert_eq!(made.len(), 1, "only migrate was created");
    assert!(!stack.service("app").unwrap().is_created());
    assert_eq!(left, Vec::<String>::new());
}
