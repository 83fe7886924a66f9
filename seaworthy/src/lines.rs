//! Rebuilding log lines from the frames of a Docker log or attach stream.
//!
//! Docker sends a container's output in frames that need not follow line boundaries: a long
//! line can arrive in several frames, and one frame can carry several lines. A
//! [`LineAssembler`] buffers the partial line of each stream separately, so a line is only
//! handed out once its `\n` has arrived, and decodes it as a whole, so a multibyte UTF-8
//! character split across two frames survives.

use std::fmt;

/// Which output stream of a container a line came from.
///
/// Output of a container with a TTY is not split into streams; callers report it as
/// [`StreamKind::Stdout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl fmt::Display for StreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StreamKind::Stdout => "stdout",
            StreamKind::Stderr => "stderr",
        })
    }
}

/// One complete line of a container's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The stream the line was written to.
    pub stream: StreamKind,
    /// The line without its `\n` (or `\r\n`), decoded as UTF-8, invalid bytes replaced by `�`.
    pub text: String,
}

impl LogLine {
    /// The text with trailing whitespace removed, as log matchers see it (Python's `rstrip()`).
    ///
    /// ```
    /// # use seaworthy::{LogLine, StreamKind};
    /// let line = LogLine { stream: StreamKind::Stderr, text: "ready \t".into() };
    /// assert_eq!(line.trimmed(), "ready");
    /// ```
    pub fn trimmed(&self) -> &str {
        self.text.trim_end()
    }
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The partial line of one stream, and when it started (to flush partials in arrival order).
#[derive(Debug, Default)]
struct Partial {
    bytes: Vec<u8>,
    started: u64,
}

/// Turns stream frames into complete lines, buffering each stream's partial line separately.
#[derive(Debug, Default)]
pub(crate) struct LineAssembler {
    stdout: Partial,
    stderr: Partial,
    /// Counts frames, to order the final flush of partial lines.
    frames: u64,
}

impl LineAssembler {
    /// An assembler with nothing buffered.
    pub(crate) fn new() -> LineAssembler {
        LineAssembler::default()
    }

    /// Adds a frame from `kind` and returns the lines it completes, in order.
    ///
    /// Lines end at `\n`; a `\r` just before it is removed too. Bytes after the last `\n` are
    /// kept until a later frame of the same stream completes them, or [`finish`](Self::finish).
    pub(crate) fn push(&mut self, kind: StreamKind, bytes: &[u8]) -> Vec<LogLine> {
        self.frames += 1;
        let frame = self.frames;
        let partial = match kind {
            StreamKind::Stdout => &mut self.stdout,
            StreamKind::Stderr => &mut self.stderr,
        };
        if partial.bytes.is_empty() && !bytes.is_empty() {
            partial.started = frame;
        }
        let mut lines = Vec::new();
        let mut rest = bytes;
        while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
            partial.bytes.extend_from_slice(&rest[..newline]);
            lines.push(decode(kind, &partial.bytes));
            partial.bytes.clear();
            rest = &rest[newline + 1..];
            partial.started = frame;
        }
        partial.bytes.extend_from_slice(rest);
        lines
    }

    /// Returns the buffered partial lines (those with no final `\n`), the stream whose partial
    /// line started first coming first, and empties the buffers.
    pub(crate) fn finish(&mut self) -> Vec<LogLine> {
        let mut partials = [
            (StreamKind::Stdout, &mut self.stdout),
            (StreamKind::Stderr, &mut self.stderr),
        ];
        partials.sort_by_key(|(_, partial)| partial.started);
        let mut lines = Vec::new();
        for (kind, partial) in partials {
            if !partial.bytes.is_empty() {
                lines.push(decode(kind, &partial.bytes));
                partial.bytes.clear();
            }
        }
        lines
    }

    /// Whether a partial line is buffered (for the tests: the library only ever finishes).
    #[cfg(test)]
    pub(crate) fn has_partial(&self) -> bool {
        !self.stdout.bytes.is_empty() || !self.stderr.bytes.is_empty()
    }
}

fn decode(stream: StreamKind, line: &[u8]) -> LogLine {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    LogLine {
        stream,
        text: String::from_utf8_lossy(line).into_owned(),
    }
}

#[cfg(test)]
mod should {
    /// The module's worked example: a test, not a doctest, since the module is internal.
    #[test]
    fn rebuild_a_line_split_across_frames_as_documented() -> Result<(), Box<dyn std::error::Error>>
    {
        use crate::lines::{LineAssembler, StreamKind};

        let mut lines = LineAssembler::new();
        assert!(lines
            .push(StreamKind::Stdout, b"Listening at: un")
            .is_empty());
        let complete = lines.push(StreamKind::Stdout, b"ix:/run/app.sock\r\nnext");
        assert_eq!(complete.len(), 1);
        assert_eq!(complete[0].text, "Listening at: unix:/run/app.sock");
        let rest = lines.finish();
        assert_eq!(rest[0].text, "next");
        Ok(())
    }

    use super::*;
    use StreamKind::{Stderr, Stdout};

    fn line(stream: StreamKind, text: &str) -> LogLine {
        LogLine {
            stream,
            text: text.to_owned(),
        }
    }

    fn run(frames: &[(StreamKind, &[u8])]) -> (Vec<LogLine>, Vec<LogLine>) {
        let mut assembler = LineAssembler::new();
        let mut lines = Vec::new();
        for (kind, bytes) in frames {
            lines.extend(assembler.push(*kind, bytes));
        }
        let rest = assembler.finish();
        assert!(!assembler.has_partial());
        (lines, rest)
    }

    #[test]
    fn assemble_lines() {
        type Case<'a> = (
            &'a str,
            Vec<(StreamKind, &'a [u8])>,
            Vec<LogLine>,
            Vec<LogLine>,
        );
        let cases: Vec<Case<'_>> = vec![
            ("empty", vec![], vec![], vec![]),
            ("empty frame", vec![(Stdout, b"")], vec![], vec![]),
            (
                "one line",
                vec![(Stdout, b"hello\n")],
                vec![line(Stdout, "hello")],
                vec![],
            ),
            (
                "several lines in one frame",
                vec![(Stdout, b"a\nb\nc\n")],
                vec![line(Stdout, "a"), line(Stdout, "b"), line(Stdout, "c")],
                vec![],
            ),
            (
                "line split across frames",
                vec![
                    (Stdout, b"Listening at: "),
                    (Stdout, b"unix:/x"),
                    (Stdout, b"\n"),
                ],
                vec![line(Stdout, "Listening at: unix:/x")],
                vec![],
            ),
            (
                "crlf",
                vec![(Stdout, b"a\r\nb\r\n")],
                vec![line(Stdout, "a"), line(Stdout, "b")],
                vec![],
            ),
            (
                "cr split from lf",
                vec![(Stdout, b"a\r"), (Stdout, b"\n")],
                vec![line(Stdout, "a")],
                vec![],
            ),
            (
                "only one cr removed, other whitespace kept",
                vec![(Stdout, b"a \t\r\r\n")],
                vec![line(Stdout, "a \t\r")],
                vec![],
            ),
            (
                "empty lines kept",
                vec![(Stdout, b"\n\na\n")],
                vec![line(Stdout, ""), line(Stdout, ""), line(Stdout, "a")],
                vec![],
            ),
            (
                "partial flushed",
                vec![(Stdout, b"a\nb")],
                vec![line(Stdout, "a")],
                vec![line(Stdout, "b")],
            ),
            (
                "partial cr removed on flush",
                vec![(Stderr, b"b\r")],
                vec![],
                vec![line(Stderr, "b")],
            ),
            (
                "streams buffered separately",
                vec![
                    (Stdout, b"out-"),
                    (Stderr, b"err-"),
                    (Stdout, b"line\n"),
                    (Stderr, b"line\n"),
                ],
                vec![line(Stdout, "out-line"), line(Stderr, "err-line")],
                vec![],
            ),
            (
                "utf-8 split across frames",
                vec![
                    (Stdout, b"caf\xc3"),
                    (Stdout, b"\xa9 \xe2\x9c"),
                    (Stdout, b"\x93\n"),
                ],
                vec![line(Stdout, "café ✓")],
                vec![],
            ),
            (
                "invalid utf-8 replaced",
                vec![(Stderr, b"bad \xff byte\n")],
                vec![line(Stderr, "bad \u{fffd} byte")],
                vec![],
            ),
            (
                "partials flushed in the order they started",
                vec![(Stderr, b"e"), (Stdout, b"o")],
                vec![],
                vec![line(Stderr, "e"), line(Stdout, "o")],
            ),
            (
                "partial restarted after a newline",
                vec![(Stdout, b"o1"), (Stderr, b"e"), (Stdout, b"\no2")],
                vec![line(Stdout, "o1")],
                vec![line(Stderr, "e"), line(Stdout, "o2")],
            ),
        ];
        for (name, frames, complete, rest) in cases {
            let (got_complete, got_rest) = run(&frames);
            assert_eq!(got_complete, complete, "{name}: complete lines");
            assert_eq!(got_rest, rest, "{name}: flushed lines");
        }
    }

    #[test]
    fn finish_twice_without_duplicates() {
        let mut assembler = LineAssembler::new();
        assert!(assembler.push(Stdout, b"x").is_empty());
        assert!(assembler.has_partial());
        assert_eq!(assembler.finish(), [line(Stdout, "x")]);
        assert_eq!(assembler.finish(), []);
        // Still usable after a flush.
        assert_eq!(assembler.push(Stdout, b"y\n"), [line(Stdout, "y")]);
    }

    #[test]
    fn trim_trailing_whitespace_for_matchers() {
        for (text, trimmed) in [
            ("ready", "ready"),
            ("ready  \t", "ready"),
            ("  indented", "  indented"),
            ("nbsp\u{a0}", "nbsp"),
            ("", ""),
            ("\r", ""),
        ] {
            assert_eq!(line(Stdout, text).trimmed(), trimmed, "{text:?}");
        }
    }

    #[test]
    fn display_stream_and_line() {
        assert_eq!(Stdout.to_string(), "stdout");
        assert_eq!(Stderr.to_string(), "stderr");
        assert_eq!(line(Stderr, "x y").to_string(), "x y");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use StreamKind::{Stderr, Stdout};

    /// Bytes with many line ends, carriage returns, a two-byte UTF-8 character (`é`) that can
    /// be split, and an invalid byte.
    fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop::sample::select(vec![b'a', b'b', b' ', b'\n', b'\r', 0xc3, 0xa9, 0xff]),
            0..64,
        )
    }

    /// The lines of a whole stream, worked out at once: split on `\n`, one `\r` before it
    /// dropped, decoded lossily; a non-empty rest after the last `\n` is the last line.
    fn reference(kind: StreamKind, bytes: &[u8]) -> Vec<LogLine> {
        let mut pieces: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        if pieces.last().is_some_and(|last| last.is_empty()) {
            pieces.pop();
        }
        pieces
            .into_iter()
            .map(|piece| LogLine {
                stream: kind,
                text: String::from_utf8_lossy(piece.strip_suffix(b"\r").unwrap_or(piece))
                    .into_owned(),
            })
            .collect()
    }

    /// `bytes` cut at `cuts` (indices taken modulo its length + 1), empty frames included.
    fn frames(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut frames = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            frames.push(bytes[start..cut].to_vec());
            start = cut;
        }
        frames
    }

    proptest! {
        /// Any split of one stream into frames gives the lines of the whole stream: the same
        /// lines, in order, as the reference, whole lines from `push` and the rest from
        /// `finish`.
        #[test]
        fn reassemble_any_split(
            bytes in stream_bytes(),
            cuts in prop::collection::vec(any::<usize>(), 0..12),
            stderr in any::<bool>(),
        ) {
            let kind = if stderr { Stderr } else { Stdout };
            let mut assembler = LineAssembler::new();
            let mut lines = Vec::new();
            for frame in frames(&bytes, &cuts) {
                lines.extend(assembler.push(kind, &frame));
            }
            let complete = lines.len();
            let rest = assembler.finish();
            lines.extend(rest.iter().cloned());
            prop_assert!(!assembler.has_partial());
            let expected = reference(kind, &bytes);
            prop_assert_eq!(&lines, &expected);
            // Exactly the text after the last `\n` is held back.
            let open = !bytes.is_empty() && bytes.last() != Some(&b'\n');
            prop_assert_eq!(rest.len(), usize::from(open));
            prop_assert_eq!(complete, bytes.iter().filter(|&&b| b == b'\n').count());
        }

        /// Frames of stdout and stderr interleaved in any order: each stream's lines are those
        /// of that stream alone, a line is handed out by the frame holding its `\n`, and
        /// `finish` gives the unfinished lines in the order their first bytes came.
        #[test]
        fn keep_streams_apart(
            out in stream_bytes(),
            err in stream_bytes(),
            out_cuts in prop::collection::vec(any::<usize>(), 0..8),
            err_cuts in prop::collection::vec(any::<usize>(), 0..8),
            order in prop::collection::vec(any::<bool>(), 0..40),
        ) {
            let mut out_frames = frames(&out, &out_cuts).into_iter();
            let mut err_frames = frames(&err, &err_cuts).into_iter();
            let mut assembler = LineAssembler::new();
            let mut lines = Vec::new();
            // The frame that brought each stream's unfinished line its first byte.
            let mut open_since: [Option<usize>; 2] = [None, None];
            let mut take_stderr = order.into_iter().chain(std::iter::repeat(false));
            for frame_number in 0.. {
                let (kind, frame) = if take_stderr.next() == Some(true) {
                    match err_frames.next() {
                        Some(frame) => (Stderr, frame),
                        None => match out_frames.next() {
                            Some(frame) => (Stdout, frame),
                            None => break,
                        },
                    }
                } else {
                    match out_frames.next() {
                        Some(frame) => (Stdout, frame),
                        None => match err_frames.next() {
                            Some(frame) => (Stderr, frame),
                            None => break,
                        },
                    }
                };
                let newlines = frame.iter().filter(|&&b| b == b'\n').count();
                let open = &mut open_since[usize::from(kind == Stderr)];
                match frame.iter().rposition(|&b| b == b'\n') {
                    Some(last) => *open = (last + 1 < frame.len()).then_some(frame_number),
                    None if open.is_none() && !frame.is_empty() => *open = Some(frame_number),
                    None => {}
                }
                let completed = assembler.push(kind, &frame);
                prop_assert_eq!(completed.len(), newlines);
                prop_assert!(completed.iter().all(|line| line.stream == kind));
                lines.extend(completed);
            }
            // Unfinished lines come out of `finish` in the order they started.
            let rest = assembler.finish();
            let mut started: Vec<(usize, StreamKind)> = [Stdout, Stderr]
                .into_iter()
                .filter_map(|kind| open_since[usize::from(kind == Stderr)].map(|at| (at, kind)))
                .collect();
            started.sort_unstable_by_key(|(at, _)| *at);
            let rest_streams: Vec<StreamKind> = rest.iter().map(|line| line.stream).collect();
            let started_streams: Vec<StreamKind> = started.into_iter().map(|(_, kind)| kind).collect();
            prop_assert_eq!(rest_streams, started_streams);
            lines.extend(rest);
            let of = |kind: StreamKind| -> Vec<LogLine> {
                lines.iter().filter(|line| line.stream == kind).cloned().collect()
            };
            prop_assert_eq!(of(Stdout), reference(Stdout, &out));
            prop_assert_eq!(of(Stderr), reference(Stderr, &err));
        }
    }
}
