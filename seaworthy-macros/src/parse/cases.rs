//! Reading the attributes of a parametrized `#[container_test]`: the `#[case::id(…)]` attributes
//! on the function, and the `#[case]` / `#[values(…)]` markers on its parameters. What they mean
//! together is checked in `crate::cases`.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Token};

/// One `#[case(…)]` or `#[case::id(…)]` on the test function.
pub(crate) struct CaseAttr {
    /// The whole attribute, for errors about it.
    pub(crate) attr: Attribute,
    /// `id` of `#[case::id(…)]`.
    pub(crate) id: Option<Ident>,
    /// The values, one per `#[case]` parameter; `None` when they could not be read.
    pub(crate) args: Option<Vec<Expr>>,
}

/// What a parameter's marker says it receives.
pub(crate) enum Marker {
    /// `#[case]`: the value of the running case.
    Case,
    /// `#[values(a, b)]`: each of these, in combination with the other lists and the cases.
    Values(Vec<Expr>),
}

/// `true` for `#[case]`, `#[case(…)]` and `#[case::id…]`.
pub(crate) fn is_case_attr(a: &Attribute) -> bool {
    a.path().segments.first().is_some_and(|s| s.ident == "case") && a.path().segments.len() <= 2
}

/// Takes the `#[case…]` attributes off the function's outer attributes, in order.
pub(crate) fn take_case_attrs(attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
    let (cases, kept) = attrs.drain(..).partition(is_case_attr);
    *attrs = kept;
    cases
}

/// Reads a `#[case…]` attribute of the function.
pub(crate) fn case_attr(attr: &Attribute) -> CaseAttr {
    let id = attr.path().segments.iter().nth(1).map(|s| s.ident.clone());
    let args = match &attr.meta {
        syn::Meta::Path(_) => Some(Vec::new()),
        syn::Meta::List(_) => attr
            .parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .ok()
            .map(|p| p.into_iter().collect()),
        syn::Meta::NameValue(_) => None,
    };
    CaseAttr {
        attr: attr.clone(),
        id,
        args,
    }
}

/// A parameter's `#[case]` or `#[values(…)]` marker, where it is, and whether it was written
/// right (`#[case]` takes nothing; `#[values]` takes a non-empty list of expressions).
pub(crate) fn marker(attr: &Attribute) -> Option<(Span, Option<Marker>)> {
    let path = attr.path();
    if path.is_ident("case") {
        let ok = attr.meta.require_path_only().is_ok();
        return Some((attr.span(), ok.then_some(Marker::Case)));
    }
    if path.is_ident("values") {
        let values = attr
            .parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .ok()
            .map(|p| p.into_iter().collect::<Vec<_>>())
            .filter(|v| !v.is_empty());
        return Some((attr.span(), values.map(Marker::Values)));
    }
    None
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::ToTokens;

    fn attr(src: &str) -> Attribute {
        let item: syn::ItemFn = syn::parse_str(&format!("{src} fn f() {{}}")).expect("parses");
        item.attrs.into_iter().next().expect("one attribute")
    }

    #[test]
    fn read_case_attributes() {
        let cases = [
            ("named", "#[case::one(1, \"a\")]", Some("one"), Some(2)),
            ("unnamed", "#[case(1)]", None, Some(1)),
            (
                "named_without_values",
                "#[case::empty]",
                Some("empty"),
                Some(0),
            ),
            ("unreadable", "#[case(1 +)]", None, None),
        ];
        for (case, src, id, args) in cases {
            let a = attr(src);
            assert!(is_case_attr(&a), "case {case}");
            let c = case_attr(&a);
            assert_eq!(c.id.map(|i| i.to_string()).as_deref(), id, "case {case}");
            assert_eq!(c.args.map(|a| a.len()), args, "case {case}");
        }
        assert!(!is_case_attr(&attr("#[test_case(1)]")));
        assert!(!is_case_attr(&attr("#[case::a::b(1)]")));
    }

    #[test]
    fn take_only_the_case_attributes() {
        let mut item: syn::ItemFn =
            syn::parse_str("#[ignore] #[case(1)] #[doc = \"x\"] #[case::b(2)] fn f() {}")
                .expect("parses");
        let taken = take_case_attrs(&mut item.attrs);
        assert_eq!(taken.len(), 2);
        let kept: Vec<_> = item
            .attrs
            .iter()
            .map(|a| a.to_token_stream().to_string())
            .collect();
        assert_eq!(kept, ["# [ignore]", "# [doc = \"x\"]"]);
    }

    #[test]
    fn read_parameter_markers() {
        let kind = |src: &str| match marker(&attr(src)) {
            None => "none",
            Some((_, None)) => "malformed",
            Some((_, Some(Marker::Case))) => "case",
            Some((_, Some(Marker::Values(v)))) if v.len() == 2 => "two values",
            Some((_, Some(Marker::Values(_)))) => "values",
        };
        assert_eq!(kind("#[case]"), "case");
        assert_eq!(kind("#[case(1)]"), "malformed");
        assert_eq!(kind("#[values(1, 2)]"), "two values");
        assert_eq!(kind("#[values()]"), "malformed");
        assert_eq!(kind("#[values]"), "malformed");
        assert_eq!(kind("#[clean]"), "none");
    }
}
