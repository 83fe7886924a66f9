//! Shared support for the workspace's integration tests and examples (not published).
