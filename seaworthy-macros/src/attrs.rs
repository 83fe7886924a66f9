//! Parsing the macros' arguments into typed structs.
//!
//! A malformed argument list stops the parse (there is nothing sensible to read after it), but
//! a bad value or a repeated key is only recorded, so one build reports all of them.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{LitInt, LitStr, Token};

use crate::errors::Errors;
use crate::messages;

mod kw {
    syn::custom_keyword!(scope);
    syn::custom_keyword!(flavor);
    syn::custom_keyword!(worker_threads);
}

/// The scope a fixture asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Scope {
    #[default]
    Function,
    Module,
    Binary,
}

impl Scope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Module => "module",
            Scope::Binary => "binary",
        }
    }

    pub(crate) fn variant(self) -> &'static str {
        match self {
            Scope::Function => "Function",
            Scope::Module => "Module",
            Scope::Binary => "Binary",
        }
    }
}

/// `#[fixture(scope = "module")]`.
#[derive(Debug, Default)]
pub(crate) struct FixtureAttrs {
    pub(crate) scope: Scope,
}

impl Parse for FixtureAttrs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let mut scope: Option<Scope> = None;
        let mut seen = false;
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::scope) {
                let key = input.parse::<kw::scope>()?;
                input.parse::<Token![=]>()?;
                let value: LitStr = input.parse()?;
                let parsed = match value.value().as_str() {
                    "function" => Some(Scope::Function),
                    "module" => Some(Scope::Module),
                    "binary" => Some(Scope::Binary),
                    _ => {
                        errors.at(value.span(), messages::BAD_SCOPE);
                        None
                    }
                };
                if seen {
                    errors.at(key.span, messages::duplicate_key("scope"));
                }
                seen = true;
                scope = scope.or(parsed);
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        errors.finish()?;
        Ok(FixtureAttrs {
            scope: scope.unwrap_or_default(),
        })
    }
}

/// `#[container_test(flavor = "multi_thread", worker_threads = 2)]`.
#[derive(Debug, Default)]
pub(crate) struct TestAttrs {
    /// `flavor = …`, at its key: `true` for `"multi_thread"`.
    pub(crate) flavor: Option<(Span, bool)>,
    /// `worker_threads = N`, at its key.
    pub(crate) workers: Option<(Span, usize)>,
}

impl TestAttrs {
    /// Is this `flavor = "multi_thread"`?
    pub(crate) fn multi_thread(&self) -> bool {
        matches!(self.flavor, Some((_, true)))
    }
}

impl Parse for TestAttrs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let mut attrs = TestAttrs::default();
        let (mut seen_flavor, mut seen_workers) = (false, false);
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::flavor) {
                let key = input.parse::<kw::flavor>()?;
                input.parse::<Token![=]>()?;
                let value: LitStr = input.parse()?;
                let multi = match value.value().as_str() {
                    "current_thread" => Some(false),
                    "multi_thread" => Some(true),
                    _ => {
                        errors.at(value.span(), messages::BAD_FLAVOR);
                        None
                    }
                };
                if seen_flavor {
                    errors.at(key.span, messages::duplicate_key("flavor"));
                } else if let Some(multi) = multi {
                    attrs.flavor = Some((key.span, multi));
                }
                seen_flavor = true;
            } else if lookahead.peek(kw::worker_threads) {
                let key = input.parse::<kw::worker_threads>()?;
                input.parse::<Token![=]>()?;
                let value: LitInt = input.parse()?;
                let n = match value.base10_parse::<usize>() {
                    Ok(0) => {
                        errors.at(value.span(), messages::ZERO_WORKERS);
                        None
                    }
                    Ok(n) => Some(n),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                };
                if seen_workers {
                    errors.at(key.span, messages::duplicate_key("worker_threads"));
                } else if let Some(n) = n {
                    attrs.workers = Some((key.span, n));
                }
                seen_workers = true;
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        // A bad flavor value was reported already; asking for "multi_thread" again is noise.
        let bad_flavor = seen_flavor && attrs.flavor.is_none();
        if let Some((span, _)) = attrs.workers {
            if !attrs.multi_thread() && !bad_flavor {
                errors.at(span, messages::WORKERS_NEED_MULTI);
            }
        }
        errors.finish()?;
        Ok(attrs)
    }
}

#[cfg(test)]
mod should {
    use super::*;

    /// Every message of a (possibly combined) error.
    fn messages_of(e: syn::Error) -> Vec<String> {
        e.into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn read_fixture_scopes() {
        let cases = [
            ("default_to_function", "", Scope::Function),
            ("read_function", r#"scope = "function""#, Scope::Function),
            ("read_module", r#"scope = "module""#, Scope::Module),
            ("read_binary", r#"scope = "binary""#, Scope::Binary),
            (
                "allow_a_trailing_comma",
                r#"scope = "binary","#,
                Scope::Binary,
            ),
        ];
        for (case, input, expected) in cases {
            let attrs: FixtureAttrs = syn::parse_str(input)
                .unwrap_or_else(|e| panic!("case {case}: unexpected error {e}"));
            assert_eq!(attrs.scope, expected, "case {case}");
        }
    }

    #[test]
    fn reject_bad_fixture_arguments() {
        let dup = messages::duplicate_key("scope");
        let cases: [(&str, &str, &[&str]); 7] = [
            (
                "name_the_known_key",
                r#"scop = "module""#,
                &["expected `scope`"],
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
            let Err(e) = syn::parse_str::<FixtureAttrs>(input) else {
                panic!("case {case}: `{input}` parsed");
            };
            assert_eq!(messages_of(e), expected, "case {case}");
        }
    }

    #[test]
    fn read_test_flavors() {
        let cases = [
            ("default_to_current_thread", "", false, None),
            (
                "read_current_thread",
                r#"flavor = "current_thread""#,
                false,
                None,
            ),
            (
                "read_multi_thread",
                r#"flavor = "multi_thread""#,
                true,
                None,
            ),
            (
                "read_workers",
                r#"flavor = "multi_thread", worker_threads = 3"#,
                true,
                Some(3),
            ),
            (
                "read_workers_first",
                r#"worker_threads = 1, flavor = "multi_thread""#,
                true,
                Some(1),
            ),
        ];
        for (case, input, multi, workers) in cases {
            let attrs: TestAttrs = syn::parse_str(input)
                .unwrap_or_else(|e| panic!("case {case}: unexpected error {e}"));
            assert_eq!(attrs.multi_thread(), multi, "case {case}");
            assert_eq!(attrs.workers.map(|(_, n)| n), workers, "case {case}");
        }
    }

    #[test]
    fn reject_bad_test_arguments() {
        let cases: [(&str, &str, &[&str]); 8] = [
            (
                "name_the_known_keys",
                "timeout = 30",
                &["expected `flavor` or `worker_threads`"],
            ),
            (
                "list_the_flavors",
                r#"flavor = "multi""#,
                &[messages::BAD_FLAVOR],
            ),
            (
                "want_multi_thread_for_workers",
                "worker_threads = 2",
                &[messages::WORKERS_NEED_MULTI],
            ),
            (
                "refuse_workers_on_current_thread",
                r#"flavor = "current_thread", worker_threads = 2"#,
                &[messages::WORKERS_NEED_MULTI],
            ),
            (
                "refuse_zero_workers",
                r#"flavor = "multi_thread", worker_threads = 0"#,
                &[messages::ZERO_WORKERS],
            ),
            (
                "want_an_integer",
                r#"worker_threads = "2""#,
                &["expected integer literal"],
            ),
            (
                "report_a_repeated_flavor",
                r#"flavor = "multi_thread", flavor = "multi_thread""#,
                &[&messages::duplicate_key("flavor")],
            ),
            (
                "report_every_problem",
                r#"flavor = "multi", worker_threads = 0"#,
                &[messages::BAD_FLAVOR, messages::ZERO_WORKERS],
            ),
        ];
        for (case, input, expected) in cases {
            let Err(e) = syn::parse_str::<TestAttrs>(input) else {
                panic!("case {case}: `{input}` parsed");
            };
            assert_eq!(messages_of(e), expected, "case {case}");
        }
    }
}
