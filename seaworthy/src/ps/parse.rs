//! Reading the output of [`PS_COMMAND`] into [`PsRow`]s.

use std::fmt;

use super::error::PsError;

/// The command that lists a container's processes in the format [`parse_ps_output`] reads.
///
/// Both BusyBox and procps `ps` understand it.
pub const PS_COMMAND: [&str; 4] = ["ps", "ax", "-o", "pid,ppid,ruser,args"];

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
    pub(crate) const COLUMNS: [&'static str; 4] = ["pid", "ppid", "ruser", "args"];
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

#[cfg(test)]
mod should {
    use super::*;
    use crate::ps::test_support::row;

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
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// A word of a command line or a user name: no whitespace, some non-ASCII.
    const WORD: &str = "[a-zA-Z0-9_./:=,\\[\\]<>'\"é✓-]{1,8}";

    /// Whitespace between the words of a command, kept as written.
    fn inner_space() -> impl Strategy<Value = String> {
        "[ \t]{1,3}"
    }

    fn args() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(WORD, 0..5),
            prop::collection::vec(inner_space(), 5),
        )
            .prop_map(|(words, spaces)| {
                let mut args = String::new();
                for (i, word) in words.iter().enumerate() {
                    if i > 0 {
                        args.push_str(&spaces[i - 1]);
                    }
                    args.push_str(word);
                }
                args
            })
    }

    fn rows() -> impl Strategy<Value = Vec<PsRow>> {
        prop::collection::vec(
            (any::<u32>(), any::<u32>(), WORD, args())
                .prop_map(|(pid, ppid, ruser, args)| PsRow::new(pid, ppid, ruser, args)),
            0..8,
        )
    }

    /// How one row is laid out: padding before and between the columns, after the line, and
    /// whether it ends in `\r\n`.
    #[derive(Debug, Clone)]
    struct Layout {
        lead: usize,
        gaps: [usize; 3],
        trail: String,
        blank_before: bool,
    }

    fn layout() -> impl Strategy<Value = Layout> {
        (
            0..6usize,
            [1..6usize, 1..6usize, 1..6usize],
            "[ \t]{0,3}",
            any::<bool>(),
        )
            .prop_map(|(lead, gaps, trail, blank_before)| Layout {
                lead,
                gaps,
                trail,
                blank_before,
            })
    }

    /// Renders `rows` as `ps` prints them, columns padded as `layouts` say; the `ps` row itself
    /// goes in at `ps_at`.
    fn render(
        header: &str,
        rows: &[PsRow],
        layouts: &[Layout],
        ps_at: usize,
        crlf: bool,
    ) -> String {
        let eol = if crlf { "\r\n" } else { "\n" };
        let ps_row = PsRow::new(99, 0, "root", PS_COMMAND.join(" "));
        let mut all: Vec<&PsRow> = rows.iter().collect();
        all.insert(ps_at.min(all.len()), &ps_row);
        let mut output = format!("{header}{eol}");
        for (i, row) in all.into_iter().enumerate() {
            let layout = &layouts[i % layouts.len()];
            if layout.blank_before {
                output.push_str(eol);
            }
            let pad = |n: usize| " ".repeat(n);
            output.push_str(&format!(
                "{}{}{}{}{}{}{}{}{}{eol}",
                pad(layout.lead),
                row.pid,
                pad(layout.gaps[0]),
                row.ppid,
                pad(layout.gaps[1]),
                row.ruser,
                if row.args.is_empty() {
                    String::new()
                } else {
                    pad(layout.gaps[2])
                },
                row.args,
                layout.trail,
            ));
        }
        output
    }

    proptest! {
        /// Rows rendered with any alignment, any command with inner spaces and tabs, CRLF or
        /// LF, blank lines and trailing whitespace parse back to the same rows, in order, with
        /// the `ps` row itself dropped.
        #[test]
        fn read_back_rendered_rows(
            rows in rows(),
            layouts in prop::collection::vec(layout(), 1..4),
            header in prop::sample::select(vec![
                "PID   PPID  RUSER    COMMAND",
                "  PID  PPID RUSER    COMMAND",
                "pid\tppid\truser\targs",
            ]),
            ps_at in 0..9usize,
            crlf in any::<bool>(),
        ) {
            let output = render(header, &rows, &layouts, ps_at, crlf);
            prop_assert_eq!(parse_ps_output(&output), Ok(rows));
        }

        /// A row's `Display` form, under a header, parses back to the row.
        #[test]
        fn read_back_displayed_rows(rows in rows()) {
            let mut output = String::from("PID PPID RUSER COMMAND\n");
            for row in &rows {
                output.push_str(&format!("{row}\n"));
            }
            prop_assert_eq!(parse_ps_output(&output), Ok(rows));
        }

        /// Any text, valid header or not, gives rows or an error, never a panic; when the
        /// header is fine, every row's pid, ppid and user come from a line of the output.
        #[test]
        fn never_panic(body in "[0-9a-z \t\r\n.-]{0,80}", header in any::<bool>()) {
            let output = if header { format!("PID PPID RUSER COMMAND\n{body}") } else { body };
            if let Ok(rows) = parse_ps_output(&output) {
                for row in rows {
                    let found = output.lines().any(|line| {
                        let fields: Vec<&str> = line.split_whitespace().collect();
                        matches!(fields.as_slice(), [pid, ppid, ruser, ..]
                            if pid.parse() == Ok(row.pid)
                                && ppid.parse() == Ok(row.ppid)
                                && *ruser == row.ruser)
                    });
                    prop_assert!(found, "{:?} not in {:?}", row, output);
                }
            }
        }
    }
}
