//! Every message the macros can emit, so tests assert against the same text.

pub(crate) const PARAM_PATTERN: &str = "a fixture parameter must be a plain name, the name of the \
    #[fixture] to inject: write `name: &Type` and destructure the value inside the body";
pub(crate) const PARAM_MUT_BINDING: &str =
    "a fixture parameter is a shared borrow and cannot be rebound: remove `mut`";
pub(crate) const SELF_PARAM: &str =
    "a fixture or container test cannot be a method: make it a free function outside the `impl`";
pub(crate) const GENERICS: &str = "fixtures and container tests cannot be generic: the harness \
    needs each fixture's concrete type; write one fixture per type";
pub(crate) const NO_RETURN: &str =
    "a #[fixture] must name the type it returns, e.g. `-> ContainerDefinition`";
pub(crate) const IMPL_RETURN: &str =
    "a #[fixture] cannot return `impl Trait`: name the type, so tests can borrow it as `&Type`";
pub(crate) const BAD_SCOPE: &str =
    "unknown scope: expected one of \"function\", \"module\", \"binary\", \"run\"";
pub(crate) const BAD_FLAVOR: &str =
    "unknown flavor: expected \"current_thread\" or \"multi_thread\"";
pub(crate) const WORKERS_NEED_MULTI: &str = "`worker_threads` needs `flavor = \"multi_thread\"`";
pub(crate) const FLAVOR_NEEDS_ASYNC: &str =
    "`flavor` only applies to `async fn` tests; a plain `fn` test runs on the test's thread";
pub(crate) const CLEAN_ON_FIXTURE: &str =
    "`#[clean]` belongs on a #[container_test] parameter, where it resets a shared fixture before the test";
pub(crate) const UNKNOWN_PARAM_ATTR: &str = "unknown parameter attribute: the harness's are \
    `#[context]` (the test's context, `&TestContext`), `#[from(fixture)]` and `#[clean]` (on a #[container_test] \
    parameter); lint attributes and doc comments are kept";
pub(crate) const CONTEXT_ARGS: &str =
    "`#[context]` takes no arguments: write `#[context] cx: &TestContext`";
pub(crate) const FROM_ARGS: &str =
    "`#[from]` names one fixture by its path: write `#[from(fixture_name)]` or `#[from(module::fixture_name)]`";
pub(crate) const FROM_AND_CONTEXT: &str = "a `#[context]` parameter receives the test's context, \
    not a fixture: remove `#[from(…)]`";
pub(crate) const CLEAN_AND_CONTEXT: &str = "a `#[context]` parameter is the test's context, not a \
    fixture value, so it cannot be `#[clean]`: remove one of the two";
pub(crate) const BAD_TIMEOUT: &str = "a timeout is a duration in whole units, such as \
    \"30s\", \"500ms\", \"2m\", \"1h\" or \"1m30s\"";
pub(crate) const ZERO_TIMEOUT: &str =
    "a timeout of zero ends every test at once: give a positive duration such as \"30s\"";
pub(crate) const AUTOUSE_VALUE: &str =
    "`autouse` is a flag and takes no value: write `#[fixture(autouse)]`";
pub(crate) const ZERO_WORKERS: &str =
    "a multi-thread runtime needs at least one worker: `worker_threads = 1` or more";
pub(crate) const DUPLICATE_TEST_ATTR: &str =
    "#[container_test] already makes this a test: remove this attribute";
pub(crate) const UNSAFE_FN: &str =
    "the harness calls this function, so it cannot be `unsafe`: remove `unsafe` and use an `unsafe { … }` block inside";

pub(crate) const CASES_WITHOUT_PARAMS: &str = "this test has cases but no `#[case]` parameter to \
    receive their values: mark each parameter a case fills, `#[case] name: Type`";
pub(crate) const CASE_PARAM_WITHOUT_CASES: &str = "a `#[case]` parameter takes its value from the \
    test's cases: add `#[case::id(value, …)]` to the test, one per case";
pub(crate) const CASE_ARGS: &str =
    "a case lists the values of the `#[case]` parameters, in order: write `#[case::id(value, …)]`";
pub(crate) const CASE_MARKER_ARGS: &str =
    "`#[case]` on a parameter takes no arguments: the values \
    go on the test, `#[case::id(value, …)]`";
pub(crate) const VALUES_ARGS: &str =
    "`#[values]` lists the values the parameter takes, at least one: write `#[values(a, b)]`";
pub(crate) const CASE_TWO_MARKERS: &str = "a parameter gets its values either from the cases \
    (`#[case]`) or from its own list (`#[values(…)]`): keep one";
pub(crate) const CASE_PARAM_ATTR: &str =
    "a `#[case]` or `#[values(…)]` parameter receives a value \
    of the test, not a fixture: remove this attribute";
pub(crate) const CASE_PARAM_PATTERN: &str =
    "a `#[case]` or `#[values(…)]` parameter must be a plain \
    name: write `name: Type` and destructure the value inside the body";
pub(crate) const CASE_ON_FIXTURE: &str =
    "`#[case]` and `#[values(…)]` belong on a #[container_test] \
    parameter: a fixture receives fixtures only";

/// Two cases with the same id.
pub(crate) fn duplicate_case(id: &str) -> String {
    format!(
        "two runs of this test are named `{id}`: give each case its own id, `#[case::other_id(…)]`"
    )
}

/// A case with the wrong number of values.
pub(crate) fn case_arity(given: usize, params: &[String]) -> String {
    let names: Vec<String> = params.iter().map(|n| format!("`{n}`")).collect();
    format!(
        "this case gives {given} value{}, but the test has {} `#[case]` parameter{} ({}): give one value per parameter, in order",
        if given == 1 { "" } else { "s" },
        params.len(),
        if params.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

/// A module- or binary-scoped fixture depending on a narrower one. Only the dependent's scope
/// is known when the macro runs; the check itself runs in the type checker.
pub(crate) fn scope_violation(fixture: &str, scope: &str, param: &str) -> String {
    format!(
        "fixture `{fixture}` has scope \"{scope}\", so its parameter `{param}` must name a fixture \
         of scope \"{scope}\" or wider (a shared value cannot depend on a shorter-lived one): \
         give `{param}` `#[fixture(scope = \"{scope}\")]`, or narrow the scope of `{fixture}`"
    )
}

/// An argument given twice.
pub(crate) fn duplicate_key(key: &str) -> String {
    format!("`{key}` is given twice: keep one")
}

/// A parameter taken by value.
pub(crate) fn param_not_ref(name: &str, ty: &str) -> String {
    format!(
        "the harness owns fixture values and lends them to each user: borrow it, `{name}: &{ty}`"
    )
}

/// A parameter taken by `&mut`.
pub(crate) fn param_mut_ref(name: &str, ty: &str) -> String {
    format!(
        "fixture values may be shared between fixtures and tests, so they are borrowed immutably: \
         write `{name}: &{ty}` (for mutable state, put a `Mutex` inside the value)"
    )
}

/// A type as the user would write it, for messages: `Vec<String>`, not `Vec < String >`.
pub(crate) fn type_text(ty: &syn::Type) -> String {
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
            let ty: syn::Type = syn::parse_str(src).expect("parses");
            assert_eq!(type_text(&ty), expected, "case {case}");
        }
    }
}
