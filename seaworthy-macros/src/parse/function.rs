//! Reading the annotated function: its parameters as written, with the harness's own parameter
//! attributes taken off (they are no real attributes, so the function is emitted without them).

use syn::{Attribute, FnArg, ItemFn, Pat, Receiver, Type};

/// The annotated function.
pub(crate) struct Function {
    /// The function as it will be emitted: as written, minus the harness's parameter attributes.
    pub(crate) item: ItemFn,
    /// Its parameters, in order.
    pub(crate) params: Vec<Param>,
}

/// One parameter, as written.
pub(crate) enum Param {
    /// `self`, `&self`, …
    Receiver(Receiver),
    /// `pattern: Type`.
    Typed(Box<TypedParam>),
}

/// `pattern: Type`, with the attributes the harness took off it.
pub(crate) struct TypedParam {
    pub(crate) pat: Pat,
    pub(crate) ty: Type,
    /// The attributes that are the harness's to judge (`#[clean]`, or a misspelling of it), in
    /// order. Lint attributes and doc comments stay on the parameter.
    pub(crate) attrs: Vec<Attribute>,
}

/// Attributes rustc understands on a parameter, left on it.
const RUSTC_PARAM_ATTRS: [&str; 5] = ["doc", "allow", "expect", "warn", "deny"];

impl Function {
    pub(crate) fn new(mut item: ItemFn) -> Function {
        let params = item
            .sig
            .inputs
            .iter_mut()
            .map(|arg| match arg {
                FnArg::Receiver(r) => Param::Receiver(r.clone()),
                FnArg::Typed(pt) => {
                    let (kept, taken) = pt.attrs.drain(..).partition(|a| {
                        RUSTC_PARAM_ATTRS.iter().any(|name| a.path().is_ident(name))
                    });
                    pt.attrs = kept;
                    Param::Typed(Box::new(TypedParam {
                        pat: (*pt.pat).clone(),
                        ty: (*pt.ty).clone(),
                        attrs: taken,
                    }))
                }
            })
            .collect();
        Function { item, params }
    }
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn take_the_harness_attributes_off() {
        let item: ItemFn = syn::parse_str(
            "fn t(#[clean] #[allow(unused)] db: &Db, #[fresh] #[doc = \"x\"] n: &u8) {}",
        )
        .expect("parses");
        let f = Function::new(item);
        let emitted = f.item.sig.to_token_stream().to_string();
        assert_eq!(
            emitted,
            "fn t (# [allow (unused)] db : & Db , # [doc = \"x\"] n : & u8)"
        );
        let taken: Vec<_> = f
            .params
            .iter()
            .map(|p| match p {
                Param::Typed(t) => t
                    .attrs
                    .iter()
                    .map(|a| a.to_token_stream().to_string())
                    .collect::<Vec<_>>(),
                Param::Receiver(_) => panic!("no receiver here"),
            })
            .collect();
        assert_eq!(taken, [["# [clean]"], ["# [fresh]"]]);
    }

    #[test]
    fn keep_receivers_in_order() {
        let item: ItemFn = syn::parse_str("fn f(&self, a: &u8) -> u8 { 0 }").expect("parses");
        let kinds: Vec<_> = Function::new(item)
            .params
            .iter()
            .map(|p| matches!(p, Param::Receiver(_)))
            .collect();
        assert_eq!(kinds, [true, false]);
    }
}
