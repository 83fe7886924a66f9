//! Validating a function's signature and reading its fixture parameters.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, Signature, Type};

use crate::messages;

/// One fixture parameter: `name: &Type`, maybe `#[clean]`.
pub(crate) struct Param {
    pub(crate) name: Ident,
    pub(crate) clean: Option<Span>,
}

/// Collects every error instead of stopping at the first.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub(crate) fn at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Reads the parameters, taking `#[clean]` off them; reports every malformed one.
pub(crate) fn read(sig: &mut Signature, allow_clean: bool, errors: &mut Errors) -> Vec<Param> {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(sig.generics.span(), messages::GENERICS);
    }
    let mut out = Vec::new();
    for arg in sig.inputs.iter_mut() {
        let pt = match arg {
            FnArg::Receiver(r) => {
                errors.at(r.span(), messages::SELF_PARAM);
                continue;
            }
            FnArg::Typed(pt) => pt,
        };
        let mut clean = None;
        let mut kept = Vec::new();
        for attr in pt.attrs.drain(..) {
            if attr.path().is_ident("clean") {
                if allow_clean {
                    clean = Some(attr.span());
                } else {
                    errors.at(attr.span(), messages::CLEAN_ON_FIXTURE);
                }
            } else if attr.path().is_ident("doc") || attr.path().is_ident("allow") {
                kept.push(attr);
            } else {
                errors.at(attr.span(), messages::UNKNOWN_PARAM_ATTR);
            }
        }
        pt.attrs = kept;
        let name = match &*pt.pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => pi.ident.clone(),
            other => {
                errors.at(other.span(), messages::PARAM_PATTERN);
                continue;
            }
        };
        match &*pt.ty {
            Type::Reference(r) if r.mutability.is_some() => {
                errors.at(r.span(), messages::PARAM_MUT_REF);
                continue;
            }
            Type::Reference(_) => {}
            other => {
                errors.at(other.span(), messages::PARAM_NOT_REF);
                continue;
            }
        }
        out.push(Param { name, clean });
    }
    out
}

/// The fixture's name as the harness uses it: a leading `r#` dropped.
pub(crate) fn name_str(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}
