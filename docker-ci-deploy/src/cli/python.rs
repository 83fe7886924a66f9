//! The bits of Python that argparse's messages and conversions show through.

/// Python's `repr()` of a string, as argparse puts it in `invalid int value: 'abc'`.
pub(super) fn py_repr(value: &str) -> String {
    let quote = if value.contains('\'') && !value.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let code = u32::from(c);
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `int()` of a string: surrounding whitespace, a sign, and digits with single `_`
/// between them. Values beyond `i128` (far beyond any version's parts) saturate (they only ever meet "too high" checks).
pub(super) fn py_int(value: &str) -> Option<i128> {
    let trimmed = value.trim();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut number: i128 = 0;
    for b in digits.bytes() {
        match b {
            b'_' => {}
            b'0'..=b'9' => {
                let digit = i128::from(b - b'0');
                number = number.saturating_mul(10).saturating_add(digit);
            }
            _ => return None,
        }
    }
    Some(if negative { -number } else { number })
}

/// argparse's test for arguments that are values although they start with `-`.
pub(super) fn looks_like_negative_number(arg: &str) -> bool {
    let Some(rest) = arg.strip_prefix('-') else {
        return false;
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match rest.split_once('.') {
        None => !rest.is_empty() && all_digits(rest),
        Some((int, frac)) => all_digits(int) && !frac.is_empty() && all_digits(frac),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(py_repr("a\\b\n"), "'a\\\\b\\n'");
        assert_eq!(py_repr("\u{7}é"), "'\\x07é'");
    }

    #[test]
    fn int_like_python() {
        for (value, expected) in [
            ("0", 0),
            ("-1", -1),
            (" 2 ", 2),
            ("+3", 3),
            ("1_0", 10),
            ("007", 7),
        ] {
            assert_eq!(py_int(value), Some(expected), "{value:?}");
        }
        for bad in ["1__0", "_1", "1_", "", "0x1", "1.5", "abc"] {
            assert!(py_int(bad).is_none(), "{bad:?}");
        }
    }
}
