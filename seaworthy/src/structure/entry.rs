//! [`FileEntry`] and [`FileKind`]: one path of a filesystem as the engine's archive reports it.
//! A leaf: the archive reader makes them, the image's files and the checks read them.

use std::fmt;

/// What kind of filesystem object a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link ([`FileEntry::link_target`] says where to).
    Symlink,
    /// A hard link to a file archived earlier in the same listing.
    HardLink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::File => "a regular file",
            FileKind::Dir => "a directory",
            FileKind::Symlink => "a symlink",
            FileKind::HardLink => "a hard link",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Fifo => "a named pipe",
        })
    }
}

/// One path of an image's filesystem, as the engine's archive reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The absolute path.
    pub path: String,
    /// What it is.
    pub kind: FileKind,
    /// The permission bits, setuid, setgid and sticky included (`0o4755`).
    pub mode: u32,
    /// The owner's user ID.
    pub uid: u64,
    /// The group ID.
    pub gid: u64,
    /// The size in bytes (0 for what is not a regular file).
    pub size: u64,
    /// A link's target, as written in the link.
    pub link_target: Option<String>,
}

impl FileEntry {
    /// The mode as `ls -l` and Go's `FileMode` write it, as CST's `permissions` expects:
    /// `-rwxr-xr-x`, `drwxr-xr-x`, `Lrwxrwxrwx`, `dtrwxrwxrwx` (sticky), `urwxr-xr-x` (setuid).
    pub fn mode_string(&self) -> String {
        let mut s = String::new();
        let kind = match self.kind {
            FileKind::Dir => "d",
            FileKind::Symlink => "L",
            FileKind::CharDevice => "Dc",
            FileKind::BlockDevice => "D",
            FileKind::Fifo => "p",
            FileKind::File | FileKind::HardLink => "",
        };
        s.push_str(kind);
        if self.mode & 0o4000 != 0 {
            s.push('u');
        }
        if self.mode & 0o2000 != 0 {
            s.push('g');
        }
        if self.mode & 0o1000 != 0 {
            s.push('t');
        }
        if s.is_empty() {
            s.push('-');
        }
        for (i, c) in "rwxrwxrwx".chars().enumerate() {
            s.push(if self.mode & (1 << (8 - i)) != 0 {
                c
            } else {
                '-'
            });
        }
        s
    }

    /// The file name (the last part of the path).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

#[cfg(test)]
mod should {
    use super::*;

    fn entry(kind: FileKind, mode: u32) -> FileEntry {
        FileEntry {
            path: "/x".into(),
            kind,
            mode,
            uid: 0,
            gid: 0,
            size: 0,
            link_target: None,
        }
    }

    #[test]
    fn write_modes_as_go_does() {
        assert_eq!(entry(FileKind::File, 0o755).mode_string(), "-rwxr-xr-x");
        assert_eq!(entry(FileKind::Dir, 0o755).mode_string(), "drwxr-xr-x");
        assert_eq!(entry(FileKind::Dir, 0o1777).mode_string(), "dtrwxrwxrwx");
        assert_eq!(entry(FileKind::Symlink, 0o777).mode_string(), "Lrwxrwxrwx");
        assert_eq!(entry(FileKind::File, 0o4755).mode_string(), "urwxr-xr-x");
        assert_eq!(entry(FileKind::File, 0o640).mode_string(), "-rw-r-----");
    }
}
