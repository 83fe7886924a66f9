//! [`TreeShape`]: the expected shape of a process tree, and how a tree differs from it.

use std::fmt;

use super::PsTree;
use crate::text::plural;

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
    use crate::ps::test_support::{bigger_tree, leaf, node, row};

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
