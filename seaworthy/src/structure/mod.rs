//! Tests of the image itself, before anything runs: its metadata, its files, the commands it
//! ships, the packages and users it holds, and container-structure-test (CST) files run
//! unchanged.
//!
//! - [`ImageStructure::inspect`] reads the image's configuration and history: no container.
//!   [`MetadataCheck`] asserts on them.
//! - [`ImageStructure::files`] creates a container that is **never started** and reads its
//!   filesystem through the engine's archive API, so it works on images without a shell (a
//!   `FROM scratch` image with one binary). [`FileCheck`] asserts on a path; listings, walks
//!   and globs, `/etc/passwd`, `/etc/group` and the package databases are read the same way.
//! - [`ImageStructure::run`] runs a [`CommandCheck`] in a fresh container and checks its exit
//!   code, stdout and stderr.
//! - [`cst::CstFile`] runs a CST `schemaVersion: 2.0.0` YAML or JSON file.
//! - A running container's files, users, groups and packages are
//!   [`ContainerHandle::files`](crate::ContainerHandle::files); the sockets it listens on,
//!   [`ContainerHandle::listening_sockets`](crate::ContainerHandle::listening_sockets); its
//!   processes, [`ContainerHandle::process_tree`](crate::ContainerHandle::process_tree).
//!
//! A failed check is a [`StructureError`] that names the image, the field or path, what was
//! expected and what was found (for content, the first differing line).
//!
//! The guide's page `docs/image-structure.md` shows them at work.

mod archive;
mod command;
pub mod cst;
mod diff;
mod entry;
mod error;
mod expand;
mod file_check;
mod files;
mod image;
mod metadata;
mod package;
mod rpm;
mod running;
mod sqlite;
mod system;

pub use command::{CommandCheck, CommandOutcome};
pub use entry::{FileEntry, FileKind};
pub use error::{Failure, StructureError, StructureErrorKind};
pub use file_check::{Executable, FileCheck};
pub use files::ImageFiles;
pub use image::ImageStructure;
pub use metadata::MetadataCheck;
pub use package::{Package, PackageDb};
pub use running::{ListeningSocket, Transport};
pub use system::{Group, User};
