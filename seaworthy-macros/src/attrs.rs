//! Parsing the macros' arguments into typed structs.

use syn::parse::{Parse, ParseStream};
use syn::{LitInt, LitStr, Token};

use crate::messages;

mod kw {
    syn::custom_keyword!(scope);
    syn::custom_keyword!(flavor);
    syn::custom_keyword!(worker_threads);
}

/// The scope a fixture asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
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
pub(crate) struct FixtureAttrs {
    pub(crate) scope: Scope,
}

impl Parse for FixtureAttrs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut scope: Option<Scope> = None;
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::scope) {
                let key = input.parse::<kw::scope>()?;
                input.parse::<Token![=]>()?;
                let value: LitStr = input.parse()?;
                if scope.is_some() {
                    return Err(syn::Error::new(key.span, messages::DUPLICATE_KEY));
                }
                scope = Some(match value.value().as_str() {
                    "function" => Scope::Function,
                    "module" => Scope::Module,
                    "binary" => Scope::Binary,
                    _ => return Err(syn::Error::new(value.span(), messages::BAD_SCOPE)),
                });
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(FixtureAttrs {
            scope: scope.unwrap_or(Scope::Function),
        })
    }
}

/// `#[container_test(flavor = "multi_thread", worker_threads = 2)]`.
pub(crate) struct TestAttrs {
    pub(crate) flavor: Option<(proc_macro2::Span, bool)>,
    pub(crate) workers: Option<(proc_macro2::Span, usize)>,
}

impl Parse for TestAttrs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attrs = TestAttrs {
            flavor: None,
            workers: None,
        };
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::flavor) {
                let key = input.parse::<kw::flavor>()?;
                input.parse::<Token![=]>()?;
                let value: LitStr = input.parse()?;
                if attrs.flavor.is_some() {
                    return Err(syn::Error::new(key.span, messages::DUPLICATE_KEY));
                }
                let multi = match value.value().as_str() {
                    "current_thread" => false,
                    "multi_thread" => true,
                    _ => return Err(syn::Error::new(value.span(), messages::BAD_FLAVOR)),
                };
                attrs.flavor = Some((key.span, multi));
            } else if lookahead.peek(kw::worker_threads) {
                let key = input.parse::<kw::worker_threads>()?;
                input.parse::<Token![=]>()?;
                let value: LitInt = input.parse()?;
                if attrs.workers.is_some() {
                    return Err(syn::Error::new(key.span, messages::DUPLICATE_KEY));
                }
                attrs.workers = Some((key.span, value.base10_parse()?));
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        if let (Some((span, _)), None | Some((_, false))) = (attrs.workers, attrs.flavor) {
            return Err(syn::Error::new(span, messages::WORKERS_NEED_MULTI));
        }
        Ok(attrs)
    }
}
