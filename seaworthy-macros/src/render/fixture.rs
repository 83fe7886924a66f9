//! `#[fixture]`: keeps the function and adds a same-named marker type implementing
//! `seaworthy::__private::Fixture`, so `use path::name;` imports both.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

use crate::attrs::{FixtureAttrs, Scope};
use crate::errors::Errors;
use crate::params::{self, Owner, Param};
use crate::render::respan;
use crate::{crate_path, messages};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    // A bad argument does not stop the checks of the function: every error shows at once.
    let attrs = errors
        .check(syn::parse2::<FixtureAttrs>(attr))
        .unwrap_or_default();
    let mut func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            errors.push(e);
            let err = errors.finish().err().map(|e| e.to_compile_error());
            return quote!(#err #item);
        }
    };
    let checked = validate(&mut func, &mut errors);
    match (errors.finish(), checked) {
        (Ok(()), Some((params, value_ty))) => render(&attrs, &func, &params, &value_ty, true),
        (Err(e), checked) => {
            let err = e.to_compile_error();
            // Still declare the fixture when its value type is known, so the fixtures and tests
            // using it do not add "cannot find type" errors to the real one. Not for a method:
            // a struct cannot be declared inside an `impl`.
            let marker = checked
                .filter(|_| func.sig.receiver().is_none())
                .map(|(params, value_ty)| render(&attrs, &func, &params, &value_ty, false));
            // The function's parameters are unused when they are reported as wrong.
            quote!(#err #[allow(unused_variables)] #func #marker)
        }
        (Ok(()), None) => unreachable_without_errors(&func),
    }
}

/// Checks the signature; returns the parameters and the value type when they are usable.
fn validate(func: &mut ItemFn, errors: &mut Errors) -> Option<(Vec<Param>, Type)> {
    let params = params::read(&mut func.sig, Owner::Fixture, errors);
    let value_ty = match &func.sig.output {
        ReturnType::Default => {
            errors.at(func.sig.ident.span(), messages::NO_RETURN);
            None
        }
        ReturnType::Type(_, ty) => match &**ty {
            Type::ImplTrait(it) => {
                errors.spanned(it, messages::IMPL_RETURN);
                None
            }
            ty => Some(ty.clone()),
        },
    };
    value_ty.map(|ty| (params, ty))
}

/// `validate` found nothing wrong but returned nothing: cannot happen, but a macro never panics.
fn unreachable_without_errors(func: &ItemFn) -> TokenStream {
    let err = syn::Error::new(func.sig.ident.span(), messages::NO_RETURN).to_compile_error();
    quote!(#err #func)
}

/// The marker type and its `Fixture` impl. With `complete` false (the function has errors),
/// only enough to name the fixture: no dependency or scope checks, and a `build` that is never
/// compiled into a program.
fn render(
    attrs: &FixtureAttrs,
    func: &ItemFn,
    params: &[Param],
    value_ty: &Type,
    complete: bool,
) -> TokenStream {
    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let vis = &func.vis;
    let name = &func.sig.ident;
    let name_str = params::name_str(name);
    let scope = attrs.scope;
    let scope_variant = format_ident!("{}", scope.variant());
    let depth_const = format_ident!("__seaworthy_fixture_{}", name_str, span = name.span());
    let doc = format!(
        "The `{name_str}` fixture (scope \"{}\"): see the function of the same name.",
        scope.as_str()
    );
    let marker = quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #name {}
    };
    if !complete {
        return quote! {
            #marker
            impl #private::Fixture for #name {
                type Value = #value_ty;
                const NAME: &'static str = #name_str;
                const SCOPE: #private::Scope = #private::Scope::#scope_variant;
                const DEPTH: usize = 1;
                fn build(
                    __ctx: #private::Ctx,
                ) -> #private::LocalBoxFuture<'static, #krate::Result<#private::Node<Self::Value>>> {
                    ::core::unreachable!()
                }
            }
        };
    }

    let vars: Vec<_> = params
        .iter()
        .map(|p| format_ident!("__seaworthy_{}", params::name_str(&p.name)))
        .collect();
    let gets = params.iter().zip(&vars).map(|(p, var)| {
        let dep = &p.name;
        quote_spanned! {dep.span()=>
            let #var = __ctx.get::<#dep>().await?;
        }
    });
    let borrows = params.iter().zip(&vars).map(|(p, var)| borrow(p, var));
    let call_await = func.sig.asyncness.map(|_| quote!(.await));
    // A value that is not `Send + Sync` is reported at the return type, not at the attribute.
    let finish = respan(
        quote! {
            (&#private::Probe::new(&__value))
                .__seaworthy_kind()
                .finish(__ctx, __value)
                .await
        },
        value_ty.span(),
    );
    let depths = params.iter().map(|p| {
        let dep = &p.name;
        quote_spanned! {dep.span()=> <#dep as #private::Fixture>::DEPTH }
    });
    let scope_checks = params.iter().filter(|_| scope != Scope::Function).map(|p| {
        let dep = &p.name;
        let msg = messages::scope_violation(&name_str, scope.as_str(), &params::name_str(dep));
        quote_spanned! {dep.span()=>
            const _: () = ::core::assert!(
                <#dep as #private::Fixture>::SCOPE.rank() >= #private::Scope::#scope_variant.rank(),
                #msg
            );
        }
    });

    quote! {
        // Parameters are `&Value` of the fixtures they name, so `&String` is what a user must
        // write for a `String` fixture: clippy's `ptr_arg` has no better option to offer.
        #[allow(clippy::ptr_arg)]
        #func

        #marker

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
                    let __value: #value_ty = #name(#(#borrows),*) #call_await;
                    #[allow(unused_imports)]
                    use #private::{ViaPlain as _, ViaResource as _};
                    #finish
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
    }
}

/// `&V` from the resolved `Arc<Node<V>>`, typed as the parameter says: a fixture whose value
/// has another type is reported at the parameter's type, as expected `&Param` / found `&V`.
pub(crate) fn borrow(p: &Param, var: &syn::Ident) -> TokenStream {
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
