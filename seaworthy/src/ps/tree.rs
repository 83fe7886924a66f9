//! [`PsTree`]: processes arranged under their parents.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{PsError, PsRow};

/// A process and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsTree {
    /// The process.
    pub row: PsRow,
    /// Its child processes, in `ps` order.
    pub children: Vec<PsTree>,
}

impl PsTree {
    /// A tree of one process with no children.
    pub fn new(row: PsRow) -> PsTree {
        PsTree {
            row,
            children: Vec::new(),
        }
    }

    /// The number of processes in the tree, this one included.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(PsTree::count).sum::<usize>()
    }

    /// All processes of the tree, depth first, parents before their children.
    pub fn rows(&self) -> Vec<&PsRow> {
        let mut rows = Vec::with_capacity(self.count());
        let mut stack = vec![self];
        while let Some(tree) = stack.pop() {
            rows.push(&tree.row);
            stack.extend(tree.children.iter().rev());
        }
        rows
    }

    /// The subtree of the process `pid`, if it is in the tree.
    pub fn find(&self, pid: u32) -> Option<&PsTree> {
        if self.row.pid == pid {
            return Some(self);
        }
        self.children.iter().find_map(|child| child.find(pid))
    }

    fn fmt_indented(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        write!(f, "{:indent$}{}", "", self.row, indent = depth * 2)?;
        for child in &self.children {
            f.write_str("\n")?;
            child.fmt_indented(f, depth + 1)?;
        }
        Ok(())
    }
}

/// One line per process, `pid ppid ruser args`, children indented two spaces under their
/// parent; no final newline.
impl fmt::Display for PsTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_indented(f, 0)
    }
}

/// Arranges `rows` into the tree under the single process with ppid 0.
///
/// Children keep the order of `rows`.
///
/// ```
/// use seaworthy::ps::{build_process_tree, PsRow};
///
/// let tree = build_process_tree(&[
///     PsRow::new(1, 0, "root", "tini -- app"),
///     PsRow::new(6, 1, "app", "app --worker"),
/// ])?;
/// assert_eq!(tree.count(), 2);
/// assert_eq!(tree.to_string(), "1 0 root tini -- app\n  6 1 app app --worker");
/// # Ok::<(), seaworthy::ps::PsError>(())
/// ```
///
/// # Errors
///
/// [`PsError::NoRoot`] or [`PsError::TooManyRoots`] unless exactly one row has ppid 0, then
/// [`PsError::DuplicatePid`] when a pid appears twice, then [`PsError::Unreachable`] when some
/// rows are not descendants of the root.
pub fn build_process_tree(rows: &[PsRow]) -> Result<PsTree, PsError> {
    let roots: Vec<&PsRow> = rows.iter().filter(|row| row.ppid == 0).collect();
    let root = match roots.as_slice() {
        [] => return Err(PsError::NoRoot),
        [root] => *root,
        _ => {
            return Err(PsError::TooManyRoots {
                pids: roots.iter().map(|row| row.pid).collect(),
            })
        }
    };
    let mut seen = HashSet::with_capacity(rows.len());
    if let Some(row) = rows.iter().find(|row| !seen.insert(row.pid)) {
        return Err(PsError::DuplicatePid { pid: row.pid });
    }
    let mut children_of: HashMap<u32, Vec<&PsRow>> = HashMap::new();
    for row in rows.iter().filter(|row| row.ppid != 0) {
        children_of.entry(row.ppid).or_default().push(row);
    }
    // Pids are unique, so every row is attached at most once and the walk terminates.
    let tree = attach_children(root, &children_of);
    if tree.count() < rows.len() {
        let reachable: HashSet<u32> = tree.rows().iter().map(|row| row.pid).collect();
        return Err(PsError::Unreachable {
            pids: rows
                .iter()
                .map(|row| row.pid)
                .filter(|pid| !reachable.contains(pid))
                .collect(),
        });
    }
    Ok(tree)
}

fn attach_children(row: &PsRow, children_of: &HashMap<u32, Vec<&PsRow>>) -> PsTree {
    PsTree {
        row: row.clone(),
        children: children_of
            .get(&row.pid)
            .map(|children| {
                children
                    .iter()
                    .map(|child| attach_children(child, children_of))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// PID 1 and its descendants: drops other roots (commands run with `exec`, which have parent
/// PID 0 inside the container too) and everything under them.
pub(crate) fn own_processes(rows: Vec<PsRow>) -> Vec<PsRow> {
    let mut keep: HashSet<u32> = HashSet::from([1]);
    // Parents precede children in `ps` order almost always; iterate to a fixed point anyway.
    loop {
        let before = keep.len();
        for r in &rows {
            if keep.contains(&r.ppid) && r.ppid != 0 {
                keep.insert(r.pid);
            }
        }
        if keep.len() == before {
            break;
        }
    }
    if !rows.iter().any(|r| r.pid == 1) {
        // No PID 1 (a --pid=host container, say): let the tree builder report what it sees.
        return rows;
    }
    rows.into_iter().filter(|r| keep.contains(&r.pid)).collect()
}

#[cfg(test)]
mod should {
    use super::*;
    use crate::ps::test_support::{bigger_rows, bigger_tree, leaf, node, row};

    #[test]
    fn count_processes() {
        let one = leaf(1, 0, "root", "a");
        let three = node(
            row(1, 0, "root", "a"),
            vec![leaf(2, 1, "root", "b"), leaf(3, 1, "root", "c")],
        );
        let six = node(
            row(1, 0, "root", "a"),
            vec![
                node(
                    row(2, 1, "root", "b"),
                    vec![leaf(4, 2, "root", "d"), leaf(5, 2, "root", "e")],
                ),
                node(row(3, 1, "root", "c"), vec![leaf(6, 3, "root", "f")]),
            ],
        );
        for (tree, count) in [(one, 1), (three, 3), (six, 6), (bigger_tree(), 9)] {
            assert_eq!(tree.count(), count);
            assert_eq!(tree.rows().len(), count);
        }
    }

    #[test]
    fn build_trees() {
        let cases = [
            (
                "single process",
                vec![row(1, 0, "root", "a")],
                leaf(1, 0, "root", "a"),
            ),
            (
                "simple chain",
                vec![
                    row(1, 0, "root", "a"),
                    row(2, 1, "root", "b"),
                    row(3, 2, "root", "c"),
                ],
                node(
                    row(1, 0, "root", "a"),
                    vec![node(row(2, 1, "root", "b"), vec![leaf(3, 2, "root", "c")])],
                ),
            ),
            (
                "child listed before parent",
                vec![
                    row(3, 2, "root", "c"),
                    row(2, 1, "root", "b"),
                    row(1, 0, "root", "a"),
                ],
                node(
                    row(1, 0, "root", "a"),
                    vec![node(row(2, 1, "root", "b"), vec![leaf(3, 2, "root", "c")])],
                ),
            ),
            (
                "bigger tree, children in list order",
                bigger_rows(),
                bigger_tree(),
            ),
        ];
        for (name, rows, expected) in cases {
            assert_eq!(build_process_tree(&rows), Ok(expected), "{name}");
        }
    }

    #[test]
    fn reject_malformed_trees() {
        let cases = [
            (
                vec![],
                PsError::NoRoot,
                "no process tree root (ppid=0) found",
            ),
            (
                vec![row(1, 2, "root", "a"), row(2, 1, "root", "b")],
                PsError::NoRoot,
                "no process tree root (ppid=0) found",
            ),
            (
                vec![
                    row(1, 0, "root", "a"),
                    row(2, 1, "root", "b"),
                    row(3, 0, "root", "c"),
                ],
                PsError::TooManyRoots { pids: vec![1, 3] },
                "too many process tree roots (ppid=0) found: 1, 3",
            ),
            (
                vec![
                    row(1, 0, "root", "a"),
                    row(2, 1, "root", "b"),
                    row(2, 1, "root", "c"),
                ],
                PsError::DuplicatePid { pid: 2 },
                "duplicate pid found: 2",
            ),
            (
                // A duplicate of the root, with a cycle through it.
                vec![row(1, 0, "root", "a"), row(1, 1, "root", "b")],
                PsError::DuplicatePid { pid: 1 },
                "duplicate pid found: 1",
            ),
            (
                vec![
                    row(1, 0, "root", "a"),
                    row(2, 1, "root", "b"),
                    row(4, 3, "root", "orphan"),
                    row(5, 4, "root", "x"),
                ],
                PsError::Unreachable { pids: vec![4, 5] },
                "unreachable processes detected: 4, 5",
            ),
            (
                // A cycle that never reaches the root.
                vec![
                    row(1, 0, "root", "a"),
                    row(7, 8, "root", "b"),
                    row(8, 7, "root", "c"),
                    row(9, 9, "root", "d"),
                ],
                PsError::Unreachable {
                    pids: vec![7, 8, 9],
                },
                "unreachable processes detected: 7, 8, 9",
            ),
        ];
        for (rows, error, message) in cases {
            let got = build_process_tree(&rows).expect_err(message);
            assert_eq!(got, error);
            assert_eq!(got.to_string(), message);
        }
    }

    #[test]
    fn find_and_list_processes() {
        let tree = bigger_tree();
        assert_eq!(tree.find(10).map(|t| t.row.args.as_str()), Some("job"));
        assert_eq!(tree.find(10).map(PsTree::count), Some(2));
        assert_eq!(tree.find(99), None);
        let pids: Vec<u32> = tree.rows().iter().map(|row| row.pid).collect();
        assert_eq!(pids, [1, 6, 7, 12, 8, 9, 10, 11, 13]);
    }

    #[test]
    fn print_trees_indented() {
        assert_eq!(leaf(1, 0, "root", "a b").to_string(), "1 0 root a b");
        assert_eq!(
            bigger_tree().to_string(),
            "1 0 root tini -- app\n\
             \x20 6 1 root app master\n\
             \x20   7 6 app app worker 1\n\
             \x20     12 7 app helper\n\
             \x20   8 6 app app worker 2\n\
             \x20 9 1 root cron\n\
             \x20   10 9 root job\n\
             \x20     11 10 root job step\n\
             \x20 13 1 root logger"
        );
    }

    #[test]
    fn keep_pid_1_and_its_descendants_only() {
        let rows = vec![
            row(1, 0, "root", "init"),
            row(7, 1, "root", "worker"),
            row(9, 7, "root", "child"),
            row(101, 0, "root", "psql -c select"),
            row(102, 101, "root", "pager"),
        ];
        let kept: Vec<u32> = own_processes(rows).iter().map(|r| r.pid).collect();
        assert_eq!(kept, vec![1, 7, 9]);
        let orphans = vec![row(5, 0, "root", "a"), row(6, 0, "root", "b")];
        assert_eq!(own_processes(orphans.clone()), orphans);
    }
}
