//! [`FileCheck`]: expectations on one path of an image's filesystem.

use super::diff::{describe_line, first_difference};
use super::entry::{FileEntry, FileKind};
use super::error::{tick, verdict, Failure, StructureError};
use super::files::ImageFiles;
use super::image::ImageStructure;
use super::metadata::compile;
use super::system::{parse_group, parse_passwd};

/// Whose execute bit a file must have (CST's `isExecutableBy`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Executable {
    /// Any of the three execute bits.
    Any,
    /// The owner's.
    Owner,
    /// The group's.
    Group,
    /// Everyone else's.
    Other,
    /// This user (a name or a UID of the image's `/etc/passwd`), by the bit that applies to
    /// them: owner, then group (primary or listed in `/etc/group`), then other; root needs any.
    User(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Exists(bool),
    Kind(FileKind),
    Mode(u32),
    Permissions(String),
    Uid(u64),
    Gid(u64),
    SymlinkTo(String),
    Size(u64),
    Content(String),
    ContentMatches(String),
    ContentExcludes(String),
    Executable(Executable),
}

/// Expectations on one path, checked through [`ImageFiles::check`] or
/// `ImageStructure::check_files` without starting
/// anything. The path must exist unless [`absent`](Self::absent) says otherwise; content
/// checks follow symlinks, the others look at the path itself.
///
/// ```
/// use seaworthy::structure::{Executable, FileCheck};
///
/// let busybox = FileCheck::new("/bin/busybox")
///     .is_file()
///     .mode(0o755)
///     .owner(0)
///     .executable_by(Executable::User("app".into()));
/// let no_shell = FileCheck::new("/bin/sh").absent();
/// let motd = FileCheck::new("/etc/motd").content("hello\n").content_excludes("(?i)debug");
/// # let _ = (busybox, no_shell, motd);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    path: String,
    items: Vec<Item>,
}

impl FileCheck {
    /// Expectations on `path` (absolute); it must exist.
    pub fn new(path: impl Into<String>) -> FileCheck {
        FileCheck {
            path: path.into(),
            items: Vec::new(),
        }
    }

    fn with(mut self, item: Item) -> FileCheck {
        self.items.push(item);
        self
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path must not exist (other expectations are then ignored).
    pub fn absent(self) -> FileCheck {
        self.with(Item::Exists(false))
    }

    /// It is this kind of object.
    pub fn kind(self, kind: FileKind) -> FileCheck {
        self.with(Item::Kind(kind))
    }

    /// It is a regular file.
    pub fn is_file(self) -> FileCheck {
        self.kind(FileKind::File)
    }

    /// It is a directory.
    pub fn is_dir(self) -> FileCheck {
        self.kind(FileKind::Dir)
    }

    /// Its permission bits (setuid, setgid and sticky included) are exactly `mode`: `0o755`.
    pub fn mode(self, mode: u32) -> FileCheck {
        self.with(Item::Mode(mode))
    }

    /// Its mode string is exactly this, as CST writes it (`-rwxr-xr-x`, `drwxr-xr-x`,
    /// `Lrwxrwxrwx`): see [`FileEntry::mode_string`].
    pub fn permissions(self, mode: impl Into<String>) -> FileCheck {
        self.with(Item::Permissions(mode.into()))
    }

    /// Its owner's user ID.
    pub fn owner(self, uid: u64) -> FileCheck {
        self.with(Item::Uid(uid))
    }

    /// Its group ID.
    pub fn group(self, gid: u64) -> FileCheck {
        self.with(Item::Gid(gid))
    }

    /// It is a symlink whose target is written exactly so.
    pub fn symlink_to(self, target: impl Into<String>) -> FileCheck {
        self.with(Item::SymlinkTo(target.into()))
    }

    /// It is this many bytes.
    pub fn size(self, bytes: u64) -> FileCheck {
        self.with(Item::Size(bytes))
    }

    /// Its content is exactly this text; a failure names the first differing line.
    pub fn content(self, text: impl Into<String>) -> FileCheck {
        self.with(Item::Content(text.into()))
    }

    /// The regex matches somewhere in its content (CST's `expectedContents`: use `(?m)` for
    /// `^`/`$` at line ends).
    pub fn content_matches(self, pattern: impl Into<String>) -> FileCheck {
        self.with(Item::ContentMatches(pattern.into()))
    }

    /// The regex matches nowhere in its content (CST's `excludedContents`).
    pub fn content_excludes(self, pattern: impl Into<String>) -> FileCheck {
        self.with(Item::ContentExcludes(pattern.into()))
    }

    /// It can be executed by `who`.
    pub fn executable_by(self, who: Executable) -> FileCheck {
        self.with(Item::Executable(who))
    }

    pub(crate) async fn evaluate(
        &self,
        files: &ImageFiles,
    ) -> Result<Vec<Failure>, StructureError> {
        let image = files.image();
        let path = &self.path;
        let subject = |what: &str| {
            if what.is_empty() {
                format!("file `{path}`")
            } else {
                format!("file `{path}`: {what}")
            }
        };
        let mut out = Vec::new();
        let entry = files.stat(path).await?;
        let should_exist = !self.items.contains(&Item::Exists(false));
        let entry = match (entry, should_exist) {
            (None, true) => {
                out.push(Failure::new(
                    subject(""),
                    "it to exist",
                    "no such file or directory",
                ));
                return Ok(out);
            }
            (Some(e), false) => {
                out.push(Failure::new(
                    subject(""),
                    "no such path",
                    e.kind.to_string(),
                ));
                return Ok(out);
            }
            (None, false) => return Ok(out),
            (Some(e), true) => e,
        };
        let mut content: Option<String> = None;
        for item in &self.items {
            match item {
                Item::Exists(_) => {}
                Item::Kind(k) if entry.kind != *k => out.push(Failure::new(
                    subject("kind"),
                    k.to_string(),
                    entry.kind.to_string(),
                )),
                Item::Mode(m) if entry.mode != *m => out.push(Failure::new(
                    subject("mode"),
                    format!("`{m:04o}`"),
                    format!("`{:04o}` ({})", entry.mode, entry.mode_string()),
                )),
                Item::Permissions(p) if &entry.mode_string() != p => out.push(Failure::new(
                    subject("permissions"),
                    tick(p),
                    tick(entry.mode_string()),
                )),
                Item::Uid(u) if entry.uid != *u => out.push(Failure::new(
                    subject("owner"),
                    format!("uid {u}"),
                    format!("uid {}", entry.uid),
                )),
                Item::Gid(g) if entry.gid != *g => out.push(Failure::new(
                    subject("group"),
                    format!("gid {g}"),
                    format!("gid {}", entry.gid),
                )),
                Item::SymlinkTo(t) => {
                    if entry.kind != FileKind::Symlink {
                        out.push(Failure::new(
                            subject("kind"),
                            format!("a symlink to `{t}`"),
                            entry.kind.to_string(),
                        ));
                    } else if entry.link_target.as_deref() != Some(t) {
                        out.push(Failure::new(
                            subject("symlink target"),
                            tick(t),
                            tick(entry.link_target.as_deref().unwrap_or_default()),
                        ));
                    }
                }
                Item::Size(s) if entry.size != *s => out.push(Failure::new(
                    subject("size"),
                    format!("{s} bytes"),
                    format!("{} bytes", entry.size),
                )),
                Item::Content(expected) => {
                    let text = self.read_content(files, &mut content).await?;
                    if let Some((line, e, f)) = first_difference(expected, text) {
                        out.push(Failure::new(
                            subject("content"),
                            format!("line {line} to be {}", describe_line(e)),
                            describe_line(f),
                        ));
                    }
                }
                Item::ContentMatches(p) => {
                    let re = compile(p, image)?;
                    let text = self.read_content(files, &mut content).await?;
                    if !re.is_match(text) {
                        out.push(Failure::new(
                            subject("content"),
                            format!("a match of regex `{p}`"),
                            excerpt(text),
                        ));
                    }
                }
                Item::ContentExcludes(p) => {
                    let re = compile(p, image)?;
                    let text = self.read_content(files, &mut content).await?;
                    if let Some(m) = re.find(text) {
                        let line = text[..m.start()].matches('\n').count() + 1;
                        let shown = text.split('\n').nth(line - 1).unwrap_or_default();
                        out.push(Failure::new(
                            subject("content"),
                            format!("no match of regex `{p}`"),
                            format!("one on line {line}: {shown:?}"),
                        ));
                    }
                }
                Item::Executable(who) => {
                    let (bits, whom) = match who {
                        Executable::Any => (0o111, "any".to_string()),
                        Executable::Owner => (0o100, "its owner".to_string()),
                        Executable::Group => (0o010, "its group".to_string()),
                        Executable::Other => (0o001, "others".to_string()),
                        Executable::User(user) => (
                            user_bits(files, &entry, user).await?,
                            format!("user `{user}`"),
                        ),
                    };
                    if entry.mode & bits == 0 {
                        out.push(Failure::new(
                            subject("execute permission"),
                            format!("executable by {whom}"),
                            format!(
                                "mode {}, owner uid {}, gid {}",
                                entry.mode_string(),
                                entry.uid,
                                entry.gid
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    async fn read_content<'a>(
        &self,
        files: &ImageFiles,
        cache: &'a mut Option<String>,
    ) -> Result<&'a str, StructureError> {
        if cache.is_none() {
            *cache = Some(files.read_to_string(&self.path).await?);
        }
        Ok(cache.as_deref().unwrap_or_default())
    }
}

impl ImageFiles {
    /// Checks one path; the error lists every expectation that failed.
    pub async fn check(&self, check: &FileCheck) -> Result<(), StructureError> {
        verdict(self.image(), check.evaluate(self).await?)
    }

    /// Every expectation of `checks` that does not hold.
    pub async fn failures_all(&self, checks: &[FileCheck]) -> Result<Vec<Failure>, StructureError> {
        let mut out = Vec::new();
        for c in checks {
            out.extend(c.evaluate(self).await?);
        }
        Ok(out)
    }
}

impl ImageStructure {
    /// Runs `checks` on one never-started container, removes it, and fails with every check
    /// that did not hold.
    pub async fn check_files(&self, checks: &[FileCheck]) -> Result<(), StructureError> {
        let files = self.files().await?;
        let result = files.failures_all(checks).await;
        files.close().await?;
        verdict(self.image(), result?)
    }
}

/// The execute bits that apply to `user` for a file: its owner's, its group's or others'.
async fn user_bits(
    files: &ImageFiles,
    entry: &FileEntry,
    user: &str,
) -> Result<u32, StructureError> {
    let passwd = parse_passwd(
        &files
            .read_to_string("/etc/passwd")
            .await
            .unwrap_or_default(),
    );
    let account = passwd
        .iter()
        .find(|u| u.name == user || u.uid.to_string() == user);
    let (uid, gid, name) = match (account, user.parse::<u64>()) {
        (Some(a), _) => (a.uid, a.gid, a.name.clone()),
        (None, Ok(uid)) => (uid, uid, String::new()),
        (None, Err(_)) => {
            return Err(StructureError::invalid(
                files.image(),
                format!(
                    "user `{user}` is not in the image's `/etc/passwd`\n(hint: name a user of the image, or give a numeric UID)"
                ),
            ))
        }
    };
    if uid == 0 {
        return Ok(0o111);
    }
    if entry.uid == uid {
        return Ok(0o100);
    }
    let groups = parse_group(&files.read_to_string("/etc/group").await.unwrap_or_default());
    let member = entry.gid == gid
        || groups
            .iter()
            .any(|g| g.gid == entry.gid && g.members.iter().any(|m| m == &name));
    Ok(if member { 0o010 } else { 0o001 })
}

/// The start of a text, for messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    if text.len() <= MAX {
        return format!("{text:?}");
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &text[..end], text.len())
}
