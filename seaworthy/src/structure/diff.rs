//! The first line where two texts differ, for content failures.

/// Where `found` first differs from `expected`: the 1-based line, the expected line and the
/// found line (`None` past the end of that text). `None` when the texts are equal.
pub(crate) fn first_difference<'a>(
    expected: &'a str,
    found: &'a str,
) -> Option<(usize, Option<&'a str>, Option<&'a str>)> {
    if expected == found {
        return None;
    }
    let mut e = expected.split('\n');
    let mut f = found.split('\n');
    let mut line = 1;
    loop {
        match (e.next(), f.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => return Some((line, a, b)),
        }
    }
}

/// A line for a message: quoted, or `end of file`.
pub(crate) fn describe_line(line: Option<&str>) -> String {
    match line {
        Some(l) => format!("{l:?}"),
        None => "end of file".to_string(),
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn name_the_first_differing_line() {
        assert_eq!(first_difference("a\nb\nc", "a\nb\nc"), None);
        assert_eq!(
            first_difference("a\nb\nc", "a\nB\nc"),
            Some((2, Some("b"), Some("B")))
        );
        assert_eq!(first_difference("a\nb", "a"), Some((2, Some("b"), None)));
        assert_eq!(first_difference("a\n", "a"), Some((2, Some(""), None)));
    }
}
