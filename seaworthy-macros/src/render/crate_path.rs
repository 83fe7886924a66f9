//! The path to the `seaworthy` crate as the user's crate sees it (it may be renamed).

use proc_macro2::{Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::quote;

pub(super) fn seaworthy() -> TokenStream {
    match crate_name("seaworthy") {
        Ok(FoundCrate::Name(name)) => {
            let ident = syn::Ident::new(&name, Span::call_site());
            quote!(::#ident)
        }
        // Inside seaworthy itself (its tests and doctests), `extern crate self as seaworthy`.
        Ok(FoundCrate::Itself) | Err(_) => quote!(::seaworthy),
    }
}
