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
/// fixture is reported there. A `#[context]` parameter gets the context instead.
pub(super) fn get(p: &Param, var: &Ident) -> TokenStream {
    let dep = &p.name;
    if let Some(context) = p.context {
        // At `context`: a parameter type other than `&TestContext` is reported at the type.
        let ctx = Ident::new("__ctx", context);
        return quote_spanned! {context=>
            let #var = #ctx.context();
        };
    }
    let _ = dep;
    let (fixture, span) = (p.fixture(), p.fixture_span());
    quote_spanned! {span=>
        let #var = __ctx.get::<#fixture>().await?;
    }
}

/// `body`, in a scope where every parameter's name is a type, whatever the user's module has
/// under that name: the fixture's marker when there is one, otherwise a local struct that is no
/// `Fixture`. A name that is a plain `fn`, a `const`, a `static` or nothing at all is then
/// reported as "`x` is not a fixture in scope" at the parameter, not as a name-resolution error
/// ("expected type, found function") that says nothing of `#[fixture]`.
///
/// Two nested blocks: the outer declares the stand-ins, the inner glob-imports the enclosing
/// module. Names resolve per namespace, innermost scope first, so a type-namespace `x` of the
/// module (the marker `#[fixture]` declares, or a struct) shadows the stand-in, and a `fn x`,
/// which is only in the value namespace, does not.
pub(super) fn with_param_types(params: &[Param], body: TokenStream) -> TokenStream {
    let mut seen = std::collections::HashSet::new();
    let stand_ins = params
        .iter()
        .filter(|p| p.is_fixture() && p.from.is_none() && seen.insert(p.name.to_string()))
        .map(|p| {
            let name = &p.name;
            quote_spanned! {name.span()=>
                #[allow(dead_code, non_camel_case_types)]
                struct #name {}
            }
        });
    quote! {
        {
            #(#stand_ins)*
            {
                #[allow(unused_imports)]
                use self::*;
                #body
            }
        }
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
