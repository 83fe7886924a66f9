//! `timeout = "30s"`: a duration written as whole numbers with units, read into milliseconds.

use syn::LitStr;

use crate::messages;

/// Milliseconds of `"500ms"`, `"30s"`, `"2m"`, `"1h"` or a sum of them (`"1m30s"`).
pub(crate) fn millis(v: &LitStr) -> syn::Result<u64> {
    match parse(&v.value()) {
        Some(0) => Err(syn::Error::new(v.span(), messages::ZERO_TIMEOUT)),
        Some(ms) => Ok(ms),
        None => Err(syn::Error::new(v.span(), messages::BAD_TIMEOUT)),
    }
}

/// The milliseconds `text` says, or `None` when it is no duration.
fn parse(text: &str) -> Option<u64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let per_unit: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(number.checked_mul(per_unit)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn read_durations_with_units() {
        let cases = [
            ("milliseconds", "500ms", Some(500)),
            ("seconds", "30s", Some(30_000)),
            ("minutes", "2m", Some(120_000)),
            ("hours", "1h", Some(3_600_000)),
            ("a_sum", "1m30s", Some(90_000)),
            ("zero", "0s", Some(0)),
            ("no_unit", "30", None),
            ("unknown_unit", "30sec", None),
            ("fraction", "1.5s", None),
            ("negative", "-1s", None),
            ("empty", "", None),
            ("unit_alone", "s", None),
            ("overflow", "99999999999999999999h", None),
        ];
        for (case, text, expected) in cases {
            assert_eq!(parse(text), expected, "case {case}");
        }
    }
}
