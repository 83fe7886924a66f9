//! Token helpers both renderers share.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};

use crate::model::{fixture_name, Param};

/// `tokens` with every span set to `span`, so that rustc reports an error about them at the
/// user's tokens that `span` belongs to.
pub(super) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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

/// The variable holding a parameter's resolved `Arc<Node<V>>`.
pub(super) fn var(p: &Param) -> Ident {
    format_ident!("__seaworthy_{}", fixture_name(&p.name))
}

/// `let var = __ctx.get::<fixture>().await?;`, at the parameter's name: a name that is no
/// fixture is reported there.
pub(super) fn get(p: &Param, var: &Ident) -> TokenStream {
    let dep = &p.name;
    quote_spanned! {dep.span()=>
        let #var = __ctx.get::<#dep>().await?;
    }
}

/// `&V` from the resolved `Arc<Node<V>>`, typed as the parameter says: a fixture whose value
/// has another type is reported at the parameter's type, as expected `&Param` / found `&V`.
pub(super) fn borrow(p: &Param, var: &Ident) -> TokenStream {
    let ty = &p.ty;
    // The value expression carries the parameter's name (the fixture that gave the value), and
    // the expected type is the user's own tokens: rustc shows "expected due to this" under it.
    let value = respan(quote!(&**#var), p.name.span());
    quote! {
        {
            let __borrowed: #ty = #value;
            __borrowed
        }
    }
}
