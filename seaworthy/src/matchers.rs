//! Log-line matchers: decide when a stream of log lines shows what a test waits for.
//!
//! A [`Matcher`] is fed one line at a time and answers whether the thing it waits for has now
//! been seen. [`Equals`], [`Regex`] and [`Predicate`] look at a single line; [`Ordered`] and [`Unordered`]
//! combine other matchers and remember which of them have already matched, so they are stateful
//! and single-use: once they have answered `true`, calling them again is an error
//! ([`MatcherExhausted`]).
//!
//! These are the semantics of Python Seaworthy's `stream.matchers`: readiness waits on log
//! patterns use an [`Unordered`] built with [`Unordered::by_regex`], so every pattern must match
//! some line, in any order, and one line satisfies at most one pattern.
//!
//! ```
//! use seaworthy::matchers::{Matcher, Unordered};
//!
//! let mut ready = Unordered::by_regex([r"listening on port \d+", r"database system is ready"])?;
//! assert!(!ready.matches("LOG:  database system is ready to accept connections")?);
//! assert_eq!(
//!     ready.to_string(),
//!     r#"Unordered(matched=[Regex("database system is ready")], unmatched=[Regex("listening on port \\d+")])"#,
//! );
//! assert!(ready.matches("listening on port 8080")?);
//! assert!(ready.matches("too late").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

/// The error returned when a stateful matcher is used again after it has completed.
///
/// Build a fresh matcher for every wait: [`Ordered`] and [`Unordered`] keep state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("matcher exhausted, no more matchers to use")]
pub struct MatcherExhausted;

/// Something that is fed log lines one at a time and says when it has seen what it waits for.
///
/// `Display` describes the matcher, including its progress for stateful ones; readiness errors
/// print it.
pub trait Matcher: fmt::Display + Send + Sync {
    /// Tests one line (without its line terminator).
    ///
    /// Returns `Ok(true)` when this line completes the match.
    ///
    /// # Errors
    ///
    /// [`MatcherExhausted`] when a stateful matcher is called after it has already completed.
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted>;
}

impl<M: Matcher + ?Sized> Matcher for Box<M> {
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted> {
        (**self).matches(line)
    }
}

/// Matches a line equal to the expected text.
///
/// ```
/// use seaworthy::matchers::{Equals, Matcher};
///
/// let mut m = Equals::new("ready");
/// assert!(m.matches("ready")?);
/// assert!(!m.matches("ready!")?);
/// assert_eq!(m.to_string(), r#"Equals("ready")"#);
/// # Ok::<(), seaworthy::matchers::MatcherExhausted>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Equals {
    expected: String,
}

impl Equals {
    /// A matcher for lines equal to `expected`.
    pub fn new(expected: impl Into<String>) -> Equals {
        Equals {
            expected: expected.into(),
        }
    }

    /// The expected line.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl Matcher for Equals {
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted> {
        Ok(line == self.expected)
    }
}

impl fmt::Display for Equals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Equals({:?})", self.expected)
    }
}

/// As [`Display`](fmt::Display), like every matcher: `{:?}` of a combination shows its parts.
impl fmt::Debug for Equals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Matches a line in which a regular expression is found anywhere (unanchored search).
///
/// The syntax is that of the [`regex`] crate; anchor with `^` and `$` when needed.
///
/// ```
/// use seaworthy::matchers::{Matcher, Regex};
///
/// let mut m = Regex::new(r"^foo")?;
/// assert!(m.matches("foobar")?);
/// assert!(!m.matches("barfoo")?);
/// assert_eq!(m.to_string(), r#"Regex("^foo")"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Regex {
    regex: regex::Regex,
}

impl Regex {
    /// Compiles `pattern`.
    ///
    /// # Errors
    ///
    /// The [`regex::Error`] when `pattern` is not a valid regular expression.
    pub fn new(pattern: &str) -> Result<Regex, regex::Error> {
        Ok(Regex {
            regex: regex::Regex::new(pattern)?,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }
}

impl From<regex::Regex> for Regex {
    fn from(regex: regex::Regex) -> Regex {
        Regex { regex }
    }
}

impl Matcher for Regex {
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted> {
        Ok(self.regex.is_match(line))
    }
}

impl fmt::Display for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Regex({:?})", self.regex.as_str())
    }
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Matches a line for which a function returns `true`; its description names it in messages.
///
/// ```
/// use seaworthy::matchers::{Matcher, Predicate};
///
/// let mut m = Predicate::new("a long line", |line: &str| line.len() > 10);
/// assert!(!m.matches("short")?);
/// assert!(m.matches("a rather long line")?);
/// assert_eq!(m.to_string(), r#"Predicate("a long line")"#);
/// # Ok::<(), seaworthy::matchers::MatcherExhausted>(())
/// ```
pub struct Predicate<F> {
    description: String,
    predicate: F,
}

impl<F: FnMut(&str) -> bool + Send + Sync> Predicate<F> {
    /// A matcher for lines on which `predicate` returns `true`, shown as `description`.
    pub fn new(description: impl Into<String>, predicate: F) -> Predicate<F> {
        Predicate {
            description: description.into(),
            predicate,
        }
    }
}

impl<F: FnMut(&str) -> bool + Send + Sync> Matcher for Predicate<F> {
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted> {
        Ok((self.predicate)(line))
    }
}

impl<F> fmt::Display for Predicate<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Predicate({:?})", self.description)
    }
}

impl<F> fmt::Debug for Predicate<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn equality_matchers(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<Box<dyn Matcher>> {
    items
        .into_iter()
        .map(|item| Box::new(Equals::new(item)) as Box<dyn Matcher>)
        .collect()
}

fn regex_matchers(
    patterns: impl IntoIterator<Item = impl AsRef<str>>,
) -> Result<Vec<Box<dyn Matcher>>, regex::Error> {
    patterns
        .into_iter()
        .map(|pattern| Ok(Box::new(Regex::new(pattern.as_ref())?) as Box<dyn Matcher>))
        .collect()
}

fn describe(matchers: &[Box<dyn Matcher>]) -> Vec<String> {
    matchers.iter().map(ToString::to_string).collect()
}

fn write_list(f: &mut fmt::Formatter<'_>, matchers: &[Box<dyn Matcher>]) -> fmt::Result {
    f.write_str("[")?;
    for (i, matcher) in matchers.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{matcher}")?;
    }
    f.write_str("]")
}

/// Matches its sub-matchers one after another, in order.
///
/// Each line is tested only against the current sub-matcher; a match moves on to the next one,
/// and lines that would match a later sub-matcher out of turn are ignored. Returns `true` on the
/// line that completes the last sub-matcher. Stateful and single-use: after completion every
/// call returns [`MatcherExhausted`], as does the first call of an `Ordered` with no
/// sub-matchers.
///
/// ```
/// use seaworthy::matchers::{Matcher, Ordered};
///
/// let mut m = Ordered::by_equality(["starting", "ready"]);
/// assert!(!m.matches("ready")?); // out of order: ignored
/// assert!(!m.matches("starting")?);
/// assert_eq!(m.matched(), [r#"Equals("starting")"#]);
/// assert!(m.matches("ready")?);
/// # Ok::<(), seaworthy::matchers::MatcherExhausted>(())
/// ```
pub struct Ordered {
    matchers: Vec<Box<dyn Matcher>>,
    position: usize,
}

impl Ordered {
    /// Combines `matchers`, to be matched in this order.
    pub fn new(matchers: Vec<Box<dyn Matcher>>) -> Ordered {
        Ordered {
            matchers,
            position: 0,
        }
    }

    /// An [`Equals`] matcher for each item, in order.
    pub fn by_equality(items: impl IntoIterator<Item = impl Into<String>>) -> Ordered {
        Ordered::new(equality_matchers(items))
    }

    /// A [`Regex`] matcher for each pattern, in order.
    ///
    /// # Errors
    ///
    /// The [`regex::Error`] of the first invalid pattern.
    pub fn by_regex(
        patterns: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Ordered, regex::Error> {
        Ok(Ordered::new(regex_matchers(patterns)?))
    }

    /// Descriptions of the sub-matchers that have matched, in order.
    pub fn matched(&self) -> Vec<String> {
        describe(&self.matchers[..self.position])
    }

    /// Descriptions of the sub-matchers still waiting, in order.
    pub fn unmatched(&self) -> Vec<String> {
        describe(&self.matchers[self.position..])
    }

    /// Whether every sub-matcher has matched (always true with no sub-matchers).
    pub fn is_complete(&self) -> bool {
        self.position >= self.matchers.len()
    }
}

impl Matcher for Ordered {
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted> {
        let Some(current) = self.matchers.get_mut(self.position) else {
            return Err(MatcherExhausted);
        };
        if current.matches(line)? {
            self.position += 1;
        }
        Ok(self.is_complete())
    }
}

impl fmt::Display for Ordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ordered(matched=")?;
        write_list(f, &self.matchers[..self.position])?;
        f.write_str(", unmatched=")?;
        write_list(f, &self.matchers[self.position..])?;
        f.write_str(")")
    }
}

impl fmt::Debug for Ordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Matches all of its sub-matchers, in any order, one line each.
///
/// Each line is tested against the sub-matchers that have not matched yet, in declaration order,
/// and the first one that matches is marked as matched: a line satisfies at most one
/// sub-matcher, so a pattern listed twice needs two matching lines. Returns `true` once every
/// sub-matcher has matched. Stateful and single-use: after completion every call returns
/// [`MatcherExhausted`], as does the first call of an `Unordered` with no sub-matchers.
///
/// ```
/// use seaworthy::matchers::{Matcher, Unordered};
///
/// // PostgreSQL's entrypoint starts the server twice: wait for the second "ready".
/// let ready = "database system is ready to accept connections";
/// let mut m = Unordered::by_regex([ready, ready])?;
/// assert!(!m.matches(ready)?);
/// assert!(m.matches(ready)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Unordered {
    matched: Vec<Box<dyn Matcher>>,
    unmatched: Vec<Box<dyn Matcher>>,
}

impl Unordered {
    /// Combines `matchers`, to be matched in any order.
    pub fn new(matchers: Vec<Box<dyn Matcher>>) -> Unordered {
        Unordered {
            matched: Vec::with_capacity(matchers.len()),
            unmatched: matchers,
        }
    }

    /// An [`Equals`] matcher for each item.
    pub fn by_equality(items: impl IntoIterator<Item = impl Into<String>>) -> Unordered {
        Unordered::new(equality_matchers(items))
    }

    /// A [`Regex`] matcher for each pattern.
    ///
    /// # Errors
    ///
    /// The [`regex::Error`] of the first invalid pattern.
    pub fn by_regex(
        patterns: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Unordered, regex::Error> {
        Ok(Unordered::new(regex_matchers(patterns)?))
    }

    /// Descriptions of the sub-matchers that have matched, in the order they matched.
    pub fn matched(&self) -> Vec<String> {
        describe(&self.matched)
    }

    /// Descriptions of the sub-matchers still waiting, in declaration order.
    pub fn unmatched(&self) -> Vec<String> {
        describe(&self.unmatched)
    }

    /// Whether every sub-matcher has matched (always true with no sub-matchers).
    pub fn is_complete(&self) -> bool {
        self.unmatched.is_empty()
    }
}

impl Matcher for Unordered {
    fn matches(&mut self, line: &str) -> Result<bool, MatcherExhausted> {
        if self.unmatched.is_empty() {
            return Err(MatcherExhausted);
        }
        for index in 0..self.unmatched.len() {
            if self.unmatched[index].matches(line)? {
                // `remove`, not `swap_remove`: the rest must stay in declaration order.
                let used = self.unmatched.remove(index);
                self.matched.push(used);
                break;
            }
        }
        Ok(self.is_complete())
    }
}

impl fmt::Display for Unordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unordered(matched=")?;
        write_list(f, &self.matched)?;
        f.write_str(", unmatched=")?;
        write_list(f, &self.unmatched)?;
        f.write_str(")")
    }
}

impl fmt::Debug for Unordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod should {
    use super::*;

    fn feed(matcher: &mut dyn Matcher, lines: &[&str]) -> Vec<bool> {
        lines
            .iter()
            .map(|line| matcher.matches(line).expect("matcher exhausted too early"))
            .collect()
    }

    fn ordered_foo_bar() -> Ordered {
        Ordered::new(vec![
            Box::new(Equals::new("foo")),
            Box::new(Regex::new("^bar").expect("valid regex")),
        ])
    }

    fn unordered_foo_bar() -> Unordered {
        Unordered::new(vec![
            Box::new(Equals::new("foo")),
            Box::new(Regex::new("^bar").expect("valid regex")),
        ])
    }

    #[test]
    fn match_equal_lines_only() {
        let mut m = Equals::new("foo");
        for (line, expected) in [
            ("foo", true),
            ("foobar", false),
            ("", false),
            ("foo ", false),
            ("FOO", false),
        ] {
            assert_eq!(m.matches(line).ok(), Some(expected), "line {line:?}");
        }
        assert_eq!(m.expected(), "foo");
    }

    #[test]
    fn display_equals_with_debug_quoting() {
        for (expected, display) in [
            ("bar", r#"Equals("bar")"#),
            ("", r#"Equals("")"#),
            ("say \"hi\"", r#"Equals("say \"hi\"")"#),
            ("tab\there", r#"Equals("tab\there")"#),
        ] {
            assert_eq!(Equals::new(expected).to_string(), display);
        }
    }

    #[test]
    fn search_regex_unanchored() {
        for (pattern, line, expected) in [
            (r"^foo", "foobar", true),
            (r"^foo", "barfoo", false),
            (r"foo", "barfoo", true),
            (r"foo$", "foobar", false),
            (r"port \d+", "listening on port 8080.", true),
            (r"^$", "", true),
            (r"(?i)READY", "server ready", true),
        ] {
            let mut m = Regex::new(pattern).expect("valid regex");
            assert_eq!(
                m.matches(line).ok(),
                Some(expected),
                "{pattern:?} on {line:?}"
            );
        }
    }

    #[test]
    fn display_regex_with_debug_quoting() {
        assert_eq!(
            Regex::new("^bar").expect("valid").to_string(),
            r#"Regex("^bar")"#
        );
        assert_eq!(
            Regex::new(r"\d+").expect("valid").to_string(),
            r#"Regex("\\d+")"#
        );
        assert_eq!(Regex::new(r"\d+").expect("valid").as_str(), r"\d+");
        let from: Regex = regex::Regex::new("x").expect("valid").into();
        assert_eq!(from.to_string(), r#"Regex("x")"#);
    }

    #[test]
    fn debug_every_matcher_as_it_displays() {
        let mut ordered = ordered_foo_bar();
        ordered.matches("foo").expect("not exhausted");
        fn shown(m: &(impl Matcher + fmt::Debug)) -> (String, String) {
            (format!("{m:?}"), m.to_string())
        }
        let shown = [
            shown(&Equals::new("say \"hi\"")),
            shown(&Regex::new(r"^\d+ ready$").expect("valid")),
            shown(&Predicate::new("a long line", |l: &str| l.len() > 10)),
            shown(&ordered),
            shown(&unordered_foo_bar()),
        ];
        for (debug, display) in &shown {
            assert_eq!(debug, display);
        }
        assert_eq!(shown[0].0, r#"Equals("say \"hi\"")"#);
        assert_eq!(shown[1].0, r#"Regex("^\\d+ ready$")"#);
        // Inside a derived `Debug` too, e.g. a struct of the user's holding one.
        #[derive(Debug)]
        #[expect(dead_code, reason = "read through Debug only")]
        struct Waiting(Equals);
        assert_eq!(
            format!("{:?}", Waiting(Equals::new("up"))),
            r#"Waiting(Equals("up"))"#
        );
    }

    #[test]
    fn reject_invalid_regex() {
        for pattern in ["(", "[a-", "a{2,1}", r"\"] {
            assert!(Regex::new(pattern).is_err(), "{pattern:?}");
        }
        let err = Ordered::by_regex(["ok", "("]).expect_err("invalid");
        assert!(err.to_string().contains("unclosed group"), "{err}");
        assert!(Unordered::by_regex(["(", "ok"]).is_err());
    }

    #[test]
    fn match_ordered_in_order_only() {
        let mut m = ordered_foo_bar();
        assert_eq!(
            feed(&mut m, &["barfoo", "foo", "baz", "barfoo"]),
            [false, false, false, true]
        );
        assert!(m.is_complete());
    }

    #[test]
    fn match_ordered_by_equality() {
        let mut m = Ordered::by_equality(["foo", "bar"]);
        assert_eq!(
            feed(&mut m, &["bar", "foo", "baz", "bar"]),
            [false, false, false, true]
        );
    }

    #[test]
    fn match_ordered_by_regex() {
        let mut m = Ordered::by_regex([r"^foo", r"bar$"]).expect("valid");
        assert_eq!(
            feed(&mut m, &["fuzzbar", "foobar", "baz", "foobar"]),
            [false, false, false, true]
        );
    }

    #[test]
    fn match_ordered_one_matcher_per_line() {
        // "foobar" satisfies both patterns but only advances one position.
        let mut m = Ordered::by_regex(["foo", "bar"]).expect("valid");
        assert_eq!(feed(&mut m, &["foobar", "foobar"]), [false, true]);
    }

    #[test]
    fn exhaust_ordered_after_completion() {
        let mut m = ordered_foo_bar();
        assert_eq!(feed(&mut m, &["foo", "bar"]), [false, true]);
        let err = m.matches("anything").expect_err("exhausted");
        assert_eq!(err, MatcherExhausted);
        assert_eq!(
            err.to_string(),
            "matcher exhausted, no more matchers to use"
        );
        assert!(m.matches("again").is_err());
    }

    #[test]
    fn exhaust_empty_combinations_at_once() {
        let mut ordered = Ordered::new(Vec::new());
        assert!(ordered.is_complete());
        assert_eq!(ordered.matches("x"), Err(MatcherExhausted));
        let mut unordered = Unordered::by_equality(Vec::<String>::new());
        assert!(unordered.is_complete());
        assert_eq!(unordered.matches("x"), Err(MatcherExhausted));
        assert_eq!(ordered.to_string(), "Ordered(matched=[], unmatched=[])");
        assert_eq!(unordered.to_string(), "Unordered(matched=[], unmatched=[])");
    }

    #[test]
    fn display_ordered_progress() {
        let mut m = ordered_foo_bar();
        let steps: [(Option<&str>, &str); 3] = [
            (
                None,
                r#"Ordered(matched=[], unmatched=[Equals("foo"), Regex("^bar")])"#,
            ),
            (
                Some("foo"),
                r#"Ordered(matched=[Equals("foo")], unmatched=[Regex("^bar")])"#,
            ),
            (
                Some("barfoo"),
                r#"Ordered(matched=[Equals("foo"), Regex("^bar")], unmatched=[])"#,
            ),
        ];
        for (line, display) in steps {
            if let Some(line) = line {
                m.matches(line).expect("not exhausted");
            }
            assert_eq!(m.to_string(), display);
            assert_eq!(format!("{m:?}"), display);
        }
    }

    #[test]
    fn list_ordered_matched_and_unmatched() {
        let mut m = ordered_foo_bar();
        assert_eq!(m.matched(), Vec::<String>::new());
        assert_eq!(m.unmatched(), [r#"Equals("foo")"#, r#"Regex("^bar")"#]);
        m.matches("foo").expect("not exhausted");
        assert_eq!(m.matched(), [r#"Equals("foo")"#]);
        assert_eq!(m.unmatched(), [r#"Regex("^bar")"#]);
    }

    #[test]
    fn match_unordered_in_any_order() {
        let mut m = unordered_foo_bar();
        assert_eq!(
            feed(&mut m, &["barfoo", "baz", "foo"]),
            [false, false, true]
        );
        let mut m = unordered_foo_bar();
        assert_eq!(
            feed(&mut m, &["foo", "baz", "barfoo"]),
            [false, false, true]
        );
    }

    #[test]
    fn match_unordered_by_equality() {
        let mut m = Unordered::by_equality(["foo", "bar"]);
        assert_eq!(feed(&mut m, &["foo", "baz", "bar"]), [false, false, true]);
    }

    #[test]
    fn match_unordered_one_matcher_per_line() {
        let mut m = Unordered::by_regex([r"^foo", r"bar$"]).expect("valid");
        assert_eq!(
            feed(&mut m, &["foobar", "baz", "foobar"]),
            [false, false, true]
        );
        assert_eq!(m.matched(), [r#"Regex("^foo")"#, r#"Regex("bar$")"#]);
    }

    #[test]
    fn count_identical_unordered_patterns_separately() {
        let mut m = Unordered::by_equality(["ready", "ready", "ready"]);
        assert_eq!(
            feed(&mut m, &["ready", "other", "ready", "ready"]),
            [false, false, false, true]
        );
    }

    #[test]
    fn use_first_unmatched_in_declaration_order() {
        // "abc" could satisfy either; the first declared unmatched one is used, so the later
        // line "b only" can still complete the set.
        let mut m = Unordered::by_regex(["a", "b"]).expect("valid");
        assert!(!m.matches("abc").expect("not exhausted"));
        assert_eq!(m.matched(), [r#"Regex("a")"#]);
        assert_eq!(m.unmatched(), [r#"Regex("b")"#]);
        assert!(m.matches("b only").expect("not exhausted"));
    }

    #[test]
    fn exhaust_unordered_after_completion() {
        let mut m = unordered_foo_bar();
        assert_eq!(feed(&mut m, &["barfoo", "foo"]), [false, true]);
        let err = m.matches("foo").expect_err("exhausted");
        assert_eq!(
            err.to_string(),
            "matcher exhausted, no more matchers to use"
        );
    }

    #[test]
    fn display_unordered_progress_in_match_order() {
        let mut m = Unordered::by_regex(["a", "b", "c"]).expect("valid");
        let steps = [
            (
                "zzz",
                r#"Unordered(matched=[], unmatched=[Regex("a"), Regex("b"), Regex("c")])"#,
            ),
            (
                "c",
                r#"Unordered(matched=[Regex("c")], unmatched=[Regex("a"), Regex("b")])"#,
            ),
            (
                "a",
                r#"Unordered(matched=[Regex("c"), Regex("a")], unmatched=[Regex("b")])"#,
            ),
            (
                "b",
                r#"Unordered(matched=[Regex("c"), Regex("a"), Regex("b")], unmatched=[])"#,
            ),
        ];
        for (line, display) in steps {
            m.matches(line).expect("not exhausted");
            assert_eq!(m.to_string(), display);
            assert_eq!(format!("{m:?}"), display);
        }
        assert_eq!(m.unmatched(), Vec::<String>::new());
    }

    #[test]
    fn match_with_a_predicate() {
        let mut seen = 0;
        let mut m = Predicate::new("third line", move |_: &str| {
            seen += 1;
            seen == 3
        });
        assert_eq!(
            feed(&mut m, &["a", "b", "c", "d"]),
            [false, false, true, false]
        );
        assert_eq!(m.to_string(), r#"Predicate("third line")"#);
        let mut set = Unordered::new(vec![
            Box::new(Predicate::new("empty", |line: &str| line.is_empty())),
            Box::new(Equals::new("x")),
        ]);
        assert_eq!(feed(&mut set, &["x", ""]), [false, true]);
        assert_eq!(set.matched(), [r#"Equals("x")"#, r#"Predicate("empty")"#]);
    }

    #[test]
    fn nest_combinations() {
        // An ordered pair inside an unordered set: the inner one keeps its own progress.
        let inner = Ordered::by_equality(["one", "two"]);
        let mut m = Unordered::new(vec![Box::new(inner), Box::new(Equals::new("other"))]);
        assert_eq!(feed(&mut m, &["one", "other", "two"]), [false, false, true]);
        assert_eq!(
            m.to_string(),
            r#"Unordered(matched=[Equals("other"), Ordered(matched=[Equals("one"), Equals("two")], unmatched=[])], unmatched=[])"#
        );
    }

    #[test]
    fn be_usable_as_boxed_trait_objects() {
        let mut boxed: Box<dyn Matcher> = Box::new(Equals::new("x"));
        assert_eq!(boxed.matches("x"), Ok(true));
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        assert_send_sync(&boxed);
        assert_send_sync(&unordered_foo_bar());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// A sub-matcher the reference models know: a whole line, or a letter found anywhere.
    #[derive(Debug, Clone)]
    enum Pattern {
        Equals(String),
        Contains(char),
    }

    impl Pattern {
        fn hits(&self, line: &str) -> bool {
            match self {
                Pattern::Equals(expected) => line == expected,
                Pattern::Contains(letter) => line.contains(*letter),
            }
        }

        fn matcher(&self) -> Box<dyn Matcher> {
            match self {
                Pattern::Equals(expected) => Box::new(Equals::new(expected.clone())),
                Pattern::Contains(letter) => {
                    Box::new(Regex::new(&letter.to_string()).expect("a letter is a regex"))
                }
            }
        }

        fn description(&self) -> String {
            match self {
                Pattern::Equals(expected) => format!("Equals({expected:?})"),
                Pattern::Contains(letter) => format!("Regex(\"{letter}\")"),
            }
        }
    }

    fn line() -> impl Strategy<Value = String> {
        "[abc]{0,2}"
    }

    fn pattern() -> impl Strategy<Value = Pattern> {
        prop_oneof![
            line().prop_map(Pattern::Equals),
            prop::sample::select(vec!['a', 'b', 'c']).prop_map(Pattern::Contains),
        ]
    }

    fn equals_pattern() -> impl Strategy<Value = Pattern> {
        line().prop_map(Pattern::Equals)
    }

    fn matchers(patterns: &[Pattern]) -> Vec<Box<dyn Matcher>> {
        patterns.iter().map(Pattern::matcher).collect()
    }

    fn descriptions<'a>(patterns: impl IntoIterator<Item = &'a Pattern>) -> Vec<String> {
        patterns.into_iter().map(Pattern::description).collect()
    }

    /// Unordered, step by step: a line goes to the first waiting pattern it hits.
    fn unordered_model(
        patterns: &[Pattern],
        lines: &[String],
    ) -> (
        Vec<Result<bool, MatcherExhausted>>,
        Vec<Pattern>,
        Vec<Pattern>,
    ) {
        let mut waiting = patterns.to_vec();
        let mut matched = Vec::new();
        let mut answers = Vec::new();
        for line in lines {
            if waiting.is_empty() {
                answers.push(Err(MatcherExhausted));
                continue;
            }
            if let Some(index) = waiting.iter().position(|p| p.hits(line)) {
                matched.push(waiting.remove(index));
            }
            answers.push(Ok(waiting.is_empty()));
        }
        (answers, matched, waiting)
    }

    /// Whether `patterns` hit lines of `lines` in order, one line each (any such choice).
    fn in_order(patterns: &[Pattern], lines: &[String]) -> bool {
        match patterns.split_first() {
            None => true,
            Some((first, rest)) => {
                (0..lines.len()).any(|i| first.hits(&lines[i]) && in_order(rest, &lines[i + 1..]))
            }
        }
    }

    /// The answers expected from a matcher that completes on the first line where `done`
    /// holds for the lines so far, and is exhausted after it (or at once with no patterns).
    fn complete_at(
        empty: bool,
        lines: &[String],
        done: impl Fn(&[String]) -> bool,
    ) -> Vec<Result<bool, MatcherExhausted>> {
        let mut finished = empty;
        (1..=lines.len())
            .map(|k| {
                if finished {
                    return Err(MatcherExhausted);
                }
                finished = done(&lines[..k]);
                Ok(finished)
            })
            .collect()
    }

    fn feed(matcher: &mut dyn Matcher, lines: &[String]) -> Vec<Result<bool, MatcherExhausted>> {
        lines.iter().map(|line| matcher.matches(line)).collect()
    }

    proptest! {
        /// Unordered answers each line as the step-by-step model does, and lists what matched
        /// (in match order) and what waits (in declaration order) as the model has them.
        #[test]
        fn unordered_follows_the_model(
            patterns in prop::collection::vec(pattern(), 0..5),
            lines in prop::collection::vec(line(), 0..10),
        ) {
            let mut matcher = Unordered::new(matchers(&patterns));
            let answers = feed(&mut matcher, &lines);
            let (expected, matched, waiting) = unordered_model(&patterns, &lines);
            prop_assert_eq!(answers, expected);
            prop_assert_eq!(matcher.matched(), descriptions(&matched));
            prop_assert_eq!(matcher.unmatched(), descriptions(&waiting));
            prop_assert_eq!(matcher.is_complete(), waiting.is_empty());
        }

        /// With whole-line patterns, Unordered completes on the first line by which every
        /// pattern has had a line of its own: each text is seen at least as often as it is
        /// listed.
        #[test]
        fn unordered_needs_a_line_per_pattern(
            patterns in prop::collection::vec(equals_pattern(), 0..5),
            lines in prop::collection::vec(line(), 0..12),
        ) {
            let texts: Vec<String> = patterns
                .iter()
                .map(|p| match p {
                    Pattern::Equals(text) => text.clone(),
                    Pattern::Contains(_) => unreachable!("whole-line patterns only"),
                })
                .collect();
            let expected = complete_at(patterns.is_empty(), &lines, |seen| {
                texts.iter().all(|text| {
                    let listed = texts.iter().filter(|t| *t == text).count();
                    seen.iter().filter(|line| *line == text).count() >= listed
                })
            });
            let mut matcher = Unordered::new(matchers(&patterns));
            prop_assert_eq!(feed(&mut matcher, &lines), expected);
        }

        /// Ordered completes on the first line by which the patterns have hit lines in order,
        /// one line each, and is exhausted after it.
        #[test]
        fn ordered_completes_on_an_in_order_match(
            patterns in prop::collection::vec(pattern(), 0..5),
            lines in prop::collection::vec(line(), 0..10),
        ) {
            let expected =
                complete_at(patterns.is_empty(), &lines, |seen| in_order(&patterns, seen));
            let mut matcher = Ordered::new(matchers(&patterns));
            let answers = feed(&mut matcher, &lines);
            prop_assert_eq!(answers, expected);
            let done = matcher.matched().len();
            prop_assert_eq!(matcher.matched(), descriptions(&patterns[..done]));
            prop_assert_eq!(matcher.unmatched(), descriptions(&patterns[done..]));
        }
    }
}
