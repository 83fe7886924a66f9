//! Process lists and trees: what runs inside a container, as which user, under which parent.
//!
//! The container's processes are listed by running [`PS_COMMAND`] inside it (so PIDs and user
//! names are those of the container's namespaces); [`parse_ps_output`] turns its output into
//! [`PsRow`]s, [`build_process_tree`] arranges them under PID 1, and a [`TreeShape`] asserts the
//! tree looks as expected without caring about the order of siblings or their PIDs.
//!
//! ```
//! use seaworthy::ps::{build_process_tree, parse_ps_output, TreeShape};
//!
//! let output = "\
//!   PID  PPID RUSER    COMMAND
//!     1     0 root     tini -- gunicorn app:wsgi
//!     7     1 root     gunicorn: master [app:wsgi]
//!     9     7 nobody   gunicorn: worker [app:wsgi]
//!     8     7 nobody   gunicorn: worker [app:wsgi]
//!    12     0 root     ps ax -o pid,ppid,ruser,args
//! ";
//! let tree = build_process_tree(&parse_ps_output(output)?)?;
//! let worker = || TreeShape::new("nobody", "gunicorn: worker [app:wsgi]");
//! let expected = TreeShape::new("root", "tini -- gunicorn app:wsgi").pid(1).child(
//!     TreeShape::new("root", "gunicorn: master [app:wsgi]").children([worker(), worker()]),
//! );
//! expected.check(&tree)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`ContainerHandle::processes`](crate::ContainerHandle::processes) and
//! [`process_tree`](crate::ContainerHandle::process_tree) run the command in a container.

mod error;
mod handle;
mod parse;
mod shape;
mod tree;

pub use error::PsError;
pub use parse::{parse_ps_output, PsRow, PS_COMMAND};
pub use shape::{TreeMismatch, TreeShape};
pub use tree::{build_process_tree, PsTree};

#[cfg(test)]
mod test_support {
    use super::{PsRow, PsTree};

    pub(super) fn row(pid: u32, ppid: u32, ruser: &str, args: &str) -> PsRow {
        PsRow::new(pid, ppid, ruser, args)
    }

    pub(super) fn leaf(pid: u32, ppid: u32, ruser: &str, args: &str) -> PsTree {
        PsTree::new(row(pid, ppid, ruser, args))
    }

    pub(super) fn node(row: PsRow, children: Vec<PsTree>) -> PsTree {
        PsTree { row, children }
    }

    pub(super) fn bigger_rows() -> Vec<PsRow> {
        vec![
            row(1, 0, "root", "tini -- app"),
            row(6, 1, "root", "app master"),
            row(7, 6, "app", "app worker 1"),
            row(8, 6, "app", "app worker 2"),
            row(9, 1, "root", "cron"),
            row(10, 9, "root", "job"),
            row(11, 10, "root", "job step"),
            row(12, 7, "app", "helper"),
            row(13, 1, "root", "logger"),
        ]
    }

    pub(super) fn bigger_tree() -> PsTree {
        node(
            row(1, 0, "root", "tini -- app"),
            vec![
                node(
                    row(6, 1, "root", "app master"),
                    vec![
                        node(
                            row(7, 6, "app", "app worker 1"),
                            vec![leaf(12, 7, "app", "helper")],
                        ),
                        leaf(8, 6, "app", "app worker 2"),
                    ],
                ),
                node(
                    row(9, 1, "root", "cron"),
                    vec![node(
                        row(10, 9, "root", "job"),
                        vec![leaf(11, 10, "root", "job step")],
                    )],
                ),
                leaf(13, 1, "root", "logger"),
            ],
        )
    }
}
