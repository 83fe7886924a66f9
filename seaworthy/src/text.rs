//! Small helpers for the text of messages, so every message says a duration or a count the
//! same way.

use std::time::Duration;

/// A duration as every message prints it: whole seconds without decimals (`10s`), otherwise
/// seconds with up to three decimals and no trailing zeros (`1.5s`, `0.25s`, `0.001s`).
pub(crate) fn secs(d: Duration) -> String {
    let millis = d.as_millis();
    if millis.is_multiple_of(1000) {
        return format!("{}s", millis / 1000);
    }
    let text = format!("{}.{:03}", millis / 1000, millis % 1000);
    format!("{}s", text.trim_end_matches('0'))
}

/// `1 container`, `2 containers`: a count with the word that agrees with it.
pub(crate) fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `s` with every character but ASCII letters, digits and `-` replaced by `_`: safe in a file
/// or resource name.
pub(crate) fn name_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The container's last log lines under a message: `last N log line(s):` and one `  | line` each,
/// or that it logged nothing.
pub(crate) fn fmt_last_lines(lines: &[String]) -> String {
    if lines.is_empty() {
        return "\nthe container logged nothing".to_string();
    }
    let mut out = format!("\nlast {} log line(s):", lines.len());
    for l in lines {
        out.push_str("\n  | ");
        out.push_str(l);
    }
    out
}

/// A program's output under a message: `name:` and one `  | line` each; nothing when empty.
pub(crate) fn output_block(name: &str, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{name}:");
    for l in text.lines() {
        out.push_str("\n  | ");
        out.push_str(l);
    }
    out
}

/// The variables of a `.env` file: `KEY=VALUE` lines, `#` comments, an optional `export `
/// and quotes around the value; lines without `=` or with an empty key are dropped, empty
/// values kept.
pub(crate) fn env_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            let k = k.trim();
            (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs_prints_whole_seconds_bare_and_fractions_trimmed() {
        assert_eq!(secs(Duration::from_secs(10)), "10s");
        assert_eq!(secs(Duration::ZERO), "0s");
        assert_eq!(secs(Duration::from_millis(100)), "0.1s");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5s");
        assert_eq!(secs(Duration::from_millis(250)), "0.25s");
        assert_eq!(secs(Duration::from_millis(1001)), "1.001s");
        assert_eq!(secs(Duration::from_micros(1_000_900)), "1s");
    }

    #[test]
    fn plural_agrees_with_the_count() {
        assert_eq!(plural(0, "child", "children"), "0 children");
        assert_eq!(plural(1, "child", "children"), "1 child");
        assert_eq!(plural(2, "child", "children"), "2 children");
    }
}
