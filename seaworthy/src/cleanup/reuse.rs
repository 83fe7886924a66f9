//! Whether containers are kept between runs ([`ENV_REUSE`]): while it is on, the sweeps and the
//! watcher leave alone every resource labelled [`LABEL_REUSE`](super::labels::LABEL_REUSE);
//! once it is off again, the next run's sweep removes them like any dead run's leftovers.

/// The variable that turns reuse on: `1`, `true` or `yes`. Ignored when `CI` is set (to
/// anything but empty or `false`/`0`): a CI machine never keeps containers.
pub(crate) const ENV_REUSE: &str = "SEAWORTHY_REUSE";

/// Whether reuse is on in this process (read each time: a test may change it).
pub(crate) fn reuse_on() -> bool {
    reuse_from(
        std::env::var(ENV_REUSE).ok().as_deref(),
        std::env::var("CI").ok().as_deref(),
    )
}

fn truthy(v: Option<&str>) -> bool {
    matches!(
        v.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("1" | "true" | "yes" | "on")
    )
}

/// The hex SHA-256 of `parts` (each followed by a NUL): stable across runs, platforms and
/// compiler versions, unlike the standard library's hashers.
pub(crate) fn digest<S: AsRef<str>>(parts: impl IntoIterator<Item = S>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_ref().as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// [`reuse_on`] from the two variables' values.
fn reuse_from(reuse: Option<&str>, ci: Option<&str>) -> bool {
    let ci = match ci.map(str::trim) {
        None | Some("" | "0") => false,
        Some(v) => !v.eq_ignore_ascii_case("false"),
    };
    truthy(reuse) && !ci
}

#[cfg(test)]
mod tests {
    use super::{digest, reuse_from};

    #[test]
    fn the_digest_is_stable_and_separates_parts() {
        assert_eq!(
            digest(["a"]),
            "ffe9aaeaa2a2d5048174df0b80599ef0197ec024c4b051bc9860cff58ef7f9f3"
        );
        assert_ne!(digest(["ab", "c"]), digest(["a", "bc"]));
        assert_eq!(digest(["x", "y"]).len(), 64);
    }

    #[test]
    fn reuse_is_opt_in_and_off_in_ci() {
        assert!(!reuse_from(None, None));
        assert!(!reuse_from(Some("0"), None));
        assert!(!reuse_from(Some("no"), None));
        assert!(!reuse_from(Some(""), None));
        assert!(reuse_from(Some("1"), None));
        assert!(reuse_from(Some("TRUE"), Some("")));
        assert!(reuse_from(Some("yes"), Some("false")));
        assert!(reuse_from(Some("on"), Some("0")));
        assert!(!reuse_from(Some("1"), Some("true")));
        assert!(!reuse_from(Some("1"), Some("1")));
    }
}
