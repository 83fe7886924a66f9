//! Every message the macros can emit, so tests assert against the same text.

pub(crate) const PARAM_NOT_REF: &str =
    "fixture parameters are borrowed from the harness: write `name: &Type`";
pub(crate) const PARAM_MUT_REF: &str =
    "fixture values are shared, so they are borrowed immutably: write `name: &Type`, not `&mut Type`";
pub(crate) const PARAM_PATTERN: &str =
    "a fixture parameter must be a plain name: the name of the #[fixture] to inject";
pub(crate) const SELF_PARAM: &str = "a fixture or container test cannot be a method";
pub(crate) const GENERICS: &str = "fixtures and container tests cannot be generic";
pub(crate) const NO_RETURN: &str =
    "a #[fixture] must name the type it returns, e.g. `-> ContainerDefinition`";
pub(crate) const IMPL_RETURN: &str =
    "a #[fixture] cannot return `impl Trait`: name the type, so tests can borrow it as `&Type`";
pub(crate) const BAD_SCOPE: &str =
    "unknown scope: expected one of \"function\", \"module\", \"binary\"";
pub(crate) const BAD_FLAVOR: &str =
    "unknown flavor: expected \"current_thread\" or \"multi_thread\"";
pub(crate) const WORKERS_NEED_MULTI: &str = "`worker_threads` needs `flavor = \"multi_thread\"`";
pub(crate) const FLAVOR_NEEDS_ASYNC: &str =
    "`flavor` only applies to `async fn` tests; a plain `fn` test runs on the test's thread";
pub(crate) const CLEAN_ON_FIXTURE: &str =
    "`#[clean]` belongs on a #[container_test] parameter, where it resets a shared fixture before the test";
pub(crate) const UNKNOWN_PARAM_ATTR: &str =
    "unknown parameter attribute: the only one is `#[clean]`";
pub(crate) const DUPLICATE_KEY: &str = "this argument is given twice";
pub(crate) const DUPLICATE_TEST_ATTR: &str =
    "#[container_test] already makes this a test: remove this attribute";
pub(crate) const ASYNC_TRAIT_TEST: &str = "a container test cannot be `const` or `unsafe`";

/// A module- or binary-scoped fixture depending on a narrower one.
pub(crate) fn scope_violation(fixture: &str, scope: &str, param: &str) -> String {
    format!(
        "fixture `{fixture}` has scope \"{scope}\", so its parameter `{param}` must name a fixture \
         of scope \"{scope}\" or wider (a shared value cannot depend on a per-test one)"
    )
}
