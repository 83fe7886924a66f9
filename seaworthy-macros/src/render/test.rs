//! `#[container_test]`: a `#[test]` that resolves its parameters as fixtures, runs the body and
//! tears everything down, through `seaworthy::__private::run_async` / `run_sync`.
//!
//! The work happens in a hidden sibling function that the `#[test]` calls. A `#[test]` function
//! exists only in `--test` builds, so keeping the body outside it means every build (`cargo
//! check`, doc builds, the UI tests) type-checks the test's parameters against its fixtures.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ReturnType;

use super::crate_path;
use super::tokens::{borrow, get, respan, var, with_param_types};
use crate::model::{fixture_name, InvalidTest, Runtime, Test};

/// The hidden runner (the user's function inside it, and the test's one `TestInfo`, which the
/// registry lists and the runner is given) and the `#[test]` calling it.
pub(crate) fn test(test: Test) -> TokenStream {
    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let Test {
        mut item,
        runtime,
        params,
        cases,
        timeout_ms,
    } = test;
    let name = item.sig.ident.clone();
    let name_str = fixture_name(&name);
    // Not at the user's name: rustc would suggest adding generics to it.
    let runner = format_ident!("__seaworthy_test_{}", name_str);
    let ignored = item.attrs.iter().any(|a| a.path().is_ident("ignore"));
    let outer_attrs: Vec<_> = item.attrs.drain(..).collect();
    // The hidden runner (and the registry entry in it) exists exactly when the test does.
    let cfgs = outer_attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let vars: Vec<_> = params.iter().map(var).collect();
    // `#[clean]` parameters first, each cleaned as soon as it is resolved: the fixtures that
    // depend on a cleaned value are then built on the clean state (a migrating app, say), and the
    // test holds the value exclusively before anything else of it starts.
    let with_vars = || params.iter().zip(&vars);
    let clean_gets = with_vars()
        .filter(|(p, _)| p.clean.is_some())
        .map(|(p, var)| get(p, var));
    let other_gets = with_vars()
        .filter(|(p, _)| p.clean.is_none())
        .map(|(p, var)| get(p, var));
    let cleans = with_vars()
        .filter_map(|(p, var)| Some((p, var, p.clean?)))
        .map(|(p, var, clean)| {
            let fixture = p.fixture_name();
            // At `clean`, so a value that cannot be cleaned is reported there.
            let ctx = syn::Ident::new("__ctx", clean);
            let var = syn::Ident::new(&var.to_string(), clean);
            quote_spanned! {clean=>
                #ctx.clean(&#var, #fixture).await?;
            }
        });
    let borrows: Vec<_> = with_vars().map(|(p, var)| borrow(p, var)).collect();
    // A parametrized test: the running case's values among the fixtures, and one entry per run.
    let (borrows, prelude, info) = match &cases {
        Some(c) => (
            super::cases::args(c, &borrows),
            super::cases::prelude(c),
            quote!(&__SEAWORTHY_TESTS[__case]),
        ),
        None => (borrows, quote!(), quote!(&__SEAWORTHY_TEST)),
    };
    let resolve = with_param_types(
        &params,
        quote! {
            |__ctx| ::std::boxed::Box::pin(async move {
                #(#clean_gets)*
                #(#cleans)*
                #(#other_gets)*
                ::core::result::Result::Ok::<_, #krate::Error>((#(#vars,)*))
            })
        },
    );
    // A return type that is not `()` or a `Result` is reported at the return type.
    let outcome_span = match &item.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => Span::call_site(),
    };
    let check = respan(quote!(#private::TestOutcome::check), outcome_span);
    let outcome = syn::Ident::new("__seaworthy_outcome", outcome_span);
    // The whole call at the return type: an `Err` is reported there (`check` is
    // `#[track_caller]`).
    let checked = quote_spanned!(outcome_span=> #check(#outcome));
    // The call is at the test's name, so a setup failure is reported there (`run_*` are
    // `#[track_caller]`).
    let run_sync = respan(quote!(#private::run_sync), name.span());
    let run_async = respan(quote!(#private::run_async), name.span());
    let timeout = match timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(::core::time::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let run = match runtime {
        Runtime::Blocking => quote_spanned! {name.span()=>
            #run_sync(
                #info,
                #resolve,
                // `move`: a parametrized test's case number is copied in (the body may run on a
                // thread of its own under a timeout, so it borrows nothing of the runner).
                move |(#(#vars,)*)| {
                    #prelude
                    let #outcome = #name(#(#borrows),*);
                    #checked
                },
            )
        },
        Runtime::CurrentThread | Runtime::MultiThread(_) => {
            let flavor = match runtime {
                Runtime::MultiThread(n) => quote!(#private::Flavor::MultiThread(#n)),
                _ => quote!(#private::Flavor::CurrentThread),
            };
            quote_spanned! {name.span()=>
                #run_async(
                    #info,
                    #flavor,
                    #resolve,
                    |(#(#vars,)*)| {
                        #prelude
                        ::std::boxed::Box::pin(async move {
                            let #outcome = #name(#(#borrows),*).await;
                            #checked
                        })
                    },
                )
            }
        }
    };
    // The test's (or one run's) entry in the registry, which the runner is given too.
    let info_of = |name: &str| {
        quote! {
            #private::TestInfo {
                module: ::core::module_path!(),
                name: #name,
                file: ::core::file!(),
                line: ::core::line!(),
                ignored: #ignored,
                timeout: #timeout,
            }
        }
    };
    let entry = info_of(&name_str);
    if let Some(c) = &cases {
        let registration = super::cases::registration(c, &private, &name_str, &info_of);
        let tests = super::cases::tests(c, &name, &runner, &outer_attrs);
        return quote! {
            #(#cfgs)*
            #[doc(hidden)]
            #[allow(non_snake_case, dead_code)]
            fn #runner(__case: usize) {
                #[allow(clippy::ptr_arg)]
                #item
                #registration
                #run
            }

            #tests
        };
    }
    quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        fn #runner() {
            #[allow(clippy::ptr_arg)]
            #item
            static __SEAWORTHY_TEST: #private::TestInfo = #entry;
            #private::inventory::submit! {
                #private::TestEntry(&__SEAWORTHY_TEST)
            }
            #run
        }

        #(#outer_attrs)*
        #[test]
        fn #name() {
            #runner()
        }
    }
}

/// The errors, and a plain function so that the test's name still resolves.
pub(crate) fn invalid_test(t: &InvalidTest) -> TokenStream {
    let errors = t.errors.to_compile_error();
    let name = &t.name;
    quote!(#errors #[allow(dead_code)] fn #name() {})
}

#[cfg(test)]
mod should {
    use super::*;
    use crate::parse;

    fn render(item: &str) -> String {
        let item = item.parse().expect("tokenizes");
        let input = parse::input(TokenStream::new(), item).expect("parses");
        let Ok(t) = crate::validate::test(input) else {
            panic!("invalid");
        };
        test(t).to_string()
    }

    #[test]
    fn describe_each_test_once() {
        let cases = [
            ("sync", "fn t() {}"),
            ("async", "async fn t(web: &Web) {}"),
            ("cfg_gated", "#[cfg(unix)] #[ignore] fn t() {}"),
        ];
        for (case, item) in cases {
            let out = render(item);
            assert_eq!(out.matches("TestInfo {").count(), 1, "case {case}: {out}");
            assert_eq!(out.matches("submit !").count(), 1, "case {case}: {out}");
            assert_eq!(out.matches("TestEntry").count(), 1, "case {case}: {out}");
            assert_eq!(
                out.matches("& __SEAWORTHY_TEST").count(),
                2,
                "case {case}: the registry and the runner share it: {out}"
            );
        }
    }
}
