//! Rendering the validated functions into calls into `seaworthy::__private`.

pub(crate) mod fixture;
pub(crate) mod test;

use proc_macro2::{Group, Span, TokenStream, TokenTree};

/// `tokens` with every span set to `span`, so that rustc reports an error about them at the
/// user's tokens that `span` belongs to.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut inner = Group::new(g.delimiter(), respan(g.stream(), span));
                inner.set_span(span);
                tt = TokenTree::Group(inner);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}
