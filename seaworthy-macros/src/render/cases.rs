//! A parametrized `#[container_test]`: one `TestInfo` per run, and a module named after the test
//! with one `#[test]` per run (`test_name::id`), each calling the hidden runner with its run's
//! number. The runner's body picks the run's values and passes them to the test function among
//! its fixtures.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Ident};

use crate::cases::Cases;

/// The variable holding a case parameter's value.
fn var(name: &Ident) -> Ident {
    format_ident!("__seaworthy_case_{}", crate::model::fixture_name(name))
}

/// The test function's arguments: the fixtures' `borrows`, with the case values at their places.
pub(super) fn args(cases: &Cases, borrows: &[TokenStream]) -> Vec<TokenStream> {
    let mut fixtures = borrows.iter();
    let total = borrows.len() + cases.params.len();
    (0..total)
        .filter_map(|at| match cases.params.iter().find(|p| p.position == at) {
            Some(p) => {
                let v = var(&p.name);
                Some(quote!(#v))
            }
            None => fixtures.next().cloned(),
        })
        .collect()
}

/// `let (values…) = match __case { … };`: the running case's values, each typed as its
/// parameter says (a value of another type is reported at the value, "expected due to" the
/// parameter's type).
pub(super) fn prelude(cases: &Cases) -> TokenStream {
    let vars: Vec<_> = cases.params.iter().map(|p| var(&p.name)).collect();
    let arms = cases.runs.iter().enumerate().map(|(n, run)| {
        let lets = cases.params.iter().zip(&run.values).map(|(p, value)| {
            let (v, ty) = (var(&p.name), &p.ty);
            quote!(let #v: #ty = #value;)
        });
        quote!(#n => { #(#lets)* (#(#vars,)*) })
    });
    quote! {
        let (#(#vars,)*) = match __case {
            #(#arms)*
            _ => ::core::unreachable!("no such case"),
        };
    }
}

/// The runs' `TestInfo`s, each registered: the module is the test's own (module-scoped
/// fixtures count a run as a test of the module), the name `test_name::id`.
pub(super) fn registration(
    cases: &Cases,
    private: &TokenStream,
    name: &str,
    info: &dyn Fn(&str) -> TokenStream,
) -> TokenStream {
    let n = cases.runs.len();
    let infos = cases.runs.iter().map(|run| {
        let info = info(&format!("{name}::{}", run.id));
        quote!(#info,)
    });
    let submits = (0..n).map(|i| {
        quote! {
            #private::inventory::submit! {
                #private::TestEntry(&__SEAWORTHY_TESTS[#i])
            }
        }
    });
    quote! {
        static __SEAWORTHY_TESTS: [#private::TestInfo; #n] = [#(#infos)*];
        #(#submits)*
    }
}

/// `mod test_name { #[test] fn id() { super::runner(n) } … }`.
pub(super) fn tests(
    cases: &Cases,
    name: &Ident,
    runner: &Ident,
    outer_attrs: &[Attribute],
) -> TokenStream {
    let cfgs = outer_attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let fns = cases.runs.iter().enumerate().map(|(n, run)| {
        let id = format_ident!("{}", run.id);
        quote! {
            #(#outer_attrs)*
            #[test]
            #[allow(non_snake_case)]
            fn #id() {
                super::#runner(#n)
            }
        }
    });
    quote! {
        #(#cfgs)*
        mod #name {
            #(#fns)*
        }
    }
}

#[cfg(test)]
mod should {
    use crate::parse;

    fn render(item: &str) -> String {
        let item = item.parse().expect("tokenizes");
        let input = parse::input(proc_macro2::TokenStream::new(), item).expect("parses");
        let Ok(t) = crate::validate::test(input) else {
            panic!("invalid");
        };
        super::super::test(t).to_string()
    }

    #[test]
    fn describe_and_declare_each_run_once() {
        let out = render(
            "#[ignore] #[case::a(1)] #[case::b(2)] async fn t(web: &Web, #[values(true, false)] on: bool, #[case] n: u8) {}",
        );
        assert_eq!(out.matches("TestInfo {").count(), 4, "{out}");
        assert_eq!(out.matches("submit !").count(), 4, "{out}");
        for id in ["a__on_true", "a__on_false", "b__on_true", "b__on_false"] {
            assert!(out.contains(&format!("name : \"t::{id}\"")), "{id}: {out}");
            assert!(out.contains(&format!("fn {id} ()")), "{id}: {out}");
        }
        assert_eq!(out.matches("# [test]").count(), 4, "{out}");
        assert_eq!(
            out.matches("# [ignore]").count(),
            4,
            "each run is ignored: {out}"
        );
        assert!(out.contains("mod t {"), "{out}");
    }
}
