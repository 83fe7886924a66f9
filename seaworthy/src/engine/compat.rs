//! Replies of Docker-compatible engines that Docker's own API types cannot read.
//!
//! Podman 4.3 reports an exited container's state as `stopped` (and a created one as
//! `configured` or `initialized`), which bollard's `ContainerStateStatusEnum` has no variant
//! for: the whole inspect fails with "unknown variant `stopped`". [`inspect_container`] reads
//! such a reply again with the state mapped to Docker's word for it.

use bollard::errors::Error as BollardError;
use bollard::models::ContainerInspectResponse;
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
pub(crate) async fn inspect_container(
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

/// The inspect reply `json` with its state mapped to Docker's; `None` if that does not help.
fn lenient(json: &str) -> Option<ContainerInspectResponse> {
    let mut value: Value = serde_json::from_str(json).ok()?;
    let status = value.get_mut("State")?.get_mut("Status")?;
    let mapped = docker_state(status.as_str()?)?;
    *status = Value::String(mapped.to_string());
    serde_json::from_value(value).ok()
}

#[cfg(test)]
mod should {
    use super::*;
    use bollard::models::ContainerStateStatusEnum;

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
    fn leave_other_unreadable_replies_unread() {
        // Docker's own states never reach the fallback; unknown ones and broken JSON stay errors.
        assert!(lenient(&reply("exited")).is_none());
        assert!(lenient(&reply("melting")).is_none());
        assert!(lenient(r#"{"Id":"abc"}"#).is_none());
        assert!(lenient("not json").is_none());
    }
}
