//! Replies of Docker-compatible engines that Docker's own API types cannot read.
//!
//! Podman 4.3 reports an exited container's state as `stopped` (and a created one as
//! `configured` or `initialized`), in an inspect and in a container list, which bollard's
//! `ContainerStateStatusEnum` and `ContainerSummaryStateEnum` have no variant for: the whole
//! reply fails with "unknown variant `stopped`". [`inspect_container`] and [`list_containers`]
//! read such a reply again with the state mapped to Docker's word for it.

use bollard::errors::Error as BollardError;
use bollard::models::{ContainerInspectResponse, ContainerSummary};
use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;
use serde_json::Value;

/// Docker's word for a container state another engine reports, if it is not Docker's own.
fn docker_state(state: &str) -> Option<&'static str> {
    match state {
        "stopped" => Some("exited"),
        "configured" | "initialized" => Some("created"),
        _ => None,
    }
}

/// `GET /containers/{id}/json`, reading a container state Docker's API lacks (Podman's
/// `stopped`) as Docker's (`exited`); any other error is bollard's.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::engine::compat;
///
/// let helper = seaworthy::DockerHelper::connect().await?;
/// if let Ok(inspect) = compat::inspect_container(helper.docker(), "my-container").await {
///     // `Some(EXITED)` for a container Podman calls `stopped`.
///     println!("{:?}", inspect.state.and_then(|s| s.status));
/// }
/// # Ok(()) }
/// ```
// The one call of bollard's inspect (seaworthy/clippy.toml disallows it elsewhere).
#[allow(clippy::disallowed_methods)]
pub async fn inspect_container(
    docker: &Docker,
    id: &str,
) -> Result<ContainerInspectResponse, BollardError> {
    match docker
        .inspect_container(
            id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
    {
        Err(BollardError::JsonDataError {
            message,
            contents,
            column,
        }) => lenient(&contents).ok_or(BollardError::JsonDataError {
            message,
            contents,
            column,
        }),
        other => other,
    }
}

/// `GET /containers/json` with `options`, reading a container state Docker's API lacks
/// (Podman's `stopped`, listed while a container stops) as Docker's; any other error is
/// bollard's.
// The one call of bollard's list (seaworthy/clippy.toml disallows it elsewhere).
#[allow(clippy::disallowed_methods)]
pub async fn list_containers(
    docker: &Docker,
    options: ListContainersOptions,
) -> Result<Vec<ContainerSummary>, BollardError> {
    match docker.list_containers(Some(options)).await {
        Err(BollardError::JsonDataError {
            message,
            contents,
            column,
        }) => lenient_list(&contents).ok_or(BollardError::JsonDataError {
            message,
            contents,
            column,
        }),
        other => other,
    }
}

/// Maps the string at `state` to Docker's word for it; `false` if it was not another engine's.
fn map_state(state: Option<&mut Value>) -> bool {
    let Some(state) = state else { return false };
    match state.as_str().and_then(docker_state) {
        Some(mapped) => {
            *state = Value::String(mapped.to_string());
            true
        }
        None => false,
    }
}

/// The inspect reply `json` with its state mapped to Docker's; `None` if that does not help.
fn lenient(json: &str) -> Option<ContainerInspectResponse> {
    let mut value: Value = serde_json::from_str(json).ok()?;
    if !map_state(value.get_mut("State").and_then(|s| s.get_mut("Status"))) {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// The list reply `json` with each container's state mapped to Docker's; `None` if that does
/// not help.
fn lenient_list(json: &str) -> Option<Vec<ContainerSummary>> {
    let mut value: Value = serde_json::from_str(json).ok()?;
    let mut mapped = false;
    for c in value.as_array_mut()? {
        mapped |= map_state(c.get_mut("State"));
    }
    if !mapped {
        return None;
    }
    serde_json::from_value(value).ok()
}

#[cfg(test)]
mod should {
    use super::*;
    use bollard::models::{ContainerStateStatusEnum, ContainerSummaryStateEnum};

    fn reply(status: &str) -> String {
        format!(
            r#"{{"Id":"abc","Name":"/web","State":{{"Status":"{status}","Running":false,"ExitCode":3}}}}"#
        )
    }

    #[test]
    fn read_podmans_stopped_state_as_exited_with_its_exit_code() {
        let inspect = lenient(&reply("stopped")).unwrap();
        let state = inspect.state.unwrap();
        assert_eq!(state.status, Some(ContainerStateStatusEnum::EXITED));
        assert_eq!(state.exit_code, Some(3));
        assert_eq!(inspect.id.as_deref(), Some("abc"));
        let created = lenient(&reply("configured")).unwrap().state.unwrap();
        assert_eq!(created.status, Some(ContainerStateStatusEnum::CREATED));
    }

    #[test]
    fn read_podmans_stopped_state_in_a_list() {
        let json = r#"[{"Id":"a","State":"running"},{"Id":"b","State":"stopped"}]"#;
        let states: Vec<_> = lenient_list(json)
            .unwrap()
            .into_iter()
            .map(|c| (c.id.unwrap(), c.state.unwrap()))
            .collect();
        assert_eq!(
            states,
            [
                ("a".to_string(), ContainerSummaryStateEnum::RUNNING),
                ("b".to_string(), ContainerSummaryStateEnum::EXITED),
            ]
        );
        assert!(lenient_list(r#"[{"Id":"a","State":"running"}]"#).is_none());
        assert!(lenient_list(r#"[{"Id":"a","State":"melting"}]"#).is_none());
        assert!(lenient_list(r#"{"Id":"a"}"#).is_none());
    }

    #[test]
    fn leave_other_unreadable_replies_unread() {
        // Docker's own states never reach the fallback; unknown ones and broken JSON stay errors.
        assert!(lenient(&reply("exited")).is_none());
        assert!(lenient(&reply("melting")).is_none());
        assert!(lenient(r#"{"Id":"abc"}"#).is_none());
        assert!(lenient("not json").is_none());
    }
}
