//! `#[fixture(autouse)]`: a flag, no value.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::Token;

use crate::errors::Errors;
use crate::messages;

/// Reads the flag at `key` into `slot`; a value after it (`autouse = true`) or a second
/// `autouse` is recorded in `errors`.
pub(super) fn flag(
    input: ParseStream<'_>,
    key: Span,
    slot: &mut Option<Span>,
    errors: &mut Errors,
) -> syn::Result<()> {
    if input.peek(Token![=]) {
        let eq = input.parse::<Token![=]>()?;
        let value: syn::Expr = input.parse()?;
        errors.spanned(quote::quote!(#eq #value), messages::AUTOUSE_VALUE);
    }
    if slot.is_some() {
        errors.at(key, messages::duplicate_key("autouse"));
    } else {
        *slot = Some(key);
    }
    Ok(())
}
