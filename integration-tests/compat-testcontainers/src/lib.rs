//! Builds seaworthy next to testcontainers (see `Cargo.toml`); nothing to run.

/// Names one item of each crate, so both are linked into the test target.
#[cfg(test)]
mod tests {
    #[test]
    fn both_crates_link() {
        let image = seaworthy::ImageDefinition::existing("redis:7");
        assert_eq!(image.tag(), "redis:7");
        let _ = std::any::type_name::<testcontainers::core::WaitFor>();
    }
}
