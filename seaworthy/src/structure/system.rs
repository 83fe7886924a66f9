//! What dgoss checks of a system, read from the image's files (nothing is run): users and
//! groups (`/etc/passwd`, `/etc/group`) and installed packages (dpkg's, apk's and rpm's
//! databases).

use super::error::StructureError;
use super::files::ImageFiles;
use super::package::{Package, PackageDb};
use super::rpm;

/// An account of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login name.
    pub name: String,
    /// The user ID.
    pub uid: u64,
    /// The primary group ID.
    pub gid: u64,
    /// The home directory.
    pub home: String,
    /// The login shell.
    pub shell: String,
}

/// A group of `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group name.
    pub name: String,
    /// The group ID.
    pub gid: u64,
    /// The users listed as members (not those whose primary group it is).
    pub members: Vec<String>,
}

pub(crate) fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some(User {
                name: f.first()?.to_string(),
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
                home: f.get(5).unwrap_or(&"").to_string(),
                shell: f.get(6).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

pub(crate) fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some(Group {
                name: f.first()?.to_string(),
                gid: f.get(2)?.parse().ok()?,
                members: f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// dpkg's status file: paragraphs of `Field: value`; installed ones only.
pub(crate) fn parse_dpkg_status(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let field = |name: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
                .map(|v| v.trim().to_string())
        };
        if let (Some(name), Some(version), Some(status)) =
            (field("Package"), field("Version"), field("Status"))
        {
            if status.ends_with(" installed") {
                out.push(Package { name, version });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// apk's installed database: paragraphs of `P:name` and `V:version` lines.
pub(crate) fn parse_apk_installed(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let field = |key: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::to_string)
        };
        if let (Some(name), Some(version)) = (field("P:"), field("V:")) {
            out.push(Package { name, version });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

impl ImageFiles {
    /// The accounts of the image's `/etc/passwd` (empty when it has none).
    pub async fn users(&self) -> Result<Vec<User>, StructureError> {
        Ok(parse_passwd(
            &self.read_optional("/etc/passwd").await?.unwrap_or_default(),
        ))
    }

    /// One account by name.
    pub async fn user(&self, name: &str) -> Result<Option<User>, StructureError> {
        Ok(self.users().await?.into_iter().find(|u| u.name == name))
    }

    /// The groups of the image's `/etc/group` (empty when it has none).
    pub async fn groups(&self) -> Result<Vec<Group>, StructureError> {
        Ok(parse_group(
            &self.read_optional("/etc/group").await?.unwrap_or_default(),
        ))
    }

    /// One group by name.
    pub async fn group(&self, name: &str) -> Result<Option<Group>, StructureError> {
        Ok(self.groups().await?.into_iter().find(|g| g.name == name))
    }

    /// The installed packages, sorted by name, from the first database the image has: dpkg's,
    /// then apk's, then rpm's `rpmdb.sqlite`. `None` when it has none.
    ///
    /// The files are read, nothing is run, so this works on images without the package manager.
    /// An rpm database in the older Berkeley DB (`Packages`, RHEL ≤ 8) or NDB (`Packages.db`,
    /// SUSE) format is an [`Unreadable`](super::StructureErrorKind::Unreadable) error that says
    /// so, as is one with an unmerged write-ahead log.
    pub async fn packages(&self) -> Result<Option<(PackageDb, Vec<Package>)>, StructureError> {
        if let Some(text) = self.read_optional("/var/lib/dpkg/status").await? {
            return Ok(Some((PackageDb::Dpkg, parse_dpkg_status(&text))));
        }
        if let Some(text) = self.read_optional("/lib/apk/db/installed").await? {
            return Ok(Some((PackageDb::Apk, parse_apk_installed(&text))));
        }
        for dir in rpm::RPMDB_DIRS {
            let sqlite = format!("{dir}/{}", rpm::SQLITE_FILE);
            if self.stat(&sqlite).await?.is_some() {
                let wal = format!("{sqlite}-wal");
                if self.stat(&wal).await?.is_some_and(|w| w.size > 0) {
                    return Err(StructureError::unreadable(
                        self.image(),
                        sqlite,
                        format!(
                            "its write-ahead log `{wal}` holds changes not yet merged into it \
                                 (hint: the image was committed while rpm had the database open; \
                                 run `rpm -qa` once in the Dockerfile after installing)"
                        ),
                    ));
                }
                let bytes = self.read_bytes(&sqlite).await?;
                return match rpm::parse_rpmdb_sqlite(&bytes) {
                    Ok(packages) => Ok(Some((PackageDb::Rpm, packages))),
                    Err(reason) => Err(StructureError::unreadable(self.image(), sqlite, reason)),
                };
            }
            for (file, format) in [
                (
                    rpm::BDB_FILE,
                    "the Berkeley DB format of rpm < 4.16 (RHEL 8 and older)",
                ),
                (rpm::NDB_FILE, "rpm's NDB format (SUSE)"),
            ] {
                let path = format!("{dir}/{file}");
                if self.stat(&path).await?.is_some() {
                    return Err(StructureError::unreadable(
                        self.image(),
                        path,
                        format!(
                            "{format} is not read, only `rpmdb.sqlite` (rpm 4.16 and newer) \
                                 (hint: check a package with a command instead: \
                                 `CommandCheck::new([\"rpm\", \"-q\", \"NAME\"])`)"
                        ),
                    ));
                }
            }
        }
        Ok(None)
    }

    /// One installed package by name (`None` when not installed or without a database).
    pub async fn package(&self, name: &str) -> Result<Option<Package>, StructureError> {
        Ok(self
            .packages()
            .await?
            .and_then(|(_, p)| p.into_iter().find(|p| p.name == name)))
    }

    async fn read_optional(&self, path: &str) -> Result<Option<String>, StructureError> {
        if self.stat(path).await?.is_none() {
            return Ok(None);
        }
        self.read_to_string(path).await.map(Some)
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn read_accounts_and_groups() {
        let users = parse_passwd(
            "root:x:0:0:root:/root:/bin/sh\n# c\napp:x:1000:1000:app:/home/app:/bin/sh\nbad\n",
        );
        assert_eq!(users.len(), 2);
        assert_eq!(
            (users[1].name.as_str(), users[1].uid, users[1].gid),
            ("app", 1000, 1000)
        );
        let groups = parse_group("root:x:0:\nwheel:x:10:app,ops\n");
        assert_eq!(groups[1].members, ["app", "ops"]);
        assert!(groups[0].members.is_empty());
    }

    #[test]
    fn read_installed_packages_only() {
        let status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2-2\nDescription: x\n multi-line\n";
        let p = parse_dpkg_status(status);
        assert_eq!(
            p.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["bash", "libc6"]
        );
        assert_eq!(p[1].version, "2.36-9");
        let apk = parse_apk_installed("C:x\nP:musl\nV:1.2.4-r2\n\nP:busybox\nV:1.36.1-r5\n");
        assert_eq!(
            apk[0],
            Package {
                name: "busybox".into(),
                version: "1.36.1-r5".into()
            }
        );
    }
}
