//! Procedural macros for [`seaworthy`](https://docs.rs/seaworthy): `#[fixture]` and
//! `#[container_test]`. Depend on `seaworthy`, which re-exports and documents them.

// Both attributes run the same stages, one module each:
// - `parse`: the arguments and the function, read into typed structs;
// - `validate`: every rule checked, each error at the user's tokens, all reported at once;
//   what passes becomes the `model`;
// - `render`: code generation from the model, calls into `seaworthy::__private`.

use proc_macro::TokenStream;
use quote::quote;

mod cases;
mod errors;
mod messages;
mod model;
mod parse;
mod render;
mod validate;

/// See `seaworthy::fixture`.
#[proc_macro_attribute]
pub fn fixture(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(attr, item, |input| match validate::fixture(input) {
        Ok(fixture) => render::fixture(&fixture),
        Err(invalid) => render::invalid_fixture(&invalid),
    })
}

/// See `seaworthy::container_test`.
#[proc_macro_attribute]
pub fn container_test(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(attr, item, |input| match validate::test(input) {
        Ok(test) => render::test(test),
        Err(invalid) => render::invalid_test(&invalid),
    })
}

/// Parses the arguments and the function, then hands them to `validate_and_render`.
fn expand<A: parse::Args>(
    attr: TokenStream,
    item: TokenStream,
    validate_and_render: impl FnOnce(parse::Input<A>) -> proc_macro2::TokenStream,
) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let out = match parse::input(attr.into(), item.clone()) {
        Ok(input) => validate_and_render(input),
        // Not a function: the error, and the item as it was.
        Err(errors) => {
            let errors = errors.to_compile_error();
            quote!(#errors #item)
        }
    };
    if std::env::var_os("SEAWORTHY_MACROS_DEBUG").is_some() {
        eprintln!("{out}");
    }
    out.into()
}
