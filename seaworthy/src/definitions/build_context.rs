//! A build context as the docker CLI sends it: the files of a directory minus those its
//! `.dockerignore` excludes, symlinks kept as symlinks (never followed, so a link pointing
//! outside the context sends no file from outside it), streamed to the engine as a tarball
//! without holding it in memory.

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use regex::Regex;
use tokio::sync::mpsc;

use crate::error::{Error, Result};

/// How many bytes the tarball is sent in, and how many such chunks may wait to be sent.
const CHUNK: usize = 256 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// One pattern of a `.dockerignore` file.
#[derive(Debug)]
struct Pattern {
    regex: Regex,
    /// A `!pattern`: re-includes what earlier patterns excluded.
    exception: bool,
}

/// The patterns of a `.dockerignore` file, matched as the docker CLI matches them: paths are
/// relative to the context, `*` and `?` stay within one path segment, `**` spans any number
/// of segments, a pattern that matches a directory matches everything below it, and the last
/// pattern that matches decides (`!` patterns re-include).
#[derive(Debug, Default)]
pub(crate) struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Parses a `.dockerignore` file's text; `file` names it in errors.
    pub(crate) fn parse(text: &str, file: &Path) -> Result<Self> {
        let mut patterns = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, raw) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let cleaned = clean(raw);
            if cleaned.is_empty() {
                continue;
            }
            let regex = Regex::new(&to_regex(&cleaned)).map_err(|e| Error::Io {
                action: format!(
                    "read `{}` line {}: invalid pattern `{line}`",
                    file.display(),
                    n + 1
                ),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            })?;
            patterns.push(Pattern { regex, exception });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Whether `rel` (a `/`-separated path relative to the context) is left out.
    pub(crate) fn excludes(&self, rel: &str) -> bool {
        let mut excluded = false;
        for p in &self.patterns {
            if excluded != p.exception {
                continue; // this pattern could not change the answer
            }
            let hit = p.regex.is_match(rel)
                || rel
                    .match_indices('/')
                    .any(|(i, _)| p.regex.is_match(&rel[..i]));
            if hit {
                excluded = !p.exception;
            }
        }
        excluded
    }

    /// Whether some `!` pattern may re-include a path below an excluded directory.
    fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }
}

/// A pattern as a relative, `/`-separated path: `.` segments and empty ones dropped, `..`
/// applied, no leading `/` (as Go's `filepath.Clean` and the CLI's trimming leave it).
fn clean(pattern: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A `.dockerignore` pattern as an anchored regular expression.
fn to_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                    out.push_str("(.*/)?"); // `**/`: any number of directories, even none
                } else {
                    out.push_str(".*");
                }
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push_str(&regex::escape(&next.to_string()));
                }
            }
            '[' => {
                out.push('[');
                if chars.peek() == Some(&'!') {
                    chars.next();
                    out.push('^');
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c == '\\' || c == '[' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push(']');
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    out
}

/// What one entry of the context is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File,
    /// A symbolic link, with its target (kept as is, not followed).
    Symlink(PathBuf),
}

/// One entry of a build context, by its `/`-separated path relative to the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) rel: String,
    pub(crate) kind: Kind,
}

/// The entries of `context` that a build sends, sorted by path: what its `.dockerignore`
/// leaves, plus the Dockerfile and the `.dockerignore` itself, which the docker CLI always
/// sends.
pub(crate) fn entries(context: &Path, dockerfile: &str) -> Result<Vec<Entry>> {
    let read_err = |source| Error::Io {
        action: format!("read build context `{}`", context.display()),
        source,
    };
    std::fs::metadata(context).map_err(read_err)?;
    let ignore_file = context.join(".dockerignore");
    let ignore = match std::fs::read_to_string(&ignore_file) {
        Ok(text) => DockerIgnore::parse(&text, &ignore_file)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DockerIgnore::default(),
        Err(e) => return Err(read_err(e)),
    };
    let always = [clean(dockerfile), ".dockerignore".to_string()];
    let mut out = Vec::new();
    walk(context, "", &ignore, &always, &mut out).map_err(read_err)?;
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

fn walk(
    dir: &Path,
    prefix: &str,
    ignore: &DockerIgnore,
    always: &[String],
    out: &mut Vec<Entry>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let rel = format!("{prefix}{}", name.to_string_lossy());
        let excluded = ignore.excludes(&rel) && !always.contains(&rel);
        let file_type = entry.file_type()?; // of the entry itself: symlinks are not followed
        if file_type.is_dir() {
            if !excluded {
                out.push(Entry {
                    rel: rel.clone(),
                    kind: Kind::Dir,
                });
            }
            // Below an excluded directory only a `!` pattern (or the Dockerfile) can bring a
            // file back; without one, its contents are not even read.
            let dockerfile_below = always.iter().any(|a| a.starts_with(&format!("{rel}/")));
            if !excluded || ignore.has_exceptions() || dockerfile_below {
                walk(&entry.path(), &format!("{rel}/"), ignore, always, out)?;
            }
        } else if excluded {
            continue;
        } else if file_type.is_symlink() {
            out.push(Entry {
                rel,
                kind: Kind::Symlink(std::fs::read_link(entry.path())?),
            });
        } else if file_type.is_file() {
            out.push(Entry {
                rel,
                kind: Kind::File,
            });
        }
        // Sockets, FIFOs and devices are not sent.
    }
    Ok(())
}

/// A hash of the entries (paths, kinds, permissions, file contents, link targets) and the
/// build arguments; files are read in chunks, never whole.
pub(crate) fn hash(
    context: &Path,
    entries: &[Entry],
    args: &BTreeMap<String, String>,
) -> Result<String> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    for e in entries {
        hasher.write(e.rel.as_bytes());
        hasher.write_u8(0);
        let full = context.join(&e.rel);
        match &e.kind {
            Kind::Dir => hasher.write_u8(b'd'),
            Kind::Symlink(target) => {
                hasher.write_u8(b'l');
                hasher.write(target.to_string_lossy().as_bytes());
            }
            Kind::File => {
                hasher.write_u8(b'f');
                let io = |source| Error::Io {
                    action: format!("read `{}`", full.display()),
                    source,
                };
                let mut file = std::fs::File::open(&full).map_err(io)?;
                hasher.write_u32(mode(&file.metadata().map_err(io)?));
                loop {
                    let n = file.read(&mut buf).map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    hasher.write(&buf[..n]);
                }
            }
        }
    }
    for (k, v) in args {
        hasher.write(k.as_bytes());
        hasher.write_u8(0);
        hasher.write(v.as_bytes());
        hasher.write_u8(0);
    }
    Ok(format!("{:016x}", hasher.finish()))
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

#[cfg(not(unix))]
fn mode(meta: &std::fs::Metadata) -> u32 {
    u32::from(meta.permissions().readonly())
}

/// Writes what it is given to a channel in chunks of [`CHUNK`] bytes.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<std::io::Result<Bytes>>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the engine stopped reading the build context",
            )
        })
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// The context's tarball as a stream of chunks, written by a blocking task as the engine
/// reads it: at most [`CHUNKS_IN_FLIGHT`] chunks are in memory at once. An I/O error (a file
/// that vanished) ends the stream with that error, naming the file.
pub(crate) fn tar_stream(
    context: PathBuf,
    entries: Vec<Entry>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let errors = tx.clone();
    tokio::task::spawn_blocking(move || {
        let writer = ChunkWriter {
            buf: Vec::with_capacity(CHUNK),
            tx,
        };
        let mut builder = tar::Builder::new(writer);
        builder.follow_symlinks(false);
        let result = (|| {
            for e in &entries {
                let full = context.join(&e.rel);
                builder
                    .append_path_with_name(&full, &e.rel)
                    .map_err(|err| {
                        std::io::Error::new(err.kind(), format!("pack `{}`: {err}", full.display()))
                    })?;
            }
            builder.into_inner()?.flush()
        })();
        if let Err(e) = result {
            let _ = errors.blocking_send(Err(e));
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text, Path::new(".dockerignore")).unwrap()
    }

    #[test]
    fn patterns_match_as_the_docker_cli_does() {
        let i = ignore("# comment\n\n*.log\n/target\ndocs/**/*.md\n!docs/keep/README.md\na?c\n");
        for (path, excluded) in [
            ("app.log", true),
            ("sub/app.log", false), // `*` stays in one segment, anchored at the root
            ("target", true),
            ("target/debug/x", true), // below a matched directory
            ("docs/a.md", true),      // `**/` also matches no directory
            ("docs/x/y/b.md", true),
            ("docs/keep/README.md", false), // the last matching pattern decides
            ("docs/a.txt", false),
            ("abc", true),
            ("ab/c", false),
            ("main.rs", false),
        ] {
            assert_eq!(i.excludes(path), excluded, "{path}");
        }
    }

    #[test]
    fn everything_but_exceptions() {
        let i = ignore("*\n!src\n!Dockerfile\nsrc/*.tmp\n");
        assert!(i.excludes("README.md"));
        assert!(!i.excludes("Dockerfile"));
        assert!(!i.excludes("src/main.rs"));
        assert!(i.excludes("src/x.tmp"));
        assert!(i.has_exceptions());
    }

    #[test]
    fn patterns_are_cleaned_and_special_characters_are_literal() {
        let i = ignore("./a/../b/./c\n  spaced  \nx.y\n[!a]z\nq\\*\n");
        assert!(i.excludes("b/c"));
        assert!(i.excludes("spaced"));
        assert!(i.excludes("x.y"));
        assert!(!i.excludes("xzy"));
        assert!(i.excludes("bz"));
        assert!(!i.excludes("az"));
        assert!(i.excludes("q*"));
        assert!(!i.excludes("qq"));
    }

    #[test]
    fn an_invalid_pattern_names_the_file_and_line() {
        let e = DockerIgnore::parse("ok\n[z-a]\n", Path::new("/ctx/.dockerignore")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("failed to read `/ctx/.dockerignore` line 2: invalid pattern `[z-a]`"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_kept_not_followed_and_ignored_files_are_left_out() {
        let root = std::env::temp_dir().join(format!("seaworthy-ctxmod-{}", std::process::id()));
        let ctx = root.join("ctx");
        std::fs::create_dir_all(ctx.join("target/deep")).unwrap();
        std::fs::write(root.join("secret"), "outside").unwrap();
        std::fs::write(ctx.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(ctx.join(".dockerignore"), "target\nDockerfile\n*.log\n").unwrap();
        std::fs::write(ctx.join("a.log"), "x").unwrap();
        std::fs::write(ctx.join("keep.txt"), "x").unwrap();
        std::fs::write(ctx.join("target/deep/big"), "x").unwrap();
        std::os::unix::fs::symlink("../secret", ctx.join("out")).unwrap();
        std::os::unix::fs::symlink("..", ctx.join("loop")).unwrap();
        let got = entries(&ctx, "Dockerfile").unwrap();
        assert_eq!(
            got,
            vec![
                Entry {
                    rel: ".dockerignore".into(),
                    kind: Kind::File
                },
                Entry {
                    rel: "Dockerfile".into(),
                    kind: Kind::File
                },
                Entry {
                    rel: "keep.txt".into(),
                    kind: Kind::File
                },
                Entry {
                    rel: "loop".into(),
                    kind: Kind::Symlink("..".into())
                },
                Entry {
                    rel: "out".into(),
                    kind: Kind::Symlink("../secret".into())
                },
            ]
        );
        let h = hash(&ctx, &got, &BTreeMap::new()).unwrap();
        // An ignored file does not change the hash; a sent one does.
        std::fs::write(ctx.join("a.log"), "changed").unwrap();
        assert_eq!(hash(&ctx, &got, &BTreeMap::new()).unwrap(), h);
        std::fs::write(ctx.join("keep.txt"), "changed").unwrap();
        assert_ne!(hash(&ctx, &got, &BTreeMap::new()).unwrap(), h);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
