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

use std::collections::{HashMap, HashSet};
use std::fmt;

/// The command that lists a container's processes in the format [`parse_ps_output`] reads.
///
/// Both BusyBox and procps `ps` understand it.
pub const PS_COMMAND: [&str; 4] = ["ps", "ax", "-o", "pid,ppid,ruser,args"];

/// Why a process list could not be read or arranged into a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PsError {
    /// The output has no header line (it is empty or blank).
    #[error(
        "read `ps` output: it is empty\n\
         (hint: does the image have a `ps` that understands `ps ax -o pid,ppid,ruser,args`?)"
    )]
    MissingHeader,
    /// The header is not that of the four columns asked for (`PID PPID RUSER COMMAND`).
    #[error(
        "read `ps` output: unexpected header `{header}`, expected `PID PPID RUSER COMMAND`\n\
         (hint: does the image have a `ps` that understands `ps ax -o pid,ppid,ruser,args`?)"
    )]
    Header {
        /// The header line.
        header: String,
    },
    /// A line does not start with a numeric pid and ppid followed by a user.
    #[error("parse `ps` output line `{line}`: expected `PID PPID RUSER ARGS`")]
    Parse {
        /// The offending line.
        line: String,
    },
    /// No process has ppid 0.
    #[error("no process tree root (ppid=0) found")]
    NoRoot,
    /// More than one process has ppid 0.
    #[error("too many process tree roots (ppid=0) found: {}", join_pids(.pids))]
    TooManyRoots {
        /// The pids of the processes with ppid 0, in input order.
        pids: Vec<u32>,
    },
    /// Two processes have the same pid.
    #[error("duplicate pid found: {pid}")]
    DuplicatePid {
        /// The first pid seen twice.
        pid: u32,
    },
    /// Some processes cannot be reached from the root by following parents.
    #[error("unreachable processes detected: {}", join_pids(.pids))]
    Unreachable {
        /// The pids of the unreachable processes, in input order.
        pids: Vec<u32>,
    },
}

fn join_pids(pids: &[u32]) -> String {
    pids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One process, as listed by [`PS_COMMAND`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsRow {
    /// Process id.
    pub pid: u32,
    /// Parent process id (0 for the container's init process).
    pub ppid: u32,
    /// Real user name (or numeric id, when the user has no name in the container).
    pub ruser: String,
    /// The command line.
    pub args: String,
}

impl PsRow {
    /// A row from its fields.
    pub fn new(pid: u32, ppid: u32, ruser: impl Into<String>, args: impl Into<String>) -> PsRow {
        PsRow {
            pid,
            ppid,
            ruser: ruser.into(),
            args: args.into(),
        }
    }

    /// The column names, in order.
    pub const COLUMNS: [&'static str; 4] = ["pid", "ppid", "ruser", "args"];
}

impl fmt::Display for PsRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.pid, self.ppid, self.ruser, self.args)
    }
}

/// Splits `line` on runs of whitespace into at most `max` fields; the last one keeps its inner
/// whitespace. Leading and trailing whitespace is dropped (Python's `strip().split(None, n)`).
fn split_fields(line: &str, max: usize) -> Vec<&str> {
    let mut fields = Vec::with_capacity(max);
    let mut rest = line.trim();
    while !rest.is_empty() {
        if fields.len() + 1 == max {
            fields.push(rest);
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        fields.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    fields
}

/// Reads the output of [`PS_COMMAND`] into rows, in `ps` order.
///
/// The header line is dropped, and so is the row of the `ps` command itself. Columns are split
/// on whitespace rather than by header position, so the header alignment of BusyBox and of
/// procps, and PIDs wider than their header, all parse; only the last column (args) may
/// contain spaces. Blank lines are ignored, and a process with empty args is kept.
///
/// ```
/// use seaworthy::ps::{parse_ps_output, PsRow};
///
/// let rows = parse_ps_output("PID   PPID  RUSER    COMMAND\n    1     0 root     sleep 2\n")?;
/// assert_eq!(rows, [PsRow::new(1, 0, "root", "sleep 2")]);
/// # Ok::<(), seaworthy::ps::PsError>(())
/// ```
///
/// # Errors
///
/// [`PsError::MissingHeader`] for blank output, [`PsError::Header`] when the header is not
/// four columns starting with `PID PPID` (as when `ps` printed an error), and [`PsError::Parse`] for a line without a numeric pid and ppid and a
/// user.
pub fn parse_ps_output(output: &str) -> Result<Vec<PsRow>, PsError> {
    let mut lines = output.lines().filter(|line| !line.trim().is_empty());
    let header = lines.next().ok_or(PsError::MissingHeader)?;
    let names: Vec<&str> = header.split_whitespace().collect();
    let columns = names.len();
    let pid_first = matches!(names.as_slice(), [pid, ppid, ..]
        if pid.eq_ignore_ascii_case("pid") && ppid.eq_ignore_ascii_case("ppid"));
    if columns != PsRow::COLUMNS.len() || !pid_first {
        return Err(PsError::Header {
            header: header.trim().to_owned(),
        });
    }
    let ps_args = PS_COMMAND.join(" ");
    let mut rows = Vec::new();
    for line in lines {
        let parse_error = || PsError::Parse {
            line: line.trim().to_owned(),
        };
        let fields = split_fields(line, columns);
        let [pid, ppid, ruser, rest @ ..] = fields.as_slice() else {
            return Err(parse_error());
        };
        let row = PsRow {
            pid: pid.parse().map_err(|_| parse_error())?,
            ppid: ppid.parse().map_err(|_| parse_error())?,
            ruser: (*ruser).to_owned(),
            args: rest.first().copied().unwrap_or_default().to_owned(),
        };
        if row.args != ps_args {
            rows.push(row);
        }
    }
    Ok(rows)
}

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

#[derive(Debug, Clone)]
enum ArgsPattern {
    Exact(String),
    Regex(regex::Regex),
}

impl ArgsPattern {
    fn matches(&self, args: &str) -> bool {
        match self {
            ArgsPattern::Exact(expected) => args == expected,
            ArgsPattern::Regex(regex) => regex.is_match(args),
        }
    }
}

/// The expected shape of a process tree, checked with [`TreeShape::check`].
///
/// Every node expects a user and a command line (exactly, or matching a regex with
/// [`TreeShape::args_matching`]), optionally a pid and ppid, and its children. Children are
/// compared as a set, one to one and in any order: a missing or an extra child is a mismatch.
/// A shape without [`child`](TreeShape::child) or [`children`](TreeShape::children) expects no
/// children, unless [`any_children`](TreeShape::any_children) is set.
///
/// This is testtools' `MatchesPsTree` from Python Seaworthy.
///
/// ```
/// use seaworthy::ps::{build_process_tree, PsRow, TreeShape};
///
/// let tree = build_process_tree(&[
///     PsRow::new(1, 0, "root", "tini -- app"),
///     PsRow::new(6, 1, "app", "app --worker"),
/// ])?;
/// let err = TreeShape::new("root", "tini -- app")
///     .child(TreeShape::new("root", "app --worker"))
///     .check(&tree)
///     .unwrap_err();
/// assert_eq!(err.differences(), ["`ruser`: expected `root`, got `app` at /1/6"]);
/// # Ok::<(), seaworthy::ps::PsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TreeShape {
    ruser: String,
    args: ArgsPattern,
    pid: Option<u32>,
    ppid: Option<u32>,
    /// `None`: any children.
    children: Option<Vec<TreeShape>>,
}

impl TreeShape {
    /// A process run by `ruser` with exactly these `args`, and no children.
    pub fn new(ruser: impl Into<String>, args: impl Into<String>) -> TreeShape {
        TreeShape {
            ruser: ruser.into(),
            args: ArgsPattern::Exact(args.into()),
            pid: None,
            ppid: None,
            children: Some(Vec::new()),
        }
    }

    /// A process run by `ruser` whose whole args match `pattern` (it is anchored at both ends),
    /// and no children.
    ///
    /// ```
    /// # use seaworthy::ps::{PsTree, PsRow, TreeShape};
    /// let shape = TreeShape::args_matching("app", r"worker \d+")?;
    /// assert!(shape.check(&PsTree::new(PsRow::new(3, 1, "app", "worker 12"))).is_ok());
    /// assert!(shape.check(&PsTree::new(PsRow::new(3, 1, "app", "a worker 12"))).is_err());
    /// # Ok::<(), regex::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The [`regex::Error`] when `pattern` is not a valid regular expression.
    pub fn args_matching(
        ruser: impl Into<String>,
        pattern: &str,
    ) -> Result<TreeShape, regex::Error> {
        let regex = regex::Regex::new(&format!("^(?:{pattern})$"))?;
        Ok(TreeShape {
            args: ArgsPattern::Regex(regex),
            ..TreeShape::new(ruser, String::new())
        })
    }

    /// Expects this pid.
    pub fn pid(mut self, pid: u32) -> TreeShape {
        self.pid = Some(pid);
        self
    }

    /// Expects this parent pid.
    pub fn ppid(mut self, ppid: u32) -> TreeShape {
        self.ppid = Some(ppid);
        self
    }

    /// Expects this child too.
    pub fn child(mut self, child: TreeShape) -> TreeShape {
        self.children.get_or_insert_with(Vec::new).push(child);
        self
    }

    /// Expects these children too.
    pub fn children(mut self, children: impl IntoIterator<Item = TreeShape>) -> TreeShape {
        self.children.get_or_insert_with(Vec::new).extend(children);
        self
    }

    /// Accepts any children, and forgets the children expected so far.
    pub fn any_children(mut self) -> TreeShape {
        self.children = None;
        self
    }

    /// Checks that `tree` has this shape.
    ///
    /// # Errors
    ///
    /// A [`TreeMismatch`] listing every difference found.
    pub fn check(&self, tree: &PsTree) -> Result<(), TreeMismatch> {
        let mut differences = Vec::new();
        self.diff(tree, "", &mut differences);
        if differences.is_empty() {
            Ok(())
        } else {
            Err(TreeMismatch {
                differences,
                actual: tree.to_string(),
            })
        }
    }

    /// Whether `tree` has this shape, without explaining why not.
    pub fn matches(&self, tree: &PsTree) -> bool {
        let row = &tree.row;
        self.pid.is_none_or(|pid| pid == row.pid)
            && self.ppid.is_none_or(|ppid| ppid == row.ppid)
            && self.ruser == row.ruser
            && self.args.matches(&row.args)
            && match &self.children {
                None => true,
                Some(shapes) => {
                    shapes.len() == tree.children.len() && {
                        let assignment = assign(shapes, &tree.children);
                        assignment.iter().all(Option::is_some)
                    }
                }
            }
    }

    fn diff(&self, tree: &PsTree, parent_path: &str, out: &mut Vec<String>) {
        let row = &tree.row;
        let path = format!("{parent_path}/{}", row.pid);
        if let Some(pid) = self.pid.filter(|&pid| pid != row.pid) {
            out.push(format!(
                "`pid`: expected `{pid}`, got `{}` at {path}",
                row.pid
            ));
        }
        if let Some(ppid) = self.ppid.filter(|&ppid| ppid != row.ppid) {
            out.push(format!(
                "`ppid`: expected `{ppid}`, got `{}` at {path}",
                row.ppid
            ));
        }
        if self.ruser != row.ruser {
            out.push(format!(
                "`ruser`: expected `{}`, got `{}` at {path}",
                self.ruser, row.ruser
            ));
        }
        if !self.args.matches(&row.args) {
            let expected = match &self.args {
                ArgsPattern::Exact(args) => format!("`{args}`"),
                ArgsPattern::Regex(regex) => format!("to match `{}`", regex.as_str()),
            };
            out.push(format!(
                "`args`: expected {expected}, got `{}` at {path}",
                row.args
            ));
        }
        if let Some(shapes) = &self.children {
            diff_children(shapes, tree, &path, out);
        }
    }
}

/// Finds a one-to-one assignment of shapes to children that match them, as large as possible
/// (augmenting paths, as in Kuhn's algorithm: a greedy choice can miss a perfect assignment).
/// Returns, for each child, the index of its shape.
fn assign(shapes: &[TreeShape], children: &[PsTree]) -> Vec<Option<usize>> {
    let fits: Vec<Vec<bool>> = shapes
        .iter()
        .map(|shape| children.iter().map(|child| shape.matches(child)).collect())
        .collect();
    let mut shape_of_child: Vec<Option<usize>> = vec![None; children.len()];
    for shape in 0..shapes.len() {
        let mut visited = vec![false; children.len()];
        augment(shape, &fits, &mut visited, &mut shape_of_child);
    }
    shape_of_child
}

fn augment(
    shape: usize,
    fits: &[Vec<bool>],
    visited: &mut [bool],
    shape_of_child: &mut [Option<usize>],
) -> bool {
    for child in 0..shape_of_child.len() {
        if fits[shape][child] && !visited[child] {
            visited[child] = true;
            let free = match shape_of_child[child] {
                None => true,
                Some(other) => augment(other, fits, visited, shape_of_child),
            };
            if free {
                shape_of_child[child] = Some(shape);
                return true;
            }
        }
    }
    false
}

fn diff_children(shapes: &[TreeShape], tree: &PsTree, path: &str, out: &mut Vec<String>) {
    let children = &tree.children;
    let shape_of_child = assign(shapes, children);
    let mut missing: Vec<usize> = (0..shapes.len())
        .filter(|shape| !shape_of_child.contains(&Some(*shape)))
        .collect();
    let mut extra: Vec<usize> = (0..children.len())
        .filter(|&child| shape_of_child[child].is_none())
        .collect();
    // Explain leftovers as pairs that differ, closest pairs first, as far as they pair up.
    let mut candidates: Vec<(Vec<String>, usize, usize)> = Vec::new();
    for &shape in &missing {
        for &child in &extra {
            let mut differences = Vec::new();
            shapes[shape].diff(&children[child], path, &mut differences);
            candidates.push((differences, shape, child));
        }
    }
    candidates.sort_by_key(|(differences, shape, child)| (differences.len(), *shape, *child));
    let mut pairs = Vec::new();
    for (differences, shape, child) in candidates {
        if missing.contains(&shape) && extra.contains(&child) {
            pairs.push((child, differences));
            missing.retain(|&s| s != shape);
            extra.retain(|&c| c != child);
        }
    }
    // Report in the order of the actual children, like the printed tree.
    pairs.sort_by_key(|(child, _)| *child);
    out.extend(pairs.into_iter().flat_map(|(_, differences)| differences));
    let pid = tree.row.pid;
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|&shape| shapes[shape].to_string())
            .collect();
        out.push(format!(
            "{} missing under pid {pid}: {}",
            plural(missing.len(), "expected child", "expected children"),
            list.join("; ")
        ));
    }
    if !extra.is_empty() {
        let list: Vec<String> = extra
            .iter()
            .map(|&child| format!("`{}`", children[child].row))
            .collect();
        out.push(format!(
            "{} under pid {pid}: {}",
            plural(extra.len(), "unexpected child", "unexpected children"),
            list.join("; ")
        ));
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `ruser=`root` args=`tini -- app``, with `pid=`, `ppid=`, a regex shown as `args~`…``, and
/// the number of expected children.
impl fmt::Display for TreeShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(pid) = self.pid {
            write!(f, "pid={pid} ")?;
        }
        if let Some(ppid) = self.ppid {
            write!(f, "ppid={ppid} ")?;
        }
        write!(f, "ruser=`{}` ", self.ruser)?;
        match &self.args {
            ArgsPattern::Exact(args) => write!(f, "args=`{args}`")?,
            ArgsPattern::Regex(regex) => write!(f, "args~`{}`", regex.as_str())?,
        }
        match &self.children {
            None => f.write_str(" with any children"),
            Some(children) if children.is_empty() => Ok(()),
            Some(children) => write!(f, " with {}", plural(children.len(), "child", "children")),
        }
    }
}

/// How a process tree differs from a [`TreeShape`].
///
/// `Debug` prints the same text as `Display`, so a test that returns the error (or unwraps it)
/// shows a readable report.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub struct TreeMismatch {
    differences: Vec<String>,
    actual: String,
}

impl TreeMismatch {
    /// One line per difference, each ending with the path of pids where it was found
    /// (`at /1/7`).
    pub fn differences(&self) -> &[String] {
        &self.differences
    }

    /// The actual tree, as printed by [`PsTree`]'s `Display`.
    pub fn actual(&self) -> &str {
        &self.actual
    }
}

impl fmt::Display for TreeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "process tree does not have the expected shape:")?;
        for difference in &self.differences {
            writeln!(f, "  - {difference}")?;
        }
        f.write_str("actual tree:")?;
        for line in self.actual.lines() {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TreeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod should {
    use super::*;

    fn row(pid: u32, ppid: u32, ruser: &str, args: &str) -> PsRow {
        PsRow::new(pid, ppid, ruser, args)
    }

    fn leaf(pid: u32, ppid: u32, ruser: &str, args: &str) -> PsTree {
        PsTree::new(row(pid, ppid, ruser, args))
    }

    fn node(row: PsRow, children: Vec<PsTree>) -> PsTree {
        PsTree { row, children }
    }

    const PS_ROW: &str = "ps ax -o pid,ppid,ruser,args";

    #[test]
    fn name_the_command_and_columns() {
        assert_eq!(PS_COMMAND, ["ps", "ax", "-o", "pid,ppid,ruser,args"]);
        assert_eq!(PsRow::COLUMNS, ["pid", "ppid", "ruser", "args"]);
        assert_eq!(row(1, 0, "root", "tini -- true").args, "tini -- true");
        assert_eq!(row(10, 1, "app", "a  b").to_string(), "10 1 app a  b");
    }

    #[test]
    fn parse_ps_output_of_busybox_and_procps() {
        let cases: Vec<(&str, String, Vec<PsRow>)> = vec![
            (
                "no processes",
                format!("PID   PPID  RUSER    COMMAND\n    5     0 root     {PS_ROW}\n"),
                vec![],
            ),
            (
                "busybox header",
                "PID   PPID  RUSER    COMMAND\n    1     0 root     sleep 2\n    6     0 root     ps ax -o pid,ppid,ruser,args\n".into(),
                vec![row(1, 0, "root", "sleep 2")],
            ),
            (
                "procps header",
                "  PID  PPID RUSER    COMMAND\n    1     0 root     sleep 2\n    6     0 root     ps ax -o pid,ppid,ruser,args\n".into(),
                vec![row(1, 0, "root", "sleep 2")],
            ),
            (
                "pids wider than the header",
                "PID   PPID  RUSER    COMMAND\n    1     0 root     tini -- foo\n10000     1 root     foo\n10001 10000 root     bar\n10002 10001 root     ps ax -o pid,ppid,ruser,args\n".into(),
                vec![row(1, 0, "root", "tini -- foo"), row(10000, 1, "root", "foo"), row(10001, 10000, "root", "bar")],
            ),
            (
                "many processes, args with spaces",
                [
                    "PID   PPID  RUSER    COMMAND",
                    "    1     0 root     tini -- django-entrypoint.sh args",
                    "    6     1 django   gunicorn master args",
                    "   17     6 django   gunicorn worker args",
                    "   18     6 django   celery master args",
                    "   19    18 django   celery worker args",
                    "   20    18 django   celery beat args",
                    "   21     6 django   gunicorn worker args",
                    &format!("   22     0 root     {PS_ROW}"),
                ]
                .join("\n"),
                vec![
                    row(1, 0, "root", "tini -- django-entrypoint.sh args"),
                    row(6, 1, "django", "gunicorn master args"),
                    row(17, 6, "django", "gunicorn worker args"),
                    row(18, 6, "django", "celery master args"),
                    row(19, 18, "django", "celery worker args"),
                    row(20, 18, "django", "celery beat args"),
                    row(21, 6, "django", "gunicorn worker args"),
                ],
            ),
            (
                "crlf, blank lines, inner whitespace kept, trailing dropped",
                "PID PPID RUSER COMMAND\r\n\r\n 1 0 root sh -c  'a  b'  \r\n\n".into(),
                vec![row(1, 0, "root", "sh -c  'a  b'")],
            ),
            (
                "tabs and numeric users",
                "PID\tPPID\tRUSER\tCOMMAND\n1\t0\t1000\tapp\t--flag\n".into(),
                vec![row(1, 0, "1000", "app\t--flag")],
            ),
            (
                "empty args and kernel-thread style args",
                "PID PPID RUSER COMMAND\n 1 0 root\n 2 1 root [kworker/0:1]\n 3 1 app [sh] <defunct>\n".into(),
                vec![row(1, 0, "root", ""), row(2, 1, "root", "[kworker/0:1]"), row(3, 1, "app", "[sh] <defunct>")],
            ),
            (
                "ps row dropped only when args are exactly the command",
                format!("PID PPID RUSER COMMAND\n 1 0 root sh -c '{PS_ROW}'\n 2 1 root {PS_ROW} \n"),
                vec![row(1, 0, "root", &format!("sh -c '{PS_ROW}'"))],
            ),
            ("header only", "PID PPID RUSER COMMAND".into(), vec![]),
        ];
        for (name, output, expected) in cases {
            assert_eq!(parse_ps_output(&output), Ok(expected), "{name}");
        }
    }

    #[test]
    fn reject_unreadable_ps_output() {
        let hint =
            "(hint: does the image have a `ps` that understands `ps ax -o pid,ppid,ruser,args`?)";
        let cases: Vec<(&str, PsError, String)> = vec![
            ("", PsError::MissingHeader, format!("read `ps` output: it is empty\n{hint}")),
            (" \n\n", PsError::MissingHeader, format!("read `ps` output: it is empty\n{hint}")),
            (
                "  PID USER       TIME  COMMAND EXTRA\n",
                PsError::Header { header: "PID USER       TIME  COMMAND EXTRA".into() },
                format!("read `ps` output: unexpected header `PID USER       TIME  COMMAND EXTRA`, expected `PID PPID RUSER COMMAND`\n{hint}"),
            ),
            (
                "ps: unrecognized option: o\n",
                PsError::Header { header: "ps: unrecognized option: o".into() },
                format!("read `ps` output: unexpected header `ps: unrecognized option: o`, expected `PID PPID RUSER COMMAND`\n{hint}"),
            ),
            (
                "PID PPID RUSER COMMAND\n  abc 0 root sh\n",
                PsError::Parse { line: "abc 0 root sh".into() },
                "parse `ps` output line `abc 0 root sh`: expected `PID PPID RUSER ARGS`".into(),
            ),
            (
                // BusyBox without -o support prints its default columns.
                "PID   USER     TIME  COMMAND\n    1 root      0:00 sleep 2\n",
                PsError::Header { header: "PID   USER     TIME  COMMAND".into() },
                format!("read `ps` output: unexpected header `PID   USER     TIME  COMMAND`, expected `PID PPID RUSER COMMAND`\n{hint}"),
            ),
            (
                "pid ppid ruser args\n 1 root 0 x\n",
                PsError::Parse { line: "1 root 0 x".into() },
                "parse `ps` output line `1 root 0 x`: expected `PID PPID RUSER ARGS`".into(),
            ),
            (
                "PID PPID RUSER COMMAND\n 1 0\n",
                PsError::Parse { line: "1 0".into() },
                "parse `ps` output line `1 0`: expected `PID PPID RUSER ARGS`".into(),
            ),
            (
                "PID PPID RUSER COMMAND\n -1 0 root x\n",
                PsError::Parse { line: "-1 0 root x".into() },
                "parse `ps` output line `-1 0 root x`: expected `PID PPID RUSER ARGS`".into(),
            ),
            (
                "PID PPID RUSER COMMAND\n 99999999999 0 root x\n",
                PsError::Parse { line: "99999999999 0 root x".into() },
                "parse `ps` output line `99999999999 0 root x`: expected `PID PPID RUSER ARGS`".into(),
            ),
        ];
        for (output, error, message) in cases {
            let got = parse_ps_output(output).expect_err(output);
            assert_eq!(got, error, "{output:?}");
            assert_eq!(got.to_string(), message, "{output:?}");
        }
    }

    fn bigger_rows() -> Vec<PsRow> {
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

    fn bigger_tree() -> PsTree {
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

    fn minimal() -> PsTree {
        leaf(1, 0, "root", r#"tini -- echo "hi""#)
    }

    #[test]
    fn match_minimal_trees() {
        let tree = minimal();
        let base = || TreeShape::new("root", r#"tini -- echo "hi""#);
        for shape in [
            base(),
            base().pid(1),
            base().ppid(0),
            base().pid(1).ppid(0),
            base().children([]),
            base().pid(1).ppid(0).children([]),
            base().any_children(),
            TreeShape::args_matching("root", r"tini -- .*").expect("valid"),
        ] {
            assert_eq!(shape.check(&tree), Ok(()), "{shape}");
            assert!(shape.matches(&tree), "{shape}");
        }
    }

    #[test]
    fn describe_minimal_mismatches() {
        let tree = leaf(7, 7, "tuber", "tini -- false");
        let shape = TreeShape::new("root", "tini -- true").pid(1).ppid(0);
        let err = shape.check(&tree).expect_err("mismatch");
        assert!(!shape.matches(&tree));
        assert_eq!(
            err.differences(),
            [
                "`pid`: expected `1`, got `7` at /7",
                "`ppid`: expected `0`, got `7` at /7",
                "`ruser`: expected `root`, got `tuber` at /7",
                "`args`: expected `tini -- true`, got `tini -- false` at /7",
            ]
        );
        assert_eq!(err.actual(), "7 7 tuber tini -- false");
        assert_eq!(
            err.to_string(),
            "process tree does not have the expected shape:\n\
             \x20 - `pid`: expected `1`, got `7` at /7\n\
             \x20 - `ppid`: expected `0`, got `7` at /7\n\
             \x20 - `ruser`: expected `root`, got `tuber` at /7\n\
             \x20 - `args`: expected `tini -- true`, got `tini -- false` at /7\n\
             actual tree:\n\
             \x20 7 7 tuber tini -- false"
        );
        assert_eq!(format!("{err:?}"), err.to_string());
    }

    #[test]
    fn describe_regex_mismatch() {
        let shape = TreeShape::args_matching("root", r"worker \d+").expect("valid");
        let err = shape
            .check(&leaf(3, 1, "root", "worker x"))
            .expect_err("mismatch");
        assert_eq!(
            err.differences(),
            [r"`args`: expected to match `^(?:worker \d+)$`, got `worker x` at /3"]
        );
        assert!(TreeShape::args_matching("root", "(").is_err());
    }

    fn nested_tree(children: [(u32, &str); 3]) -> PsTree {
        node(
            row(1, 0, "root", "tini -- app"),
            vec![node(
                row(6, 1, "root", "app --parent"),
                children
                    .iter()
                    .map(|&(pid, args)| leaf(pid, 6, "root", args))
                    .collect(),
            )],
        )
    }

    fn nested_shape(children: &[&str]) -> TreeShape {
        TreeShape::new("root", "tini -- app").child(
            TreeShape::new("root", "app --parent")
                .children(children.iter().map(|args| TreeShape::new("root", *args))),
        )
    }

    #[test]
    fn match_children_in_any_order() {
        let tree = nested_tree([
            (7, "app --child1"),
            (8, "app --child2"),
            (9, "app --child3"),
        ]);
        for order in [
            ["app --child1", "app --child2", "app --child3"],
            ["app --child3", "app --child1", "app --child2"],
            ["app --child2", "app --child3", "app --child1"],
        ] {
            assert_eq!(nested_shape(&order).check(&tree), Ok(()), "{order:?}");
        }
        // Reordered at both levels.
        let tree = node(
            row(1, 0, "root", "init"),
            vec![
                node(
                    row(2, 1, "root", "a"),
                    vec![leaf(4, 2, "root", "a1"), leaf(5, 2, "root", "a2")],
                ),
                leaf(3, 1, "root", "b"),
            ],
        );
        let shape = TreeShape::new("root", "init").children([
            TreeShape::new("root", "b"),
            TreeShape::new("root", "a")
                .children([TreeShape::new("root", "a2"), TreeShape::new("root", "a1")]),
        ]);
        assert_eq!(shape.check(&tree), Ok(()));
    }

    #[test]
    fn report_a_missing_child() {
        let tree = node(
            row(1, 0, "root", "init"),
            vec![node(
                row(6, 1, "root", "parent"),
                vec![leaf(7, 6, "root", "child1"), leaf(8, 6, "root", "child2")],
            )],
        );
        let shape =
            TreeShape::new("root", "init").child(TreeShape::new("root", "parent").children([
                TreeShape::new("root", "child1"),
                TreeShape::new("root", "child2"),
                TreeShape::new("root", "child3").pid(9),
            ]));
        let err = shape.check(&tree).expect_err("missing child");
        assert_eq!(
            err.differences(),
            ["1 expected child missing under pid 6: pid=9 ruser=`root` args=`child3`"]
        );
    }

    #[test]
    fn report_an_extra_child() {
        let tree = nested_tree([
            (7, "app --child1"),
            (8, "app --child2"),
            (9, "app --child3"),
        ]);
        let err = nested_shape(&["app --child1", "app --child3"])
            .check(&tree)
            .expect_err("extra child");
        assert_eq!(
            err.differences(),
            ["1 unexpected child under pid 6: `8 6 root app --child2`"]
        );
    }

    #[test]
    fn report_several_missing_and_extra_children() {
        let tree = node(row(1, 0, "root", "init"), vec![leaf(2, 1, "root", "x")]);
        let shape = TreeShape::new("root", "init").children([
            TreeShape::new("root", "a"),
            TreeShape::new("root", "b"),
            TreeShape::new("root", "c"),
        ]);
        assert_eq!(
            shape.check(&tree).expect_err("mismatch").differences(),
            [
                "`args`: expected `a`, got `x` at /1/2",
                "2 expected children missing under pid 1: ruser=`root` args=`b`; ruser=`root` args=`c`",
            ]
        );
        let tree = node(
            row(1, 0, "root", "init"),
            vec![
                leaf(2, 1, "root", "x"),
                leaf(3, 1, "root", "y"),
                leaf(4, 1, "root", "z"),
            ],
        );
        let shape = TreeShape::new("root", "init").child(TreeShape::new("nobody", "y"));
        assert_eq!(
            shape.check(&tree).expect_err("mismatch").differences(),
            [
                "`ruser`: expected `nobody`, got `root` at /1/3",
                "2 unexpected children under pid 1: `2 1 root x`; `4 1 root z`",
            ]
        );
        let shape = TreeShape::new("root", "init");
        assert_eq!(
            shape.check(&tree).expect_err("mismatch").differences(),
            ["3 unexpected children under pid 1: `2 1 root x`; `3 1 root y`; `4 1 root z`"]
        );
    }

    #[test]
    fn report_a_different_child_as_a_pair() {
        let tree = nested_tree([
            (7, "app --child1"),
            (8, "app --child2"),
            (9, "app --child4"),
        ]);
        let err = nested_shape(&["app --child1", "app --child3", "app --child2"])
            .check(&tree)
            .expect_err("different");
        assert_eq!(
            err.differences(),
            ["`args`: expected `app --child3`, got `app --child4` at /1/6/9"]
        );
        assert_eq!(
            err.to_string(),
            "process tree does not have the expected shape:\n\
             \x20 - `args`: expected `app --child3`, got `app --child4` at /1/6/9\n\
             actual tree:\n\
             \x20 1 0 root tini -- app\n\
             \x20   6 1 root app --parent\n\
             \x20     7 6 root app --child1\n\
             \x20     8 6 root app --child2\n\
             \x20     9 6 root app --child4"
        );
    }

    #[test]
    fn pair_leftovers_by_closeness() {
        // Child 2 differs from shape "b" in args only, child 3 from shape "a" in user only:
        // each is explained against the shape it is closest to.
        let tree = node(
            row(1, 0, "root", "init"),
            vec![leaf(2, 1, "app", "b2"), leaf(3, 1, "root", "a")],
        );
        let shape = TreeShape::new("root", "init").children([
            TreeShape::new("app", "a").pid(3),
            TreeShape::new("app", "b"),
        ]);
        assert_eq!(
            shape.check(&tree).expect_err("mismatch").differences(),
            [
                "`args`: expected `b`, got `b2` at /1/2",
                "`ruser`: expected `app`, got `root` at /1/3"
            ]
        );
    }

    #[test]
    fn report_grandchild_differences_with_paths() {
        let shape = TreeShape::new("root", "tini -- app").child(
            TreeShape::new("root", "app --parent").children([
                TreeShape::new("root", "app --child1"),
                TreeShape::new("root", "app --child2"),
                TreeShape::new("root", "app --child3").child(TreeShape::new("root", "grandchild")),
            ]),
        );
        let tree = nested_tree([
            (7, "app --child1"),
            (8, "app --child2"),
            (9, "app --child3"),
        ]);
        assert_eq!(
            shape
                .check(&tree)
                .expect_err("missing grandchild")
                .differences(),
            ["1 expected child missing under pid 9: ruser=`root` args=`grandchild`"]
        );
    }

    #[test]
    fn assign_children_without_greedy_mistakes() {
        // The first shape matches both children, the second only the first child: a greedy
        // assignment of shape 0 to child 2 would leave shape 1 without a match.
        let tree = node(
            row(1, 0, "root", "init"),
            vec![
                leaf(2, 1, "root", "worker 1"),
                leaf(3, 1, "root", "worker 2"),
            ],
        );
        let any_worker = TreeShape::args_matching("root", r"worker \d").expect("valid");
        let shape = TreeShape::new("root", "init")
            .children([any_worker.clone(), TreeShape::new("root", "worker 2")]);
        assert_eq!(shape.check(&tree), Ok(()));
        let shape = TreeShape::new("root", "init")
            .children([TreeShape::new("root", "worker 1"), any_worker]);
        assert_eq!(shape.check(&tree), Ok(()));
    }

    #[test]
    fn ignore_children_when_asked() {
        let tree = bigger_tree();
        let shape = TreeShape::new("root", "tini -- app").pid(1).any_children();
        assert_eq!(shape.check(&tree), Ok(()));
        let shape = TreeShape::new("root", "tini -- app")
            .child(TreeShape::new("root", "nope"))
            .any_children()
            .children([
                TreeShape::new("root", "app master").any_children(),
                TreeShape::new("root", "cron").any_children(),
                TreeShape::new("root", "logger"),
            ]);
        assert_eq!(shape.check(&tree), Ok(()));
    }

    #[test]
    fn display_shapes() {
        let cases = [
            (TreeShape::new("root", "a b"), "ruser=`root` args=`a b`"),
            (
                TreeShape::new("root", "a").pid(1).ppid(0),
                "pid=1 ppid=0 ruser=`root` args=`a`",
            ),
            (
                TreeShape::new("root", "a").child(TreeShape::new("x", "y")),
                "ruser=`root` args=`a` with 1 child",
            ),
            (
                TreeShape::new("root", "a")
                    .children([TreeShape::new("x", "y"), TreeShape::new("x", "z")]),
                "ruser=`root` args=`a` with 2 children",
            ),
            (
                TreeShape::new("root", "a").any_children(),
                "ruser=`root` args=`a` with any children",
            ),
            (
                TreeShape::args_matching("root", "a+").expect("valid"),
                "ruser=`root` args~`^(?:a+)$`",
            ),
        ];
        for (shape, display) in cases {
            assert_eq!(shape.to_string(), display);
        }
    }
}
