//! Tests of the built `dcd` and `docker-ci-deploy` binaries: exact stdout, stderr and exit
//! status for 0.3.0's invocations, its usage errors, dcd's fixes, and real runs of fake
//! docker executables.

mod compat;
mod fixes;
mod running;
mod support;
