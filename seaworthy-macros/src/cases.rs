//! Parametrized tests: the `#[case::id(…)]` attributes of a `#[container_test]` and its
//! `#[case]` / `#[values(…)]` parameters, checked against each other (each error at the user's
//! tokens) and turned into the runs the test expands to, one libtest test each.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{Expr, Ident, Pat, Type};

use crate::errors::Errors;
use crate::messages;
use crate::model::fixture_name;
use crate::parse::{self, CaseAttr, Function, Marker};

/// A parameter that receives a value of the running case, not a fixture.
pub(crate) struct CaseParam {
    /// Its place among the test function's parameters.
    pub(crate) position: usize,
    pub(crate) name: Ident,
    pub(crate) ty: Type,
}

/// One run of a parametrized test: one libtest test, `test_name::id`.
pub(crate) struct Run {
    pub(crate) id: String,
    /// One value per [`CaseParam`], in their order.
    pub(crate) values: Vec<Expr>,
}

/// A parametrized test's case parameters and every combination of their values.
pub(crate) struct Cases {
    pub(crate) params: Vec<CaseParam>,
    pub(crate) runs: Vec<Run>,
}

/// A parameter read, before the cases are matched to it.
struct Marked {
    param: CaseParam,
    /// `None` for `#[case]`; the list of `#[values(…)]`.
    values: Option<Vec<Expr>>,
    marker: proc_macro2::Span,
}

/// Takes the case attributes off the function and the marked parameters out of its parameter
/// list (the rest are fixtures, checked as usual). `None` when the test is not parametrized, or
/// when an error was recorded.
pub(crate) fn take(function: &mut Function, errors: &mut Errors) -> Option<Cases> {
    let attrs: Vec<CaseAttr> = parse::take_case_attrs(&mut function.item.attrs)
        .iter()
        .map(parse::case_attr)
        .collect();
    let mut marked = Vec::new();
    let mut failed = false;
    let mut position = 0;
    function.params.retain(|p| {
        let parse::Param::Typed(t) = p else {
            position += 1;
            return true;
        };
        let here = position;
        position += 1;
        if !t.attrs.iter().any(|a| parse::marker(a).is_some()) {
            return true;
        }
        match param(t, here, errors) {
            Some(m) => marked.push(m),
            None => failed = true,
        }
        false
    });
    if attrs.is_empty() && marked.is_empty() {
        return None;
    }
    // A parameter that failed would make every case look wrong: the cases wait for its fix.
    if failed {
        return None;
    }
    Some(Cases {
        runs: runs(&attrs, &marked, errors)?,
        params: marked.into_iter().map(|m| m.param).collect(),
    })
}

/// Checks one marked parameter: one marker, written right, on a plain name.
fn param(t: &parse::TypedParam, position: usize, errors: &mut Errors) -> Option<Marked> {
    let mut found: Option<(proc_macro2::Span, Option<Vec<Expr>>)> = None;
    let mut ok = true;
    for attr in &t.attrs {
        match parse::marker(attr) {
            Some((span, Some(marker))) if found.is_none() => {
                let values = match marker {
                    Marker::Case => None,
                    Marker::Values(v) => Some(v),
                };
                found = Some((span, values));
            }
            Some((_, Some(_))) => {
                errors.spanned(attr, messages::CASE_TWO_MARKERS);
                ok = false;
            }
            Some((_, None)) => {
                let message = if attr.path().is_ident("case") {
                    messages::CASE_MARKER_ARGS
                } else {
                    messages::VALUES_ARGS
                };
                errors.spanned(attr, message);
                ok = false;
            }
            None => {
                errors.spanned(attr, messages::CASE_PARAM_ATTR);
                ok = false;
            }
        }
    }
    let name = match &t.pat {
        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(pi.ident.clone()),
        other => {
            errors.spanned(other, messages::CASE_PARAM_PATTERN);
            None
        }
    };
    let (marker, values) = found?;
    let param = CaseParam {
        position,
        name: name?,
        ty: t.ty.clone(),
    };
    ok.then_some(Marked {
        param,
        values,
        marker,
    })
}

/// Every combination of the cases and the value lists, each with its id; `None` (errors
/// recorded) when the cases do not fit the parameters.
fn runs(attrs: &[CaseAttr], marked: &[Marked], errors: &mut Errors) -> Option<Vec<Run>> {
    let case_params: Vec<usize> = (0..marked.len())
        .filter(|&i| marked[i].values.is_none())
        .collect();
    let mut ok = true;
    if let (Some(first), true) = (attrs.first(), case_params.is_empty()) {
        errors.spanned(&first.attr, messages::CASES_WITHOUT_PARAMS);
        ok = false;
    }
    if attrs.is_empty() {
        for &i in &case_params {
            errors.at(marked[i].marker, messages::CASE_PARAM_WITHOUT_CASES);
            ok = false;
        }
    }
    // (id parts, a value per marked parameter), the cases first.
    let mut runs: Vec<(Vec<String>, Vec<Option<Expr>>)> = Vec::new();
    let mut ids = HashSet::new();
    for (n, case) in attrs.iter().enumerate() {
        let id = case
            .id
            .as_ref()
            .map_or_else(|| format!("case_{}", n + 1), fixture_name);
        if !ids.insert(id.clone()) {
            let at = case
                .id
                .as_ref()
                .map_or_else(|| case.attr.span(), Ident::span);
            errors.at(at, messages::duplicate_case(&id));
            ok = false;
        }
        let Some(args) = &case.args else {
            errors.spanned(&case.attr, messages::CASE_ARGS);
            ok = false;
            continue;
        };
        if args.len() != case_params.len() {
            if !case_params.is_empty() {
                let names: Vec<_> = case_params
                    .iter()
                    .map(|&i| fixture_name(&marked[i].param.name))
                    .collect();
                errors.spanned(&case.attr, messages::case_arity(args.len(), &names));
            }
            ok = false;
            continue;
        }
        let mut values = vec![None; marked.len()];
        for (&i, arg) in case_params.iter().zip(args) {
            values[i] = Some(arg.clone());
        }
        runs.push((vec![id], values));
    }
    if attrs.is_empty() {
        runs.push((Vec::new(), vec![None; marked.len()]));
    }
    for (i, m) in marked.iter().enumerate() {
        let Some(list) = &m.values else { continue };
        let ids = value_ids(&fixture_name(&m.param.name), list);
        runs = runs
            .into_iter()
            .flat_map(|(parts, values)| {
                list.iter().zip(&ids).map(move |(v, id)| {
                    let mut parts = parts.clone();
                    parts.push(id.clone());
                    let mut values = values.clone();
                    values[i] = Some(v.clone());
                    (parts, values)
                })
            })
            .collect();
    }
    ok.then(|| {
        runs.into_iter()
            .map(|(parts, values)| Run {
                id: parts.join("__"),
                values: values.into_iter().flatten().collect(),
            })
            .collect()
    })
}

/// `name_value` for each value of a `#[values(…)]` list, from the value's text; `name_1`,
/// `name_2`, … when two values give the same text.
fn value_ids(name: &str, values: &[Expr]) -> Vec<String> {
    let ids: Vec<String> = values
        .iter()
        .map(|v| match id_text(v) {
            Some(text) => format!("{name}_{text}"),
            None => String::new(),
        })
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    if unique.len() == ids.len() && ids.iter().all(|i| !i.is_empty()) {
        ids
    } else {
        (1..=values.len()).map(|n| format!("{name}_{n}")).collect()
    }
}

/// A value's text as a part of a test name: ASCII letters, digits and single `_`.
pub(crate) fn id_text(value: &Expr) -> Option<String> {
    let text = match value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s.value(),
        other => quote::ToTokens::to_token_stream(other).to_string(),
    };
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod should {
    use super::*;

    fn cases(item: &str) -> (Option<Cases>, Vec<(String, String)>) {
        let item: syn::ItemFn = syn::parse_str(item).expect("parses");
        let mut f = Function::new(item);
        let mut errors = Errors::default();
        let cases = take(&mut f, &mut errors);
        let errors = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e
                .into_iter()
                .map(|e| (e.to_string(), e.span().source_text().unwrap_or_default()))
                .collect(),
        };
        (cases, errors)
    }

    fn ids(item: &str) -> Vec<String> {
        let (cases, errors) = cases(item);
        assert_eq!(errors, Vec::<(String, String)>::new(), "{item}");
        let cases = cases.expect("parametrized");
        cases.runs.into_iter().map(|r| r.id).collect()
    }

    #[test]
    fn leave_plain_tests_alone() {
        let (cases, errors) = cases("fn t(web: &Web) {}");
        assert!(cases.is_none() && errors.is_empty());
    }

    #[test]
    fn name_each_run() {
        let table: [(&str, &str, &[&str]); 5] = [
            (
                "named_cases",
                "#[case::one(1)] #[case::two(2)] fn t(#[case] n: u8) {}",
                &["one", "two"],
            ),
            (
                "numbered_cases",
                "#[case(1)] #[case::b(2)] #[case(3)] fn t(#[case] n: u8) {}",
                &["case_1", "b", "case_3"],
            ),
            (
                "values_by_their_text",
                r#"fn t(#[values(1, 2)] n: u8, #[values("a b", "c")] s: &str) {}"#,
                &["n_1__s_a_b", "n_1__s_c", "n_2__s_a_b", "n_2__s_c"],
            ),
            (
                "cases_times_values",
                "#[case::x(1)] #[case::y(2)] fn t(#[case] n: u8, web: &Web, #[values(true, false)] b: bool) {}",
                &["x__b_true", "x__b_false", "y__b_true", "y__b_false"],
            ),
            (
                "values_by_number_when_their_texts_clash",
                r#"fn t(#[values("a-b", "a b")] s: &str) {}"#,
                &["s_1", "s_2"],
            ),
        ];
        for (case, item, want) in table {
            assert_eq!(ids(item), want, "case {case}");
        }
    }

    #[test]
    fn keep_fixtures_and_note_positions() {
        let item: syn::ItemFn =
            syn::parse_str("#[case(1)] fn t(web: &Web, #[case] n: u8, port: &u16) {}")
                .expect("parses");
        let mut f = Function::new(item);
        let mut errors = Errors::default();
        let cases = take(&mut f, &mut errors).expect("parametrized");
        assert_eq!(f.params.len(), 2, "the fixtures stay");
        assert_eq!(cases.params[0].position, 1);
        assert!(f.item.attrs.is_empty(), "the case attributes are taken off");
    }

    #[test]
    fn reject_cases_that_do_not_fit() {
        let arity = messages::case_arity(1, &["n".to_string(), "s".to_string()]);
        /// A case's name, the test, and the expected `(message, at)` pairs.
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let table: [Case<'_>; 7] = [
            (
                "arity",
                "#[case::a(1)] fn t(#[case] n: u8, #[case] s: &str) {}",
                &[(&arity, "#[case::a(1)]")],
            ),
            (
                "no_case_params",
                "#[case(1)] fn t(n: &u8) {}",
                &[(messages::CASES_WITHOUT_PARAMS, "#[case(1)]")],
            ),
            (
                "no_cases",
                "fn t(#[case] n: u8) {}",
                &[(messages::CASE_PARAM_WITHOUT_CASES, "#[case]")],
            ),
            (
                "duplicate_ids",
                "#[case::a(1)] #[case::a(2)] fn t(#[case] n: u8) {}",
                &[(&messages::duplicate_case("a"), "a")],
            ),
            (
                "empty_values",
                "fn t(#[values()] n: u8) {}",
                &[(messages::VALUES_ARGS, "#[values()]")],
            ),
            (
                "no_fixture_attributes",
                "fn t(#[values(1)] #[clean] n: u8) {}",
                &[(messages::CASE_PARAM_ATTR, "#[clean]")],
            ),
            (
                "plain_names",
                "#[case((1, 2))] fn t(#[case] (a, b): (u8, u8)) {}",
                &[(messages::CASE_PARAM_PATTERN, "(a, b)")],
            ),
        ];
        for (case, item, want) in table {
            let (_, errors) = cases(item);
            let want: Vec<_> = want
                .iter()
                .map(|(m, at)| (m.to_string(), at.to_string()))
                .collect();
            assert_eq!(errors, want, "case {case}");
        }
    }
}
