//! `$VAR` and `${VAR}` substitution as CST does it (Go's `os.Expand`), from an image's env.

/// Replaces `$NAME`, `${NAME}` and the one-character specials (`$1`, `$@`, …) with their value
/// in `lookup` (empty when unset). A `$` followed by nothing that can name a variable stays.
pub(crate) fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' || i + 1 >= chars.len() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        if next == '{' {
            match chars[i + 2..].iter().position(|c| *c == '}') {
                Some(end) => {
                    let name: String = chars[i + 2..i + 2 + end].iter().collect();
                    out.push_str(&lookup(&name).unwrap_or_default());
                    i += end + 3;
                }
                // Go eats the `${` of an unterminated reference.
                None => i += 2,
            }
        } else if "*#$@!?-".contains(next) || next.is_ascii_digit() {
            out.push_str(&lookup(&next.to_string()).unwrap_or_default());
            i += 2;
        } else if next.is_ascii_alphanumeric() || next == '_' {
            let len = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            out.push_str(&lookup(&name).unwrap_or_default());
            i += 1 + len;
        } else {
            out.push('$');
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod should {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/root".into()),
            "A_1" => Some("x".into()),
            _ => None,
        }
    }

    #[test]
    fn expand_like_go() {
        assert_eq!(expand("$HOME/.profile", env), "/root/.profile");
        assert_eq!(expand("${HOME}x", env), "/rootx");
        assert_eq!(expand("$A_1-$NOPE.", env), "x-.");
        assert_eq!(expand("cost: 5$", env), "cost: 5$");
        assert_eq!(expand("a $ b", env), "a $ b");
        assert_eq!(expand("$1", env), "");
    }
}
