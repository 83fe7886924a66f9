//! `#[fixture]`: keeps the function and adds a same-named marker type implementing
//! `seaworthy::__private::Fixture`, so `use path::name;` imports both.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

use crate::attrs::{FixtureAttrs, Scope};
use crate::params::{self, Errors};
use crate::{crate_path, messages};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attrs = syn::parse2::<FixtureAttrs>(attr);
    let func = syn::parse2::<ItemFn>(item.clone());
    let (attrs, mut func) = match (attrs, func) {
        (Ok(a), Ok(f)) => (a, f),
        (a, f) => {
            let mut errors = Errors::default();
            for e in [a.err(), f.err()].into_iter().flatten() {
                errors.push(e);
            }
            let err = errors.finish().err().map(|e| e.to_compile_error());
            return quote!(#err #item);
        }
    };
    match render(&attrs, &mut func) {
        Ok(ts) => ts,
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #func)
        }
    }
}

fn render(attrs: &FixtureAttrs, func: &mut ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let params = params::read(&mut func.sig, false, &mut errors);
    let value_ty = match &func.sig.output {
        ReturnType::Default => {
            errors.at(func.sig.ident.span(), messages::NO_RETURN);
            None
        }
        ReturnType::Type(_, ty) => match &**ty {
            Type::ImplTrait(it) => {
                errors.at(it.span(), messages::IMPL_RETURN);
                None
            }
            ty => Some(ty.clone()),
        },
    };
    if let Some(c) = func.sig.constness {
        errors.at(c.span(), messages::ASYNC_TRAIT_TEST);
    }
    errors.finish()?;
    let value_ty = value_ty.ok_or_else(|| syn::Error::new(func.sig.span(), messages::NO_RETURN))?;

    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let vis = &func.vis;
    let name = &func.sig.ident;
    let name_str = params::name_str(name);
    let scope = attrs.scope;
    let scope_variant = format_ident!("{}", scope.variant());
    let deps: Vec<_> = params.iter().map(|p| &p.name).collect();
    let vars: Vec<_> = deps
        .iter()
        .map(|d| format_ident!("__seaworthy_{}", params::name_str(d)))
        .collect();
    let call_await = func.sig.asyncness.map(|_| quote!(.await));
    let depth_const = format_ident!("__seaworthy_fixture_{}", name_str, span = name.span());

    let gets = deps.iter().zip(&vars).map(|(dep, var)| {
        quote_spanned! {dep.span()=>
            let #var = __ctx.get::<#dep>().await?;
        }
    });
    let depths = deps.iter().map(|dep| {
        quote_spanned! {dep.span()=> <#dep as #private::Fixture>::DEPTH }
    });
    let scope_checks = deps.iter().filter(|_| scope != Scope::Function).map(|dep| {
        let msg = messages::scope_violation(&name_str, scope.as_str(), &params::name_str(dep));
        quote_spanned! {dep.span()=>
            const _: () = ::core::assert!(
                <#dep as #private::Fixture>::SCOPE.rank() >= #private::Scope::#scope_variant.rank(),
                #msg
            );
        }
    });
    let doc = format!(
        "The `{name_str}` fixture (scope \"{}\"): see the function of the same name.",
        scope.as_str()
    );

    Ok(quote! {
        #func

        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        impl #private::Fixture for #name {
            type Value = #value_ty;
            const NAME: &'static str = #name_str;
            const SCOPE: #private::Scope = #private::Scope::#scope_variant;
            const DEPTH: usize = #depth_const;
            fn build(
                __ctx: #private::Ctx,
            ) -> #private::LocalBoxFuture<'static, #krate::Result<#private::Node<Self::Value>>> {
                ::std::boxed::Box::pin(async move {
                    #(#gets)*
                    let __value: #value_ty = #name(#(&#vars),*) #call_await;
                    #[allow(unused_imports)]
                    use #private::{ViaPlain as _, ViaResource as _};
                    (&#private::Probe::new(&__value))
                        .__seaworthy_kind()
                        .finish(__ctx, __value)
                        .await
                })
            }
        }

        #(#scope_checks)*

        // 1 + the depth of the deepest dependency. Evaluated at compile time, so a dependency
        // cycle is a compile error naming each fixture's constant on the way round.
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const #depth_const: usize = 1 + #private::max_depth(&[#(#depths),*]);
        const _: usize = #depth_const;
    })
}
