//! Procedural macros for [`seaworthy`](https://docs.rs/seaworthy): `#[fixture]` and
//! `#[container_test]`. Depend on `seaworthy`, which re-exports and documents them.
//!
//! Each macro runs the same stages: parse the attribute and the function, validate them
//! (collecting every error, each at the tokens it is about), then render one call into
//! `seaworthy::__private`.

use proc_macro::TokenStream;

mod attrs;
mod crate_path;
mod errors;
mod messages;
mod params;
mod render;

/// See `seaworthy::fixture`.
#[proc_macro_attribute]
pub fn fixture(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(render::fixture::expand(attr.into(), item.into()))
}

/// See `seaworthy::container_test`.
#[proc_macro_attribute]
pub fn container_test(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(render::test::expand(attr.into(), item.into()))
}

fn expand(out: proc_macro2::TokenStream) -> TokenStream {
    if std::env::var_os("SEAWORTHY_MACROS_DEBUG").is_some() {
        eprintln!("{out}");
    }
    out.into()
}
