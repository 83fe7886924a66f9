//! [`ContainerStatus`]: the state Docker reports for a container.

/// The state Docker reports for a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerStatus {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Restarting.
    Restarting,
    /// Being removed.
    Removing,
    /// Exited.
    Exited,
    /// Dead.
    Dead,
}

const ALL: [ContainerStatus; 7] = [
    ContainerStatus::Created,
    ContainerStatus::Running,
    ContainerStatus::Paused,
    ContainerStatus::Restarting,
    ContainerStatus::Removing,
    ContainerStatus::Exited,
    ContainerStatus::Dead,
];

impl ContainerStatus {
    /// The status Docker names `s`, if it is one.
    pub(crate) fn from_docker(s: &str) -> Option<ContainerStatus> {
        ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Docker's word for the status: `created`, `running`, `exited`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
        }
    }
}

impl std::fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn read_back_every_status_docker_names() {
        for status in ALL {
            assert_eq!(ContainerStatus::from_docker(status.as_str()), Some(status));
        }
        assert_eq!(ContainerStatus::from_docker("bogus"), None);
        assert_eq!(ContainerStatus::Exited.to_string(), "exited");
    }
}
