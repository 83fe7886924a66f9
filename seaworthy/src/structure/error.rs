//! What a failed structure check says: the image, the field or path, expected and found.

use std::fmt;

/// One check that did not hold.
///
/// `Display` reads `subject: expected …, found …`, for example
/// ``user: expected `app`, found `root` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What was checked: `` user ``, `` env `PATH` ``, `` file `/etc/motd`: mode `` ….
    pub subject: String,
    /// What the check expected, in words.
    pub expected: String,
    /// What was found.
    pub found: String,
}

impl Failure {
    pub(crate) fn new(
        subject: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Failure {
        Failure {
            subject: subject.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.expected.is_empty() {
            // Context rather than a check: the output of a command that failed checks.
            return write!(f, "{}: {}", self.subject, self.found);
        }
        write!(
            f,
            "{}: expected {}, found {}",
            self.subject, self.expected, self.found
        )
    }
}

/// What went wrong while checking an image (see [`StructureError::kind`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum StructureErrorKind {
    /// Checks ran and some did not hold; every one that failed is listed.
    Failed(Vec<Failure>),
    /// A check that cannot be run as written (a regex that does not compile, a user the image
    /// does not know): the reason names the check.
    InvalidCheck(String),
    /// The engine failed (the image is missing, the engine went away, …).
    Engine(Box<crate::Error>),
    /// A file the check reads is not in a format seaworthy can read (a damaged or unsupported
    /// package database).
    Unreadable {
        /// The file, in the image or container.
        path: String,
        /// Why it cannot be read, and what to do instead.
        reason: String,
    },
}

/// A failed check of an image, or a failure to check it: the image and what went wrong.
///
/// ```
/// use seaworthy::structure::{Failure, StructureError};
///
/// let e = StructureError::failed("app:1", vec![Failure {
///     subject: "user".into(),
///     expected: "`app`".into(),
///     found: "`root`".into(),
/// }]);
/// assert_eq!(
///     e.to_string(),
///     "image `app:1` failed 1 structure check:\n  - user: expected `app`, found `root`",
/// );
/// ```
#[derive(Debug)]
pub struct StructureError {
    image: String,
    kind: StructureErrorKind,
}

impl StructureError {
    /// The error of checks that did not hold.
    pub fn failed(image: impl Into<String>, failures: Vec<Failure>) -> StructureError {
        StructureError {
            image: image.into(),
            kind: StructureErrorKind::Failed(failures),
        }
    }

    pub(crate) fn invalid(image: &str, reason: impl Into<String>) -> StructureError {
        StructureError {
            image: image.to_string(),
            kind: StructureErrorKind::InvalidCheck(reason.into()),
        }
    }

    pub(crate) fn engine(image: &str, error: crate::Error) -> StructureError {
        StructureError {
            image: image.to_string(),
            kind: StructureErrorKind::Engine(Box::new(error)),
        }
    }

    pub(crate) fn unreadable(
        image: &str,
        path: impl Into<String>,
        reason: impl Into<String>,
    ) -> StructureError {
        StructureError {
            image: image.to_string(),
            kind: StructureErrorKind::Unreadable {
                path: path.into(),
                reason: reason.into(),
            },
        }
    }

    /// The image, as the test named it.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// What went wrong.
    pub fn kind(&self) -> &StructureErrorKind {
        &self.kind
    }

    /// The checks that did not hold (empty for other kinds of error).
    pub fn failures(&self) -> &[Failure] {
        match &self.kind {
            StructureErrorKind::Failed(f) => f,
            _ => &[],
        }
    }
}

impl fmt::Display for StructureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StructureErrorKind::Failed(failures) => {
                write!(
                    f,
                    "image `{}` failed {}:",
                    self.image,
                    crate::text::plural(failures.len(), "structure check", "structure checks")
                )?;
                for failure in failures {
                    write!(f, "\n  - {failure}")?;
                }
                Ok(())
            }
            StructureErrorKind::InvalidCheck(reason) => {
                write!(f, "invalid check of image `{}`: {reason}", self.image)
            }
            StructureErrorKind::Engine(e) => {
                write!(f, "failed to check image `{}`: {e}", self.image)
            }
            StructureErrorKind::Unreadable { path, reason } => {
                write!(
                    f,
                    "cannot read `{path}` of image `{}`: {reason}",
                    self.image
                )
            }
        }
    }
}

impl std::error::Error for StructureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            StructureErrorKind::Engine(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// `Ok` when nothing failed, else the error listing the failures.
pub(crate) fn verdict(image: &str, failures: Vec<Failure>) -> Result<(), StructureError> {
    if failures.is_empty() {
        Ok(())
    } else {
        Err(StructureError::failed(image, failures))
    }
}

/// A value in backticks, for `expected`/`found`.
pub(crate) fn tick(v: impl fmt::Display) -> String {
    format!("`{v}`")
}

/// A list in backticks: `` [`a`, `b`] `` (`[]` when empty).
pub(crate) fn tick_list<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{:?}", s.as_ref())).collect();
    format!("`[{}]`", inner.join(", "))
}
