//! `#[fixture(autouse)]`: the fixture registers itself at link time with the module it is
//! declared in, and the harness sets it up for every test of that module (and its submodules),
//! or of the binary when its scope is wider than a module, before the test's own fixtures.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::crate_path;
use crate::model::Scope;

/// The link-time registration of autouse fixture `name`.
pub(super) fn registration(name: &Ident, scope: Scope) -> TokenStream {
    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let scope_variant = format_ident!("{}", scope.variant());
    quote! {
        #private::inventory::submit! {
            #private::AutouseEntry {
                module: ::core::module_path!(),
                scope: #private::Scope::#scope_variant,
                name: <#name as #private::Fixture>::NAME,
                set_up: #private::set_up_autouse::<#name>,
            }
        }
    }
}
