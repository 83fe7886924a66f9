//! What validation hands to rendering: a function that passed every check, in the terms the
//! generated code needs.

use proc_macro2::Span;
use syn::{Ident, ItemFn, Type};

/// The scope a fixture asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Scope {
    #[default]
    Function,
    Module,
    Binary,
    Run,
}

impl Scope {
    /// The name written in `#[fixture(scope = "…")]`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Module => "module",
            Scope::Binary => "binary",
            Scope::Run => "run",
        }
    }

    /// The variant of `seaworthy::__private::Scope`.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Scope::Function => "Function",
            Scope::Module => "Module",
            Scope::Binary => "Binary",
            Scope::Run => "Run",
        }
    }
}

/// One parameter: `name: &Type`, maybe `#[clean]` or `#[context]`.
#[derive(Debug)]
pub(crate) struct Param {
    /// The fixture it names.
    pub(crate) name: Ident,
    /// The parameter's type as written (a shared reference).
    pub(crate) ty: Type,
    /// `#[clean]`, at its `clean`.
    pub(crate) clean: Option<Span>,
    /// `#[context]`, at its `context`: the parameter receives the test's context, not a fixture.
    pub(crate) context: Option<Span>,
    /// `#[from(path::to::fixture)]`: the fixture it receives, when not the one its name names.
    pub(crate) from: Option<syn::Path>,
}

impl Param {
    /// `true` when the parameter names a fixture (it is no `#[context]`).
    pub(crate) fn is_fixture(&self) -> bool {
        self.context.is_none()
    }

    /// The fixture's marker type, as the user wrote it: the `#[from]` path, or the name.
    pub(crate) fn fixture(&self) -> proc_macro2::TokenStream {
        match &self.from {
            Some(path) => quote::ToTokens::to_token_stream(path),
            None => quote::ToTokens::to_token_stream(&self.name),
        }
    }

    /// The fixture's name, for messages: the last segment of the `#[from]` path, or the name.
    pub(crate) fn fixture_name(&self) -> String {
        match self.from.as_ref().and_then(|p| p.segments.last()) {
            Some(last) => fixture_name(&last.ident),
            None => fixture_name(&self.name),
        }
    }

    /// Where the fixture is named: the `#[from]` path, or the name.
    pub(crate) fn fixture_span(&self) -> Span {
        match &self.from {
            Some(path) => syn::spanned::Spanned::span(path),
            None => self.name.span(),
        }
    }
}

/// A valid `#[fixture]`.
pub(crate) struct Fixture {
    /// The function to emit, without the harness's parameter attributes.
    pub(crate) item: ItemFn,
    pub(crate) scope: Scope,
    pub(crate) params: Vec<Param>,
    /// The fixture's value type: what the function returns, or the `T` of a `Result<T, E>`.
    pub(crate) value_ty: Type,
    /// The function returns a `Result`: an `Err` fails the tests that need the fixture.
    pub(crate) fallible: bool,
    /// `autouse`: set up for every test of its module (or, wider than a module, the binary).
    pub(crate) autouse: bool,
}

/// A `#[fixture]` with errors, and what can still be declared about it: with its value type
/// known, a marker keeps the fixtures and tests using it from adding "cannot find type" errors
/// to the real ones.
pub(crate) struct InvalidFixture {
    pub(crate) errors: syn::Error,
    /// The function, without the harness's parameter attributes.
    pub(crate) item: ItemFn,
    /// The scope and value type, when a marker can be declared.
    pub(crate) marker: Option<(Scope, Type)>,
}

/// The runtime a test body runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runtime {
    /// A plain `fn`: on the test's thread, outside any runtime.
    Blocking,
    /// An `async fn` on a current-thread runtime.
    CurrentThread,
    /// An `async fn` on a multi-thread runtime with this many workers.
    MultiThread(usize),
}

/// A valid `#[container_test]`.
pub(crate) struct Test {
    /// The function, its outer attributes included, without the harness's parameter attributes.
    pub(crate) item: ItemFn,
    pub(crate) runtime: Runtime,
    pub(crate) params: Vec<Param>,
    /// The cases of a parametrized test (`crate::cases`).
    pub(crate) cases: Option<crate::cases::Cases>,
    /// `timeout = "…"`, in milliseconds.
    pub(crate) timeout_ms: Option<u64>,
}

/// A `#[container_test]` with errors.
pub(crate) struct InvalidTest {
    pub(crate) errors: syn::Error,
    /// The test's name, still declared so that it resolves.
    pub(crate) name: Ident,
}

/// A fixture's name as the harness uses it: a leading `r#` dropped.
pub(crate) fn fixture_name(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn drop_raw_prefixes_from_names() {
        for (case, src, expected) in [("plain", "port", "port"), ("raw", "r#type", "type")] {
            let ident: Ident = syn::parse_str(src).expect("parses");
            assert_eq!(fixture_name(&ident), expected, "case {case}");
        }
    }
}
