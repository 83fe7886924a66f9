//! `#[container_test]`: a `#[test]` that resolves its parameters as fixtures, runs the body and
//! tears everything down, through `seaworthy::__private::run_async` / `run_sync`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::attrs::TestAttrs;
use crate::params::{self, Errors};
use crate::{crate_path, messages};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attrs = syn::parse2::<TestAttrs>(attr);
    let func = syn::parse2::<ItemFn>(item.clone());
    let (attrs, mut func) = match (attrs, func) {
        (Ok(a), Ok(f)) => (a, f),
        (a, f) => {
            let mut errors = Errors::default();
            for e in [a.err(), f.err()].into_iter().flatten() {
                errors.push(e);
            }
            let err = errors.finish().err().map(|e| e.to_compile_error());
            return quote!(#err #item);
        }
    };
    match render(&attrs, &mut func) {
        Ok(ts) => ts,
        Err(e) => {
            let err = e.to_compile_error();
            // Keep a plain function so later errors in the body still point at real code.
            let name = &func.sig.ident;
            quote!(#err #[allow(dead_code)] fn #name() {})
        }
    }
}

fn render(attrs: &TestAttrs, func: &mut ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let params = params::read(&mut func.sig, true, &mut errors);
    for a in &func.attrs {
        if a.path().is_ident("test")
            || a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "test" && a.path().segments.len() == 2)
        {
            errors.at(a.span(), messages::DUPLICATE_TEST_ATTR);
        }
    }
    if let Some(u) = func.sig.unsafety {
        errors.at(u.span(), messages::ASYNC_TRAIT_TEST);
    }
    let is_async = func.sig.asyncness.is_some();
    if let (Some((span, _)), false) = (attrs.flavor, is_async) {
        errors.at(span, messages::FLAVOR_NEEDS_ASYNC);
    }
    errors.finish()?;

    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let name = func.sig.ident.clone();
    let name_str = params::name_str(&name);
    let ignored = func.attrs.iter().any(|a| a.path().is_ident("ignore"));
    let outer_attrs: Vec<_> = func.attrs.drain(..).collect();
    let vars: Vec<_> = params
        .iter()
        .map(|p| format_ident!("__seaworthy_{}", params::name_str(&p.name)))
        .collect();
    let gets = params.iter().zip(&vars).map(|(p, var)| {
        let dep = &p.name;
        quote_spanned! {dep.span()=>
            let #var = __ctx.get::<#dep>().await?;
        }
    });
    let cleans = params
        .iter()
        .zip(&vars)
        .filter(|(p, _)| p.clean.is_some())
        .map(|(p, var)| {
            let fixture = params::name_str(&p.name);
            quote_spanned! {p.name.span()=>
                __ctx.clean(&#var, #fixture).await?;
            }
        });
    let inner = &func;
    let run = if is_async {
        let flavor = match (attrs.flavor, attrs.workers) {
            (Some((_, true)), Some((_, n))) => quote!(#private::Flavor::MultiThread(#n)),
            (Some((_, true)), None) => quote!(#private::Flavor::MultiThread(2)),
            _ => quote!(#private::Flavor::CurrentThread),
        };
        quote! {
            #private::run_async(
                &__SEAWORTHY_TEST,
                #flavor,
                |__ctx| ::std::boxed::Box::pin(async move {
                    #(#gets)*
                    #(#cleans)*
                    ::core::result::Result::Ok::<_, #krate::Error>((#(#vars,)*))
                }),
                |(#(#vars,)*)| ::std::boxed::Box::pin(async move { #name(#(&#vars),*).await }),
            )
        }
    } else {
        quote! {
            #private::run_sync(
                &__SEAWORTHY_TEST,
                |__ctx| ::std::boxed::Box::pin(async move {
                    #(#gets)*
                    #(#cleans)*
                    ::core::result::Result::Ok::<_, #krate::Error>((#(#vars,)*))
                }),
                |(#(#vars,)*)| #name(#(&#vars),*),
            )
        }
    };
    Ok(quote! {
        #(#outer_attrs)*
        #[test]
        fn #name() {
            #inner
            static __SEAWORTHY_TEST: #private::TestInfo = #private::TestInfo {
                module: ::core::module_path!(),
                name: #name_str,
                file: ::core::file!(),
                line: ::core::line!(),
            };
            #run
        }

        const _: () = {
            #private::inventory::submit! {
                #private::TestEntry {
                    module: ::core::module_path!(),
                    name: #name_str,
                    ignored: #ignored,
                }
            }
        };
    })
}
