//! Registry mode (`dcd --in-registry`) against real registries: Debian's `docker-registry`
//! started by each test on a free port of 127.0.0.1, with a temporary config and storage, and
//! killed when the test ends. No Docker engine and no `docker` executable are involved: the
//! images are pushed through the Registry API by the test, and dcd runs with a `PATH` that has
//! no `docker` on it.
//!
//! `DCD_DOCKER_REGISTRY` overrides the registry binary. Without it the tests print why and
//! pass, unless `SEAWORTHY_REQUIRE_DOCKER=1` is set (as in CI). The TLS test also needs
//! `htpasswd` (Debian's apache2-utils).

//!
//! `tagging`: 0.3.0's tags created in the registry; `release`: `--only-forward`, `--force`,
//! `--metadata-file` and `$GITHUB_OUTPUT`; `faults`: retries through a fault-injecting proxy;
//! `referrers`: `--with-referrers`.

mod faults;
mod referrers;
mod release;
mod support;
mod tagging;
