//! Checking a parsed attribute and its function against the rules of `#[fixture]` and
//! `#[container_test]`. Every check runs and each failure is a compile error at the tokens it
//! is about, all reported in one build. What passes becomes the model that `render` reads.

use syn::spanned::Spanned;
use syn::{Attribute, Pat, ReturnType, Signature, Type};

use crate::errors::Errors;
use crate::messages;
use crate::model::{fixture_name, Fixture, InvalidFixture, InvalidTest, Param, Runtime, Test};
use crate::parse::{self, Arg, FixtureAttrs, Flavor, Function, Input, TestAttrs, TypedParam};

/// Workers of a `flavor = "multi_thread"` test that does not say how many.
const DEFAULT_WORKERS: usize = 2;

/// Checks a `#[fixture]`.
pub(crate) fn fixture(input: Input<FixtureAttrs>) -> Result<Fixture, Box<InvalidFixture>> {
    let Input {
        attrs,
        function,
        mut errors,
    } = input;
    let autouse = attrs.autouse.is_some();
    let scope = attrs.scope.and_then(|a| a.value).unwrap_or_default();
    let params = signature(&function, Owner::Fixture, &mut errors);
    let item = function.item;
    match value_type(&item.sig) {
        Err(e) => Err(Box::new(InvalidFixture {
            errors: errors.ending_with(e),
            item,
            marker: None,
        })),
        Ok((value_ty, fallible)) => match errors.finish() {
            Ok(()) => Ok(Fixture {
                item,
                scope,
                params,
                value_ty,
                fallible,
                autouse,
            }),
            Err(errors) => {
                // A struct cannot be declared inside an `impl`: no marker for a method.
                let marker = item.sig.receiver().is_none().then_some((scope, value_ty));
                Err(Box::new(InvalidFixture {
                    errors,
                    item,
                    marker,
                }))
            }
        },
    }
}

/// Checks a `#[container_test]`. Errors come in source order: arguments, outer attributes,
/// signature.
pub(crate) fn test(input: Input<TestAttrs>) -> Result<Test, InvalidTest> {
    let Input {
        attrs,
        mut function,
        mut errors,
    } = input;
    let runtime = runtime(&attrs, function.item.sig.asyncness.is_some(), &mut errors);
    let cases = crate::cases::take(&mut function, &mut errors);
    let timeout_ms = attrs.timeout.and_then(|a| a.value);
    for a in function.item.attrs.iter().filter(|a| is_test_attr(a)) {
        errors.spanned(a, messages::DUPLICATE_TEST_ATTR);
    }
    let params = signature(&function, Owner::Test, &mut errors);
    let item = function.item;
    match errors.finish() {
        Ok(()) => Ok(Test {
            item,
            runtime,
            params,
            cases,
            timeout_ms,
        }),
        Err(errors) => Err(InvalidTest {
            errors,
            name: item.sig.ident,
        }),
    }
}

/// Which attribute a function carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Fixture,
    Test,
}

/// The test's runtime, from its arguments and whether it is `async`.
fn runtime(attrs: &TestAttrs, is_async: bool, errors: &mut Errors) -> Runtime {
    let flavor = attrs.flavor.as_ref();
    let workers = attrs.worker_threads.as_ref();
    if let Some(Arg {
        value_span,
        value: Some(0),
        ..
    }) = workers
    {
        errors.at(*value_span, messages::ZERO_WORKERS);
    }
    let multi = flavor.and_then(Arg::value) == Some(&Flavor::MultiThread);
    // A bad flavor value is reported already; asking for "multi_thread" again is noise.
    let bad_flavor = flavor.is_some_and(|f| f.value.is_none());
    if let Some(w) = workers {
        if w.value.is_some_and(|n| n > 0) && !multi && !bad_flavor {
            errors.at(w.key, messages::WORKERS_NEED_MULTI);
        }
    }
    if let Some(f) = flavor {
        if f.value.is_some() && !is_async {
            errors.at(f.key, messages::FLAVOR_NEEDS_ASYNC);
        }
    }
    match (is_async, multi) {
        (false, _) => Runtime::Blocking,
        (true, false) => Runtime::CurrentThread,
        (true, true) => Runtime::MultiThread(
            workers
                .and_then(Arg::value)
                .copied()
                .unwrap_or(DEFAULT_WORKERS),
        ),
    }
}

/// `#[test]`, `#[tokio::test]`, `#[rstest]`, `#[test_case(...)]`, `#[test_log::test]`, …
fn is_test_attr(a: &Attribute) -> bool {
    let last = a.path().segments.last().map(|s| s.ident.to_string());
    matches!(last.as_deref(), Some("test" | "rstest" | "test_case"))
}

/// Checks the signature; returns the parameters that are usable.
fn signature(function: &Function, owner: Owner, errors: &mut Errors) -> Vec<Param> {
    let sig = &function.item.sig;
    if !sig.generics.params.is_empty() {
        errors.spanned(&sig.generics, messages::GENERICS);
    } else if let Some(w) = &sig.generics.where_clause {
        errors.spanned(w, messages::GENERICS);
    }
    if let Some(u) = sig.unsafety {
        errors.at(u.span(), messages::UNSAFE_FN);
    }
    let mut params = Vec::new();
    for p in &function.params {
        match p {
            parse::Param::Receiver(r) => errors.spanned(r, messages::SELF_PARAM),
            parse::Param::Typed(t) => params.extend(param(t, owner, errors)),
        }
    }
    params
}

/// Checks one `pattern: Type` parameter; it is usable as `name: &Type`.
fn param(t: &TypedParam, owner: Owner, errors: &mut Errors) -> Option<Param> {
    let mut clean = None;
    let mut context = None;
    let mut from: Option<syn::Path> = None;
    for attr in &t.attrs {
        let path = attr.path();
        if path.is_ident("from") {
            match attr.parse_args::<syn::Path>() {
                Ok(_) if from.is_some() => {
                    errors.spanned(attr, messages::duplicate_key("#[from]"));
                }
                Ok(p) => from = Some(p),
                Err(_) => errors.spanned(attr, messages::FROM_ARGS),
            }
            continue;
        }
        if path.is_ident("context") {
            if attr.meta.require_path_only().is_err() {
                errors.spanned(attr, messages::CONTEXT_ARGS);
            } else if context.is_some() {
                errors.spanned(attr, messages::duplicate_key("#[context]"));
            }
            context = Some(path.span());
            continue;
        }
        match (path.is_ident("clean"), owner) {
            (true, Owner::Test) => clean = Some(path.span()),
            (true, Owner::Fixture) => errors.spanned(attr, messages::CLEAN_ON_FIXTURE),
            (false, Owner::Fixture) if parse::marker(attr).is_some() => {
                errors.spanned(attr, messages::CASE_ON_FIXTURE);
            }
            (false, _) => errors.spanned(attr, messages::UNKNOWN_PARAM_ATTR),
        }
    }
    if let (Some(_), Some(c)) = (clean, context) {
        errors.at(c, messages::CLEAN_AND_CONTEXT);
    }
    if let (Some(f), Some(_)) = (&from, context) {
        errors.spanned(f, messages::FROM_AND_CONTEXT);
    }
    let name = match &t.pat {
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
    // In messages: the name to write, or a placeholder for a pattern.
    let shown = || name.as_ref().map_or_else(|| "name".into(), fixture_name);
    let ty_ok = match &t.ty {
        Type::Reference(r) if r.mutability.is_some() => {
            let text = messages::type_text(&r.elem);
            errors.spanned(r, messages::param_mut_ref(&shown(), &text));
            false
        }
        Type::Reference(_) => true,
        other => {
            let text = messages::type_text(other);
            errors.spanned(other, messages::param_not_ref(&shown(), &text));
            false
        }
    };
    match (name, ty_ok) {
        (Some(name), true) => Some(Param {
            name,
            ty: t.ty.clone(),
            clean,
            context,
            from,
        }),
        _ => None,
    }
}

/// A fixture's value type, and whether the function is fallible: the type it returns, or the
/// `T` of a `Result<T, …>` (any path ending in `Result`, so `io::Result<T>` and
/// `seaworthy::Result<T>` too).
fn value_type(sig: &Signature) -> syn::Result<(Type, bool)> {
    match &sig.output {
        ReturnType::Default => Err(syn::Error::new(sig.ident.span(), messages::NO_RETURN)),
        ReturnType::Type(_, ty) => match &**ty {
            Type::ImplTrait(it) => Err(syn::Error::new_spanned(it, messages::IMPL_RETURN)),
            ty => Ok(match result_ok_type(ty) {
                Some(ok) => (ok, true),
                None => (ty.clone(), false),
            }),
        },
    }
}

/// `T` when `ty` is written `…Result<T, …>`.
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod should {
    use super::*;
    use crate::model::Scope;
    use quote::ToTokens;

    fn input<A: parse::Args>(attr: &str, item: &str) -> Input<A> {
        let attr = attr.parse().unwrap_or_else(|e| panic!("`{attr}`: {e}"));
        let tokens = item.parse().unwrap_or_else(|e| panic!("`{item}`: {e}"));
        parse::input(attr, tokens).unwrap_or_else(|e| panic!("`{item}`: {e}"))
    }

    /// Each error as its message and the source text it points at.
    fn located(errors: syn::Error) -> Vec<(String, String)> {
        errors
            .into_iter()
            .map(|e| {
                let at = e.span().source_text().unwrap_or_default();
                (e.to_string(), at)
            })
            .collect()
    }

    fn fixture_errors(attr: &str, item: &str) -> Vec<(String, String)> {
        match fixture(input(attr, item)) {
            Ok(_) => Vec::new(),
            Err(invalid) => located(invalid.errors),
        }
    }

    fn test_errors(attr: &str, item: &str) -> Vec<(String, String)> {
        match test(input(attr, item)) {
            Ok(_) => Vec::new(),
            Err(invalid) => located(invalid.errors),
        }
    }

    /// `(message, source text it points at)` pairs, owned.
    fn expected(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(m, at)| (m.to_string(), at.to_string()))
            .collect()
    }

    /// A case's name, the arguments, the function, and the expected `(message, at)` pairs.
    type ErrorCase<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

    #[test]
    fn reject_bad_fixtures() {
        let not_ref = messages::param_not_ref("port", "u16");
        let mut_ref = messages::param_mut_ref("names", "Vec<String>");
        let pattern_not_ref = messages::param_not_ref("name", "(u16, u16)");
        let cases: &[ErrorCase<'_>] = &[
            (
                "want_a_borrow",
                "",
                "fn f(port: u16) -> u16 { 0 }",
                &[(&not_ref, "u16")],
            ),
            (
                "want_a_shared_borrow",
                "",
                "fn f(names: &mut Vec<String>) -> u16 { 0 }",
                &[(&mut_ref, "&mut Vec<String>")],
            ),
            (
                "want_a_plain_name",
                "",
                "fn f((a, b): &(u16, u16)) -> u16 { a + b }",
                &[(messages::PARAM_PATTERN, "(a, b)")],
            ),
            (
                "report_a_pattern_and_its_type",
                "",
                "fn f((a, b): (u16, u16)) -> u16 { a + b }",
                &[
                    (messages::PARAM_PATTERN, "(a, b)"),
                    (&pattern_not_ref, "(u16, u16)"),
                ],
            ),
            (
                "refuse_methods",
                "",
                "fn f(&self) -> u16 { 0 }",
                &[(messages::SELF_PARAM, "&self")],
            ),
            (
                "refuse_generics",
                "",
                "fn f<T: Default>() -> T { T::default() }",
                &[(messages::GENERICS, "<T: Default>")],
            ),
            (
                "refuse_unsafe",
                "",
                "unsafe fn f() -> u16 { 0 }",
                &[(messages::UNSAFE_FN, "unsafe")],
            ),
            (
                "want_a_return_type",
                "",
                "fn port() {}",
                &[(messages::NO_RETURN, "port")],
            ),
            (
                "refuse_impl_trait",
                "",
                "fn f() -> impl Display { 0 }",
                &[(messages::IMPL_RETURN, "impl Display")],
            ),
            (
                "keep_clean_for_tests",
                "",
                "fn f(#[clean] db: &Db) -> u16 { 0 }",
                &[(messages::CLEAN_ON_FIXTURE, "#[clean]")],
            ),
            (
                "refuse_unknown_parameter_attributes",
                "",
                "fn f(#[fresh] db: &Db) -> u16 { 0 }",
                &[(messages::UNKNOWN_PARAM_ATTR, "#[fresh]")],
            ),
            (
                "report_arguments_with_the_function",
                r#"scope = "session""#,
                "fn f(port: u16) -> u16 { 0 }",
                &[(messages::BAD_SCOPE, r#""session""#), (&not_ref, "u16")],
            ),
            (
                "report_every_problem_in_order",
                "",
                "fn f<T>(&self, port: u16, #[fresh] names: &mut Vec<String>) {}",
                &[
                    (messages::GENERICS, "<T>"),
                    (messages::SELF_PARAM, "&self"),
                    (&not_ref, "u16"),
                    (messages::UNKNOWN_PARAM_ATTR, "#[fresh]"),
                    (&mut_ref, "&mut Vec<String>"),
                    (messages::NO_RETURN, "f"),
                ],
            ),
        ];
        for (case, attr, item, want) in cases {
            assert_eq!(fixture_errors(attr, item), expected(want), "case {case}");
        }
    }

    #[test]
    fn reject_bad_tests() {
        let not_ref = messages::param_not_ref("port", "u16");
        let cases: &[ErrorCase<'_>] = &[
            (
                "refuse_ref_bindings",
                "",
                "fn t(ref a: &u16) {}",
                &[(messages::PARAM_PATTERN, "ref a")],
            ),
            (
                "refuse_mut_bindings",
                "",
                "fn t(mut a: &u16) {}",
                &[(messages::PARAM_MUT_BINDING, "mut")],
            ),
            (
                "refuse_where_clauses",
                "",
                "fn t() where u8: Copy {}",
                &[(messages::GENERICS, "where u8: Copy")],
            ),
            (
                "refuse_a_second_test_attribute",
                "",
                "#[tokio::test] async fn t() {}",
                &[(messages::DUPLICATE_TEST_ATTR, "#[tokio::test]")],
            ),
            (
                "refuse_test_case",
                "",
                "#[test_case(1)] fn t() {}",
                &[(messages::DUPLICATE_TEST_ATTR, "#[test_case(1)]")],
            ),
            (
                "want_async_for_a_flavor",
                r#"flavor = "multi_thread""#,
                "fn t() {}",
                &[(messages::FLAVOR_NEEDS_ASYNC, "flavor")],
            ),
            (
                "want_multi_thread_for_workers",
                "worker_threads = 2",
                "async fn t() {}",
                &[(messages::WORKERS_NEED_MULTI, "worker_threads")],
            ),
            (
                "refuse_workers_on_current_thread",
                r#"flavor = "current_thread", worker_threads = 2"#,
                "async fn t() {}",
                &[(messages::WORKERS_NEED_MULTI, "worker_threads")],
            ),
            (
                "refuse_zero_workers",
                r#"flavor = "multi_thread", worker_threads = 0"#,
                "async fn t() {}",
                &[(messages::ZERO_WORKERS, "0")],
            ),
            (
                "stay_quiet_about_workers_after_a_bad_flavor",
                r#"flavor = "multi", worker_threads = 2"#,
                "async fn t() {}",
                &[(messages::BAD_FLAVOR, r#""multi""#)],
            ),
            (
                "report_every_problem_in_order",
                r#"flavor = "multi", worker_threads = 0"#,
                "#[test] fn t(port: u16, #[clean] #[fresh] db: &Db) {}",
                &[
                    (messages::BAD_FLAVOR, r#""multi""#),
                    (messages::ZERO_WORKERS, "0"),
                    (messages::DUPLICATE_TEST_ATTR, "#[test]"),
                    (&not_ref, "u16"),
                    (messages::UNKNOWN_PARAM_ATTR, "#[fresh]"),
                ],
            ),
        ];
        for (case, attr, item, want) in cases {
            assert_eq!(test_errors(attr, item), expected(want), "case {case}");
        }
    }

    #[test]
    fn read_context_parameters_and_reject_their_misuse() {
        let t = test(input("", "fn t(web: &Web, #[context] cx: &TestContext) {}"))
            .unwrap_or_else(|_| panic!("valid"));
        let kinds: Vec<_> = t
            .params
            .iter()
            .map(|p| (p.name.to_string(), p.is_fixture()))
            .collect();
        assert_eq!(
            kinds,
            [("web".to_string(), true), ("cx".to_string(), false)]
        );
        let f = fixture(input("", "fn f(#[context] cx: &TestContext) -> u8 { 0 }"))
            .unwrap_or_else(|_| panic!("valid"));
        assert!(f.params[0].context.is_some());
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let cases: [Case<'_>; 3] = [
            (
                "take_no_arguments",
                "fn t(#[context(test)] cx: &TestContext) {}",
                &[(messages::CONTEXT_ARGS, "#[context(test)]")],
            ),
            (
                "not_clean",
                "fn t(#[clean] #[context] cx: &TestContext) {}",
                &[(messages::CLEAN_AND_CONTEXT, "context")],
            ),
            (
                "borrowed_like_a_fixture",
                "fn t(#[context] cx: TestContext) {}",
                &[(&messages::param_not_ref("cx", "TestContext"), "TestContext")],
            ),
        ];
        for (case, item, want) in cases {
            assert_eq!(test_errors("", item), expected(want), "case {case}");
        }
    }

    #[test]
    fn read_from_paths_and_reject_their_misuse() {
        let t = test(input("", "fn t(#[from(db::port)] a: &u16, port: &u16) {}"))
            .unwrap_or_else(|_| panic!("valid"));
        let named: Vec<_> = t.params.iter().map(|p| p.fixture_name()).collect();
        assert_eq!(named, ["port", "port"]);
        assert_eq!(t.params[0].fixture().to_string(), "db :: port");
        let cases: [(&str, &str, &str, &str); 3] = [
            (
                "want_a_path",
                "fn t(#[from] a: &u16) {}",
                messages::FROM_ARGS,
                "#[from]",
            ),
            (
                "one_path",
                "fn t(#[from(a, b)] a: &u16) {}",
                messages::FROM_ARGS,
                "#[from(a, b)]",
            ),
            (
                "not_with_context",
                "fn t(#[from(a)] #[context] cx: &TestContext) {}",
                messages::FROM_AND_CONTEXT,
                "a",
            ),
        ];
        for (case, item, message, at) in cases {
            assert_eq!(
                test_errors("", item),
                expected(&[(message, at)]),
                "case {case}"
            );
        }
    }

    /// A case's name, the function, and the expected `(name, #[clean])` pairs.
    type ParamCase = (&'static str, &'static str, &'static [(&'static str, bool)]);

    fn names(params: &[Param]) -> Vec<(String, bool)> {
        params
            .iter()
            .map(|p| (p.name.to_string(), p.clean.is_some()))
            .collect()
    }

    fn owned(pairs: &[(&str, bool)]) -> Vec<(String, bool)> {
        pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn read_test_parameters() {
        let cases: &[ParamCase] = &[
            ("read_none", "fn t() {}", &[]),
            (
                "read_names_in_order",
                "fn t(web: &ContainerDefinition, port: &u16) {}",
                &[("web", false), ("port", false)],
            ),
            (
                "read_clean",
                "fn t(#[clean] db: &ContainerDefinition, url: &String) {}",
                &[("db", true), ("url", false)],
            ),
            (
                "keep_lint_and_doc_attributes",
                "fn t(#[allow(unused)] #[doc = \"x\"] port: &u16) {}",
                &[("port", false)],
            ),
        ];
        for (case, item, want) in cases {
            let t = test(input("", item)).unwrap_or_else(|e| panic!("case {case}: {}", e.errors));
            assert_eq!(names(&t.params), owned(want), "case {case}");
        }
    }

    #[test]
    fn read_fixture_parameters() {
        let cases: &[ParamCase] = &[
            (
                "keep_raw_identifiers",
                "fn f(r#type: &String) -> String { r#type.clone() }",
                &[("r#type", false)],
            ),
            (
                "read_lifetime_elided_types",
                "async fn f(cfg: &Config<'_>) -> u16 { 0 }",
                &[("cfg", false)],
            ),
        ];
        for (case, item, want) in cases {
            let f =
                fixture(input("", item)).unwrap_or_else(|e| panic!("case {case}: {}", e.errors));
            assert_eq!(names(&f.params), owned(want), "case {case}");
        }
    }

    #[test]
    fn read_fixture_scope_and_value_type() {
        let cases = [
            ("default_to_function", "", Scope::Function),
            ("read_module", r#"scope = "module""#, Scope::Module),
            ("read_binary", r#"scope = "binary""#, Scope::Binary),
            ("read_run", r#"scope = "run""#, Scope::Run),
        ];
        for (case, attr, scope) in cases {
            let f = fixture(input(attr, "fn f() -> Vec<u8> { Vec::new() }"))
                .unwrap_or_else(|e| panic!("case {case}: {}", e.errors));
            assert_eq!(f.scope, scope, "case {case}");
            assert_eq!(messages::type_text(&f.value_ty), "Vec<u8>", "case {case}");
            assert!(!f.fallible, "case {case}");
        }
    }

    #[test]
    fn read_the_value_type_of_a_fallible_fixture() {
        let cases = [
            (
                "std",
                "fn f() -> Result<Vec<u8>, String> { todo!() }",
                "Vec<u8>",
            ),
            ("io", "fn f() -> std::io::Result<u16> { todo!() }", "u16"),
            (
                "seaworthy",
                "fn f() -> seaworthy::Result<Db> { todo!() }",
                "Db",
            ),
        ];
        for (case, item, want) in cases {
            let f =
                fixture(input("", item)).unwrap_or_else(|e| panic!("case {case}: {}", e.errors));
            assert!(f.fallible, "case {case}");
            assert_eq!(messages::type_text(&f.value_ty), want, "case {case}");
        }
    }

    #[test]
    fn declare_a_marker_when_the_value_type_is_known() {
        let cases = [
            (
                "for_bad_parameters",
                "fn f(port: u16) -> u16 { 0 }",
                Some("u16"),
            ),
            ("not_without_a_type", "fn f(port: u16) {}", None),
            ("not_for_impl_trait", "fn f() -> impl Display { 0 }", None),
            ("not_in_an_impl", "fn f(&self) -> u16 { 0 }", None),
        ];
        for (case, item, want) in cases {
            let Err(invalid) = fixture(input(r#"scope = "module""#, item)) else {
                panic!("case {case}: `{item}` passed");
            };
            let marker = invalid.marker.map(|(scope, ty)| {
                assert_eq!(scope, Scope::Module, "case {case}");
                messages::type_text(&ty)
            });
            assert_eq!(marker.as_deref(), want, "case {case}");
        }
    }

    #[test]
    fn choose_the_runtime() {
        let cases = [
            ("block_for_a_plain_fn", "", "fn t() {}", Runtime::Blocking),
            (
                "default_to_current_thread",
                "",
                "async fn t() {}",
                Runtime::CurrentThread,
            ),
            (
                "read_current_thread",
                r#"flavor = "current_thread""#,
                "async fn t() {}",
                Runtime::CurrentThread,
            ),
            (
                "default_to_two_workers",
                r#"flavor = "multi_thread""#,
                "async fn t() {}",
                Runtime::MultiThread(2),
            ),
            (
                "read_workers",
                r#"worker_threads = 3, flavor = "multi_thread""#,
                "async fn t() {}",
                Runtime::MultiThread(3),
            ),
        ];
        for (case, attr, item, want) in cases {
            let t = test(input(attr, item)).unwrap_or_else(|e| panic!("case {case}: {}", e.errors));
            assert_eq!(t.runtime, want, "case {case}");
        }
    }

    #[test]
    fn keep_the_name_of_a_bad_test() {
        let Err(invalid) = test(input("", "fn adds(port: u16) {}")) else {
            panic!("a by-value parameter passed");
        };
        assert_eq!(invalid.name.to_token_stream().to_string(), "adds");
    }
}
