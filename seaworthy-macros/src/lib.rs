//! Procedural macros for `seaworthy`. Depend on `seaworthy`, which re-exports and documents them.

use proc_macro::TokenStream;

/// See `seaworthy::fixture`.
#[proc_macro_attribute]
pub fn fixture(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// See `seaworthy::container_test`.
#[proc_macro_attribute]
pub fn container_test(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
