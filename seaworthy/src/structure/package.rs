//! An installed package and the database it was read from.

/// An installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name (for dpkg, without the architecture).
    pub name: String,
    /// The installed version.
    pub version: String,
}

/// Which package database a package list was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackageDb {
    /// Debian's `/var/lib/dpkg/status` (only packages whose status is `install ok installed`).
    Dpkg,
    /// Alpine's `/lib/apk/db/installed`.
    Apk,
    /// RPM's `rpmdb.sqlite` (rpm ≥ 4.16: Fedora 33+, RHEL 9, UBI 9), in `/usr/lib/sysimage/rpm`
    /// or `/var/lib/rpm`. Versions are rpm's `[epoch:]version-release`.
    Rpm,
}
