//! Reading the macros' arguments into typed structs.
//!
//! A malformed argument list stops the parse (there is nothing sensible to read after it), but
//! an unreadable value or a repeated key is only recorded, and what was read is kept, so one
//! build reports all of them. What the arguments mean together (and with the function) is for
//! `validate` to check.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Lookahead1, Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{LitInt, LitStr, Token};

use crate::errors::Errors;
use crate::messages;
use crate::model::Scope;

mod kw {
    syn::custom_keyword!(scope);
    syn::custom_keyword!(flavor);
    syn::custom_keyword!(worker_threads);
    syn::custom_keyword!(autouse);
    syn::custom_keyword!(timeout);
}

/// An attribute's arguments.
pub(crate) trait Args: Default {
    /// Reads the arguments, recording unreadable values and repeated keys in `errors`; fails
    /// only on malformed syntax.
    fn read(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Self>;
}

/// Reads `attr` as `A`; the defaults if it is malformed. Every error goes to `errors`.
pub(crate) fn args<A: Args>(attr: TokenStream, errors: &mut Errors) -> A {
    let mut values = Errors::default();
    let read = (|input: ParseStream<'_>| A::read(input, &mut values)).parse2(attr);
    errors.append(values);
    errors.check(read).unwrap_or_default()
}

/// One `key = value` argument, as written.
#[derive(Debug)]
pub(crate) struct Arg<T> {
    pub(crate) key: Span,
    pub(crate) value_span: Span,
    /// `None` when the value could not be read (that error is recorded already).
    pub(crate) value: Option<T>,
}

impl<T> Arg<T> {
    /// The value, when it was readable.
    pub(crate) fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }
}

/// `#[fixture(scope = "module")]`.
#[derive(Debug, Default)]
pub(crate) struct FixtureAttrs {
    pub(crate) scope: Option<Arg<Scope>>,
    /// `autouse`, at the word: set up for every test of its module (or binary) unasked.
    pub(crate) autouse: Option<Span>,
}

/// The `flavor` of `#[container_test(flavor = "…")]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

/// `#[container_test(flavor = "multi_thread", worker_threads = 2)]`.
#[derive(Debug, Default)]
pub(crate) struct TestAttrs {
    pub(crate) flavor: Option<Arg<Flavor>>,
    pub(crate) worker_threads: Option<Arg<usize>>,
    /// `timeout = "30s"`, in milliseconds.
    pub(crate) timeout: Option<Arg<u64>>,
}

impl Args for FixtureAttrs {
    fn read(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Self> {
        let mut attrs = FixtureAttrs::default();
        each_arg(input, |lookahead| {
            if lookahead.peek(kw::scope) {
                let key = input.parse::<kw::scope>()?.span;
                key_value(input, key, "scope", &mut attrs.scope, errors, scope)
            } else if lookahead.peek(kw::autouse) {
                let key = input.parse::<kw::autouse>()?.span;
                super::autouse::flag(input, key, &mut attrs.autouse, errors)
            } else {
                Err(lookahead.error())
            }
        })?;
        Ok(attrs)
    }
}

impl Args for TestAttrs {
    fn read(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Self> {
        let mut attrs = TestAttrs::default();
        each_arg(input, |lookahead| {
            if lookahead.peek(kw::flavor) {
                let key = input.parse::<kw::flavor>()?.span;
                key_value(input, key, "flavor", &mut attrs.flavor, errors, flavor)
            } else if lookahead.peek(kw::worker_threads) {
                let key = input.parse::<kw::worker_threads>()?.span;
                let slot = &mut attrs.worker_threads;
                key_value(input, key, "worker_threads", slot, errors, workers)
            } else if lookahead.peek(kw::timeout) {
                let key = input.parse::<kw::timeout>()?.span;
                let slot = &mut attrs.timeout;
                key_value(input, key, "timeout", slot, errors, super::duration::millis)
            } else {
                Err(lookahead.error())
            }
        })?;
        Ok(attrs)
    }
}

fn scope(v: &LitStr) -> syn::Result<Scope> {
    match v.value().as_str() {
        "function" => Ok(Scope::Function),
        "module" => Ok(Scope::Module),
        "binary" => Ok(Scope::Binary),
        "run" => Ok(Scope::Run),
        _ => Err(syn::Error::new(v.span(), messages::BAD_SCOPE)),
    }
}

fn flavor(v: &LitStr) -> syn::Result<Flavor> {
    match v.value().as_str() {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        _ => Err(syn::Error::new(v.span(), messages::BAD_FLAVOR)),
    }
}

fn workers(v: &LitInt) -> syn::Result<usize> {
    match v.base10_digits().strip_prefix('-') {
        // Zero is refused in `validate`, with the same message.
        Some(_) => Err(syn::Error::new(v.span(), messages::ZERO_WORKERS)),
        None => v.base10_parse::<usize>(),
    }
}

/// Reads a comma-separated argument list (a trailing comma allowed), handing each argument's
/// first token to `arg`.
fn each_arg(
    input: ParseStream<'_>,
    mut arg: impl FnMut(Lookahead1<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    while !input.is_empty() {
        arg(input.lookahead1())?;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(())
}

/// Reads `= value` after `key` into `slot`. A value that `convert` refuses, or a key given
/// twice (reported at the second key; the first value stays), is recorded in `errors`.
fn key_value<L, T>(
    input: ParseStream<'_>,
    key: Span,
    name: &str,
    slot: &mut Option<Arg<T>>,
    errors: &mut Errors,
    convert: impl FnOnce(&L) -> syn::Result<T>,
) -> syn::Result<()>
where
    L: Parse + ToTokens,
{
    input.parse::<Token![=]>()?;
    let literal: L = input.parse()?;
    let value = errors.check(convert(&literal));
    if slot.is_some() {
        errors.at(key, messages::duplicate_key(name));
    } else {
        *slot = Some(Arg {
            key,
            value_span: literal.span(),
            value,
        });
    }
    Ok(())
}

#[cfg(test)]
mod should {
    use super::*;

    /// The arguments read from `src`, and every error's message.
    fn parsed<A: Args>(src: &str) -> (A, Vec<String>) {
        let tokens = src.parse().unwrap_or_else(|e| panic!("`{src}`: {e}"));
        let mut errors = Errors::default();
        let attrs = args(tokens, &mut errors);
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (attrs, messages)
    }

    fn ok<A: Args>(case: &str, src: &str) -> A {
        let (attrs, messages) = parsed(src);
        assert_eq!(messages, Vec::<String>::new(), "case {case}");
        attrs
    }

    #[test]
    fn read_fixture_scopes() {
        let cases = [
            ("default_to_none", "", None),
            (
                "read_function",
                r#"scope = "function""#,
                Some(Scope::Function),
            ),
            ("read_module", r#"scope = "module""#, Some(Scope::Module)),
            ("read_binary", r#"scope = "binary""#, Some(Scope::Binary)),
            ("read_run", r#"scope = "run""#, Some(Scope::Run)),
            (
                "allow_a_trailing_comma",
                r#"scope = "binary","#,
                Some(Scope::Binary),
            ),
        ];
        for (case, input, expected) in cases {
            let attrs: FixtureAttrs = ok(case, input);
            let scope = attrs.scope.as_ref().and_then(Arg::value).copied();
            assert_eq!(scope, expected, "case {case}");
        }
    }

    #[test]
    fn reject_bad_fixture_arguments() {
        let dup = messages::duplicate_key("scope");
        let cases: [(&str, &str, &[&str]); 7] = [
            (
                "name_the_known_key",
                r#"scop = "module""#,
                &["expected `scope` or `autouse`"],
            ),
            (
                "list_the_scopes",
                r#"scope = "session""#,
                &[messages::BAD_SCOPE],
            ),
            (
                "want_a_string",
                "scope = module",
                &["expected string literal"],
            ),
            ("want_a_value", "scope", &["expected `=`"]),
            (
                "report_a_repeated_key",
                r#"scope = "module", scope = "binary""#,
                &[&dup],
            ),
            (
                "report_every_problem",
                r#"scope = "session", scope = "module""#,
                &[messages::BAD_SCOPE, &dup],
            ),
            (
                "want_commas",
                r#"scope = "module" scope = "binary""#,
                &["expected `,`"],
            ),
        ];
        for (case, input, expected) in cases {
            let (_, messages) = parsed::<FixtureAttrs>(input);
            assert_eq!(messages, expected, "case {case}");
        }
    }

    #[test]
    fn read_test_arguments() {
        let multi = Some(Flavor::MultiThread);
        let cases = [
            ("default_to_none", "", None, None),
            (
                "read_current_thread",
                r#"flavor = "current_thread""#,
                Some(Flavor::CurrentThread),
                None,
            ),
            (
                "read_multi_thread",
                r#"flavor = "multi_thread""#,
                multi,
                None,
            ),
            (
                "read_workers",
                r#"flavor = "multi_thread", worker_threads = 3"#,
                multi,
                Some(3),
            ),
            (
                "read_workers_first",
                r#"worker_threads = 1, flavor = "multi_thread""#,
                multi,
                Some(1),
            ),
            // Whether the combination makes sense is for `validate`.
            ("read_workers_alone", "worker_threads = 0", None, Some(0)),
        ];
        for (case, input, flavor, workers) in cases {
            let attrs: TestAttrs = ok(case, input);
            let got_flavor = attrs.flavor.as_ref().and_then(Arg::value).copied();
            let got_workers = attrs.worker_threads.as_ref().and_then(Arg::value).copied();
            assert_eq!(got_flavor, flavor, "case {case}");
            assert_eq!(got_workers, workers, "case {case}");
        }
    }

    #[test]
    fn read_autouse_and_timeouts() {
        let attrs: FixtureAttrs = ok("autouse_alone", "autouse");
        assert!(attrs.autouse.is_some() && attrs.scope.is_none());
        let attrs: FixtureAttrs = ok("autouse_and_scope", r#"scope = "module", autouse"#);
        assert!(attrs.autouse.is_some());
        let scope = attrs.scope.as_ref().and_then(Arg::value).copied();
        assert_eq!(scope, Some(Scope::Module));
        let attrs: TestAttrs = ok("timeout", r#"timeout = "1m30s""#);
        let ms = attrs.timeout.as_ref().and_then(Arg::value).copied();
        assert_eq!(ms, Some(90_000));
    }

    #[test]
    fn reject_autouse_with_a_value_or_twice() {
        let (_, messages) = parsed::<FixtureAttrs>("autouse = true");
        assert_eq!(messages, [messages::AUTOUSE_VALUE]);
        let (_, messages) = parsed::<FixtureAttrs>("autouse, autouse");
        assert_eq!(messages, [messages::duplicate_key("autouse")]);
    }

    #[test]
    fn keep_what_was_read_next_to_a_bad_value() {
        let (attrs, messages) = parsed::<TestAttrs>(r#"flavor = "multi", worker_threads = 2"#);
        assert_eq!(messages, [messages::BAD_FLAVOR]);
        let flavor = attrs.flavor.as_ref().map(|f| f.value);
        assert_eq!(flavor, Some(None), "given, but unreadable");
        let workers = attrs.worker_threads.as_ref().and_then(Arg::value).copied();
        assert_eq!(workers, Some(2));
    }

    #[test]
    fn report_values_read_before_a_syntax_error() {
        let (attrs, messages) = parsed::<FixtureAttrs>(r#"scope = "session" scope = "module""#);
        assert_eq!(messages, [messages::BAD_SCOPE, "expected `,`"]);
        assert!(attrs.scope.is_none(), "a malformed list gives the defaults");
    }

    #[test]
    fn reject_bad_test_arguments() {
        let cases: [(&str, &str, &[&str]); 9] = [
            (
                "name_the_known_keys",
                "timeouts = 30",
                &["expected one of: `flavor`, `worker_threads`, `timeout`"],
            ),
            (
                "want_a_timeout_string",
                "timeout = 30",
                &["expected string literal"],
            ),
            (
                "want_a_duration_with_units",
                r#"timeout = "30""#,
                &[messages::BAD_TIMEOUT],
            ),
            (
                "want_a_positive_timeout",
                r#"timeout = "0s""#,
                &[messages::ZERO_TIMEOUT],
            ),
            (
                "list_the_flavors",
                r#"flavor = "multi""#,
                &[messages::BAD_FLAVOR],
            ),
            (
                "want_an_integer",
                r#"worker_threads = "2""#,
                &["expected integer literal"],
            ),
            (
                "want_a_positive_number",
                "worker_threads = -1",
                &[messages::ZERO_WORKERS],
            ),
            (
                "report_a_repeated_flavor",
                r#"flavor = "multi_thread", flavor = "multi_thread""#,
                &[&messages::duplicate_key("flavor")],
            ),
            (
                "report_every_problem",
                r#"flavor = "multi", worker_threads = 2, worker_threads = 3"#,
                &[
                    messages::BAD_FLAVOR,
                    &messages::duplicate_key("worker_threads"),
                ],
            ),
        ];
        for (case, input, expected) in cases {
            let (_, messages) = parsed::<TestAttrs>(input);
            assert_eq!(messages, expected, "case {case}");
        }
    }
}
