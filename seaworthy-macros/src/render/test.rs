//! `#[container_test]`: a `#[test]` that resolves its parameters as fixtures, runs the body and
//! tears everything down, through `seaworthy::__private::run_async` / `run_sync`.
//!
//! The work happens in a hidden sibling function that the `#[test]` calls. A `#[test]` function
//! exists only in `--test` builds, so keeping the body outside it means every build (`cargo
//! check`, doc builds, the UI tests) type-checks the test's parameters against its fixtures.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, ItemFn};

use crate::attrs::TestAttrs;
use crate::errors::Errors;
use crate::params::{self, Owner, Param};
use crate::render::fixture::borrow;
use crate::render::respan;
use crate::{crate_path, messages};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    // A bad argument does not stop the checks of the function: every error shows at once.
    let attrs = errors
        .check(syn::parse2::<TestAttrs>(attr))
        .unwrap_or_default();
    let mut func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            errors.push(e);
            let err = errors.finish().err().map(|e| e.to_compile_error());
            return quote!(#err #item);
        }
    };
    let params = validate(&attrs, &mut func, &mut errors);
    match errors.finish() {
        Ok(()) => render(&attrs, func, &params),
        Err(e) => {
            let err = e.to_compile_error();
            // Keep a plain function so the test's name still resolves.
            let name = &func.sig.ident;
            quote!(#err #[allow(dead_code)] fn #name() {})
        }
    }
}

fn is_test_attr(a: &Attribute) -> bool {
    let path = a.path();
    let last = path.segments.last().map(|s| s.ident.to_string());
    // `#[test]`, `#[tokio::test]`, `#[rstest]`, `#[test_case(...)]`, `#[test_log::test]`, …
    matches!(last.as_deref(), Some("test" | "rstest" | "test_case"))
}

fn validate(attrs: &TestAttrs, func: &mut ItemFn, errors: &mut Errors) -> Vec<Param> {
    let params = params::read(&mut func.sig, Owner::Test, errors);
    for a in func.attrs.iter().filter(|a| is_test_attr(a)) {
        errors.spanned(a, messages::DUPLICATE_TEST_ATTR);
    }
    if let (Some((span, _)), None) = (attrs.flavor, func.sig.asyncness) {
        errors.at(span, messages::FLAVOR_NEEDS_ASYNC);
    }
    params
}

fn render(attrs: &TestAttrs, mut func: ItemFn, params: &[Param]) -> TokenStream {
    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let name = func.sig.ident.clone();
    let name_str = params::name_str(&name);
    // Not at the user's name: rustc would suggest adding generics to it.
    let runner = format_ident!("__seaworthy_test_{}", name_str);
    let ignored = func.attrs.iter().any(|a| a.path().is_ident("ignore"));
    let outer_attrs: Vec<_> = func.attrs.drain(..).collect();
    // The hidden runner and the registry entry exist exactly when the test does.
    let cfgs: Vec<_> = outer_attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();
    let vars: Vec<_> = params
        .iter()
        .map(|p| format_ident!("__seaworthy_{}", params::name_str(&p.name)))
        .collect();
    // `#[clean]` parameters first, each cleaned as soon as it is resolved: the fixtures that
    // depend on a cleaned value are then built on the clean state (a migrating app, say), and the
    // test holds the value exclusively before anything else of it starts.
    let order = params
        .iter()
        .zip(&vars)
        .filter(|(p, _)| p.clean.is_some())
        .chain(params.iter().zip(&vars).filter(|(p, _)| p.clean.is_none()));
    let gets: Vec<_> = order
        .map(|(p, var)| {
            let dep = &p.name;
            quote_spanned! {dep.span()=>
                let #var = __ctx.get::<#dep>().await?;
            }
        })
        .collect();
    let n_clean = params.iter().filter(|p| p.clean.is_some()).count();
    let (clean_gets, other_gets) = gets.split_at(n_clean);
    let cleans = params
        .iter()
        .zip(&vars)
        .filter_map(|(p, var)| Some((p, var, p.clean?)))
        .map(|(p, var, clean)| {
            let fixture = params::name_str(&p.name);
            // At `clean`, so a value that cannot be cleaned is reported there.
            let ctx = syn::Ident::new("__ctx", clean);
            let var = syn::Ident::new(&var.to_string(), clean);
            quote_spanned! {clean=>
                #ctx.clean(&#var, #fixture).await?;
            }
        });
    let borrows: Vec<_> = params
        .iter()
        .zip(&vars)
        .map(|(p, var)| borrow(p, var))
        .collect();
    let resolve = quote! {
        |__ctx| ::std::boxed::Box::pin(async move {
            #(#clean_gets)*
            #(#cleans)*
            #(#other_gets)*
            ::core::result::Result::Ok::<_, #krate::Error>((#(#vars,)*))
        })
    };
    let inner = &func;
    // A return type that is not `()` or a `Result` is reported at the return type.
    let outcome_span = match &func.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => proc_macro2::Span::call_site(),
    };
    let check = respan(quote!(#private::TestOutcome::check), outcome_span);
    let outcome = syn::Ident::new("__seaworthy_outcome", outcome_span);
    let run = if func.sig.asyncness.is_some() {
        let flavor = match (attrs.multi_thread(), attrs.workers) {
            (true, Some((_, n))) => quote!(#private::Flavor::MultiThread(#n)),
            (true, None) => quote!(#private::Flavor::MultiThread(2)),
            (false, _) => quote!(#private::Flavor::CurrentThread),
        };
        quote! {
            #private::run_async(
                &__SEAWORTHY_TEST,
                #flavor,
                #resolve,
                |(#(#vars,)*)| ::std::boxed::Box::pin(async move {
                    let #outcome = #name(#(#borrows),*).await;
                    #check(#outcome)
                }),
            )
        }
    } else {
        quote! {
            #private::run_sync(
                &__SEAWORTHY_TEST,
                #resolve,
                |(#(#vars,)*)| {
                    let #outcome = #name(#(#borrows),*);
                    #check(#outcome)
                },
            )
        }
    };
    quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        fn #runner() {
            #[allow(clippy::ptr_arg)]
            #inner
            static __SEAWORTHY_TEST: #private::TestInfo = #private::TestInfo {
                module: ::core::module_path!(),
                name: #name_str,
                file: ::core::file!(),
                line: ::core::line!(),
            };
            #run
        }

        #(#outer_attrs)*
        #[test]
        fn #name() {
            #runner()
        }

        #(#cfgs)*
        const _: () = {
            #private::inventory::submit! {
                #private::TestEntry {
                    module: ::core::module_path!(),
                    name: #name_str,
                    ignored: #ignored,
                }
            }
        };
    }
}
