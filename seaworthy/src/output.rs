//! Splitting command output into lines.
//!
//! The output of `docker exec` (or of a container that has exited) comes as bytes, stdout and
//! stderr combined; tests mostly want its lines. This is Python Seaworthy's `output_lines`.

/// Decodes `output` as UTF-8 (invalid bytes become `�`) and splits it into lines.
///
/// Lines end at `\n`, `\r\n` or `\r`, which are not part of the lines; a final line terminator
/// does not add an empty line, so empty output gives no lines at all. Unlike Python's
/// `str.splitlines()`, other Unicode line separators (form feed, `\u{2028}`, …) are kept in the
/// line, since programs do not end lines with them.
pub(crate) fn output_lines(output: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(output);
    let mut lines = Vec::new();
    let mut rest: &str = &text;
    while let Some(end) = rest.find(['\n', '\r']) {
        lines.push(rest[..end].to_owned());
        let terminator = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + terminator..];
    }
    if !rest.is_empty() {
        lines.push(rest.to_owned());
    }
    lines
}

#[cfg(test)]
mod should {
    /// The module's worked example: a test, not a doctest, since the module is internal.
    #[test]
    fn split_output_as_documented() -> Result<(), Box<dyn std::error::Error>> {
        use crate::output::output_lines;

        assert_eq!(output_lines(b"foo\r\nbar\n"), ["foo", "bar"]);
        assert!(output_lines(b"").is_empty());
        Ok(())
    }

    use super::*;

    #[test]
    fn split_output_into_lines() {
        let cases: [(&str, &[u8], &[&str]); 16] = [
            ("empty", b"", &[]),
            ("bytes", b"foo\nbar\n", &["foo", "bar"]),
            ("crlf", b"foo\r\nbar\r\n", &["foo", "bar"]),
            ("cr", b"foo\rbar", &["foo", "bar"]),
            ("no final newline", b"x\r\ny", &["x", "y"]),
            ("single newline", b"\n", &[""]),
            ("blank lines kept", b"a\n\nb\n", &["a", "", "b"]),
            ("only blank lines", b"\n\n", &["", ""]),
            ("lf cr is two terminators", b"a\n\rb", &["a", "", "b"]),
            ("cr cr lf", b"a\r\r\n", &["a", ""]),
            ("trailing whitespace kept", b" a \t\n", &[" a \t"]),
            ("smiley", b":-)", &[":-)"]),
            ("utf-8", "café\n✓\n".as_bytes(), &["café", "✓"]),
            ("invalid utf-8", b"\xe1\n", &["\u{fffd}"]),
            ("form feed kept", b"a\x0cb\n", &["a\x0cb"]),
            ("nul kept", b"a\0b", &["a\0b"]),
        ];
        for (name, output, expected) in cases {
            assert_eq!(output_lines(output), expected, "{name}");
        }
    }
}
