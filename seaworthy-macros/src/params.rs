//! Validating a function's signature and reading its fixture parameters.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, Signature, Type};

use crate::errors::Errors;
use crate::messages;

/// One fixture parameter: `name: &Type`, maybe `#[clean]`.
pub(crate) struct Param {
    pub(crate) name: Ident,
    /// The parameter's type as written (a shared reference).
    pub(crate) ty: Type,
    /// `#[clean]`, at its `clean`.
    pub(crate) clean: Option<Span>,
}

/// Which function the parameters belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Fixture,
    Test,
}

/// Checks the signature and reads the parameters, taking `#[clean]` off them; reports every
/// problem, each at its own tokens.
pub(crate) fn read(sig: &mut Signature, owner: Owner, errors: &mut Errors) -> Vec<Param> {
    if !sig.generics.params.is_empty() {
        errors.spanned(&sig.generics, messages::GENERICS);
    } else if let Some(w) = &sig.generics.where_clause {
        errors.spanned(w, messages::GENERICS);
    }
    if let Some(u) = sig.unsafety {
        errors.at(u.span(), messages::UNSAFE_FN);
    }
    let mut out = Vec::new();
    for arg in sig.inputs.iter_mut() {
        let pt = match arg {
            FnArg::Receiver(r) => {
                errors.spanned(&*r, messages::SELF_PARAM);
                continue;
            }
            FnArg::Typed(pt) => pt,
        };
        let mut clean = None;
        let mut kept = Vec::new();
        for attr in pt.attrs.drain(..) {
            let path = attr.path();
            if path.is_ident("clean") {
                match owner {
                    Owner::Test => clean = Some(path.span()),
                    Owner::Fixture => errors.spanned(&attr, messages::CLEAN_ON_FIXTURE),
                }
            } else if ["doc", "allow", "expect", "warn", "deny"]
                .iter()
                .any(|lint| path.is_ident(lint))
            {
                kept.push(attr);
            } else {
                errors.spanned(&attr, messages::UNKNOWN_PARAM_ATTR);
            }
        }
        pt.attrs = kept;
        let name = match &*pt.pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                if let Some(m) = pi.mutability {
                    errors.at(m.span(), messages::PARAM_MUT_BINDING);
                }
                Some(pi.ident.clone())
            }
            other => {
                errors.spanned(other, messages::PARAM_PATTERN);
                None
            }
        };
        let ty_ok = match &*pt.ty {
            Type::Reference(r) if r.mutability.is_some() => {
                let shown = name.as_ref().map(name_str).unwrap_or_else(|| "name".into());
                errors.spanned(r, messages::param_mut_ref(&shown, &type_text(&r.elem)));
                false
            }
            Type::Reference(_) => true,
            other => {
                let shown = name.as_ref().map(name_str).unwrap_or_else(|| "name".into());
                errors.spanned(other, messages::param_not_ref(&shown, &type_text(other)));
                false
            }
        };
        if let (Some(name), true) = (name, ty_ok) {
            out.push(Param {
                name,
                ty: (*pt.ty).clone(),
                clean,
            });
        }
    }
    out
}

/// The fixture's name as the harness uses it: a leading `r#` dropped.
pub(crate) fn name_str(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// A type as the user would write it, for messages: `Vec<String>`, not `Vec < String >`.
pub(crate) fn type_text(ty: &Type) -> String {
    let raw = quote::quote!(#ty).to_string();
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let prev = out.chars().last();
            let next = chars.peek().copied();
            let glue_prev = matches!(prev, Some('<' | '&' | ':' | '(' | '[' | '\''));
            let glue_next = matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']' | ';'));
            if glue_prev || glue_next {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod should {
    use super::*;

    fn read_sig(src: &str, owner: Owner) -> (Vec<Param>, Vec<String>) {
        let mut sig: Signature = syn::parse_str(src).unwrap_or_else(|e| panic!("`{src}`: {e}"));
        let mut errors = Errors::default();
        let params = read(&mut sig, owner, &mut errors);
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (params, messages)
    }

    /// A case's name, its signature, whose it is, and the expected `(name, #[clean])` pairs.
    type ReadCase = (
        &'static str,
        &'static str,
        Owner,
        &'static [(&'static str, bool)],
    );

    #[test]
    fn read_fixture_parameters() {
        let cases: [ReadCase; 6] = [
            ("read_none", "fn t()", Owner::Test, &[]),
            (
                "read_names_in_order",
                "fn t(web: &ContainerDefinition, port: &u16)",
                Owner::Test,
                &[("web", false), ("port", false)],
            ),
            (
                "read_clean_on_a_test",
                "fn t(#[clean] db: &ContainerDefinition, url: &String)",
                Owner::Test,
                &[("db", true), ("url", false)],
            ),
            (
                "keep_raw_identifiers",
                "fn f(r#type: &String) -> String",
                Owner::Fixture,
                &[("r#type", false)],
            ),
            (
                "keep_lint_and_doc_attributes",
                "fn f(#[allow(unused)] #[doc = \"x\"] port: &u16) -> u16",
                Owner::Fixture,
                &[("port", false)],
            ),
            (
                "read_lifetime_elided_types",
                "async fn f(cfg: &Config<'_>) -> u16",
                Owner::Fixture,
                &[("cfg", false)],
            ),
        ];
        for (case, src, owner, expected) in cases {
            let (params, messages) = read_sig(src, owner);
            assert_eq!(messages, Vec::<String>::new(), "case {case}");
            let got: Vec<_> = params
                .iter()
                .map(|p| (p.name.to_string(), p.clean.is_some()))
                .collect();
            let expected: Vec<_> = expected.iter().map(|(n, c)| (n.to_string(), *c)).collect();
            assert_eq!(got, expected, "case {case}");
        }
    }

    #[test]
    fn strip_parameter_attributes() {
        let mut sig: Signature =
            syn::parse_str("fn t(#[clean] #[allow(unused)] db: &Db)").expect("parses");
        let _ = read(&mut sig, Owner::Test, &mut Errors::default());
        let rendered = quote::quote!(#sig).to_string();
        assert!(!rendered.contains("clean"), "{rendered}");
        assert!(rendered.contains("allow"), "{rendered}");
    }

    #[test]
    fn reject_bad_signatures() {
        let not_ref = messages::param_not_ref("port", "u16");
        let mut_ref = messages::param_mut_ref("names", "Vec<String>");
        let cases: [(&str, &str, Owner, &[&str]); 11] = [
            (
                "want_a_borrow",
                "fn f(port: u16) -> u16",
                Owner::Fixture,
                &[&not_ref],
            ),
            (
                "want_a_shared_borrow",
                "fn f(names: &mut Vec<String>) -> u16",
                Owner::Fixture,
                &[&mut_ref],
            ),
            (
                "want_a_plain_name",
                "fn f((a, b): &(u16, u16)) -> u16",
                Owner::Fixture,
                &[messages::PARAM_PATTERN],
            ),
            (
                "refuse_ref_bindings",
                "fn t(ref a: &u16)",
                Owner::Test,
                &[messages::PARAM_PATTERN],
            ),
            (
                "refuse_mut_bindings",
                "fn t(mut a: &u16)",
                Owner::Test,
                &[messages::PARAM_MUT_BINDING],
            ),
            (
                "refuse_methods",
                "fn f(&self) -> u16",
                Owner::Fixture,
                &[messages::SELF_PARAM],
            ),
            (
                "refuse_generics",
                "fn f<T>() -> T",
                Owner::Fixture,
                &[messages::GENERICS],
            ),
            (
                "refuse_where_clauses",
                "fn t() where u8: Copy",
                Owner::Test,
                &[messages::GENERICS],
            ),
            (
                "refuse_unsafe",
                "unsafe fn t()",
                Owner::Test,
                &[messages::UNSAFE_FN],
            ),
            (
                "keep_clean_for_tests",
                "fn f(#[clean] db: &Db) -> u16",
                Owner::Fixture,
                &[messages::CLEAN_ON_FIXTURE],
            ),
            (
                "report_every_problem",
                "fn f<T>(&self, port: u16, #[fresh] names: &mut Vec<String>) -> T",
                Owner::Fixture,
                &[
                    messages::GENERICS,
                    messages::SELF_PARAM,
                    &not_ref,
                    messages::UNKNOWN_PARAM_ATTR,
                    &mut_ref,
                ],
            ),
        ];
        for (case, src, owner, expected) in cases {
            let (_, messages) = read_sig(src, owner);
            assert_eq!(messages, expected, "case {case}");
        }
    }

    #[test]
    fn show_types_as_written() {
        let cases = [
            ("keep_a_path", "u16", "u16"),
            ("glue_generics", "Vec<String>", "Vec<String>"),
            (
                "glue_nested_generics",
                "HashMap<String, Vec<u8>>",
                "HashMap<String, Vec<u8>>",
            ),
            ("glue_paths", "std::sync::Arc<str>", "std::sync::Arc<str>"),
            ("glue_tuples", "(u16, u16)", "(u16, u16)"),
            ("glue_references", "&'static str", "&'static str"),
        ];
        for (case, src, expected) in cases {
            let ty: Type = syn::parse_str(src).expect("parses");
            assert_eq!(type_text(&ty), expected, "case {case}");
        }
    }

    #[test]
    fn drop_raw_prefixes_from_names() {
        for (case, src, expected) in [("plain", "port", "port"), ("raw", "r#type", "type")] {
            let ident: Ident = syn::parse_str(src).expect("parses");
            assert_eq!(name_str(&ident), expected, "case {case}");
        }
    }
}
