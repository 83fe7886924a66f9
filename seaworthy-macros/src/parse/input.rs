//! The prologue both attributes share: their arguments and the function they are on.

use proc_macro2::TokenStream;
use syn::ItemFn;

use super::attrs::{args, Args};
use super::function::Function;
use crate::errors::Errors;

/// An attribute's arguments and its function, parsed, with the errors found so far.
pub(crate) struct Input<A> {
    pub(crate) attrs: A,
    pub(crate) function: Function,
    /// The arguments' errors: validation adds its own, so every error shows in one build.
    pub(crate) errors: Errors,
}

/// Parses the arguments `attr` (into their defaults when they are malformed: the function is
/// still checked) and the function `item`. Fails only when `item` is not a function.
pub(crate) fn input<A: Args>(attr: TokenStream, item: TokenStream) -> Result<Input<A>, syn::Error> {
    let mut errors = Errors::default();
    let attrs = args(attr, &mut errors);
    match syn::parse2::<ItemFn>(item) {
        Ok(item) => Ok(Input {
            attrs,
            function: Function::new(item),
            errors,
        }),
        Err(e) => Err(errors.ending_with(e)),
    }
}
