//! The kinds of resource seaworthy creates, removes, and names in its errors.

/// The kinds of resource a helper creates and removes (and a cleanup can leave behind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A container.
    Container,
    /// A network.
    Network,
    /// A volume.
    Volume,
}

impl ResourceKind {
    /// `container`, `network` or `volume`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Container => "container",
            ResourceKind::Network => "network",
            ResourceKind::Volume => "volume",
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            ResourceKind::Container => "Container",
            ResourceKind::Network => "Network",
            ResourceKind::Volume => "Volume",
        }
    }
}
