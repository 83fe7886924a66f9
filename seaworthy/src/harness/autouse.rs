//! `#[fixture(autouse)]`: fixtures set up for every test of their module, or of the binary,
//! without being named as a parameter.
//!
//! Each autouse fixture registers an [`AutouseEntry`] at link time with the module it is
//! declared in (`module_path!()`). Before a test's own fixtures, the runner sets up, in this
//! order, every registered entry that applies to the test: the run- and binary-scoped ones of
//! the whole binary, then the module- and function-scoped ones declared in the test's module or
//! an enclosing one, outermost module first (within one module, by name). Their values live in
//! their scope instances as any fixture's do, so a test that also names one gets the same value.

use futures_util::future::LocalBoxFuture;

use super::fixture::Scope;
use super::resolve::{Fixture, Resolver};
use crate::error::Result;

/// An autouse fixture, as `#[fixture(autouse)]` registers it.
#[derive(Debug)]
pub struct AutouseEntry {
    /// `module_path!()` where the fixture is declared.
    pub module: &'static str,
    /// Its scope: up to `Module`, it applies to its module's tests; wider, to every test of
    /// the binary.
    pub scope: Scope,
    /// The fixture's name.
    pub name: &'static str,
    /// Sets it up in a test's context ([`set_up_autouse`] of the fixture).
    pub set_up: fn(Resolver) -> LocalBoxFuture<'static, Result<()>>,
}

inventory::collect!(AutouseEntry);

/// Sets up fixture `F` (or finds it in its scope instance) for the test of `ctx`.
pub fn set_up_autouse<F: Fixture>(ctx: Resolver) -> LocalBoxFuture<'static, Result<()>> {
    Box::pin(async move { ctx.get::<F>().await.map(|_| ()) })
}

impl AutouseEntry {
    /// `true` when the entry applies to a test of `module`.
    fn applies_to(&self, module: &str) -> bool {
        if self.scope > Scope::Module {
            return true;
        }
        module == self.module
            || module
                .strip_prefix(self.module)
                .is_some_and(|rest| rest.starts_with("::"))
    }

    /// The order of set-up: widest scope first, then the outermost module, then by name.
    fn order(&self) -> (std::cmp::Reverse<Scope>, usize, &'static str) {
        let depth = self.module.matches("::").count();
        (std::cmp::Reverse(self.scope), depth, self.name)
    }
}

/// The autouse fixtures that apply to a test of `module`, in the order they are set up.
fn applying<'a>(
    entries: impl IntoIterator<Item = &'a AutouseEntry>,
    module: &str,
) -> Vec<&'a AutouseEntry> {
    let mut all: Vec<_> = entries
        .into_iter()
        .filter(|e| e.applies_to(module))
        .collect();
    all.sort_by_key(|e| e.order());
    all
}

/// Sets up every autouse fixture that applies to the test of `ctx` (whose module is
/// `module`), in order; the first failure stops and is the test's setup failure.
pub(crate) async fn set_up_all(ctx: &Resolver, module: &str) -> Result<()> {
    for entry in applying(inventory::iter::<AutouseEntry>, module) {
        (entry.set_up)(ctx.clone()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: Resolver) -> LocalBoxFuture<'static, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn entry(module: &'static str, scope: Scope, name: &'static str) -> AutouseEntry {
        AutouseEntry {
            module,
            scope,
            name,
            set_up: nothing,
        }
    }

    #[test]
    fn a_test_gets_its_module_s_and_its_ancestors_and_the_binary_s_widest_first() {
        let entries = [
            entry("t::a::b", Scope::Function, "inner_fn"),
            entry("t::a", Scope::Module, "outer_module"),
            entry("t::a", Scope::Function, "outer_fn"),
            entry("t::ab", Scope::Function, "sibling_with_a_prefix"),
            entry("t::other", Scope::Binary, "binary_elsewhere"),
            entry("t::other", Scope::Module, "module_elsewhere"),
            entry("t", Scope::Run, "run"),
            entry("t::a::b::c", Scope::Function, "below"),
        ];
        let names =
            |module| -> Vec<_> { applying(&entries, module).iter().map(|e| e.name).collect() };
        assert_eq!(
            names("t::a::b"),
            [
                "run",
                "binary_elsewhere",
                "outer_module",
                "outer_fn",
                "inner_fn"
            ]
        );
        assert_eq!(
            names("t::a"),
            ["run", "binary_elsewhere", "outer_module", "outer_fn"]
        );
        assert_eq!(
            names("t::ab"),
            ["run", "binary_elsewhere", "sibling_with_a_prefix"]
        );
    }
}
