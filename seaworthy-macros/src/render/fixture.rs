//! `#[fixture]`: keeps the function and adds a same-named marker type implementing
//! `seaworthy::__private::Fixture`, so `use path::name;` imports both.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, Type};

use super::crate_path;
use super::tokens::{borrow, get, respan, var, with_param_types};
use crate::messages;
use crate::model::{fixture_name, Fixture, InvalidFixture, Scope};

/// The function, its marker type and the marker's `Fixture` impl, with the compile-time checks
/// of its dependencies (their scopes, and no cycle).
pub(crate) fn fixture(f: &Fixture) -> TokenStream {
    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let Fixture {
        item,
        scope,
        params,
        value_ty,
        fallible,
        autouse,
    } = f;
    let name = &item.sig.ident;
    let name_str = fixture_name(name);
    let scope_variant = format_ident!("{}", scope.variant());
    let depth_const = format_ident!("__seaworthy_fixture_{}", name_str, span = name.span());

    let vars: Vec<_> = params.iter().map(var).collect();
    let gets = params.iter().zip(&vars).map(|(p, var)| get(p, var));
    let borrows = params.iter().zip(&vars).map(|(p, var)| borrow(p, var));
    let call_await = item.sig.asyncness.map(|_| quote!(.await));
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
    let call = if *fallible {
        // An `Err` fails the tests that need the fixture, with its message (`E: Display`).
        quote! {
            let __value: #value_ty = match #name(#(#borrows),*) #call_await {
                ::core::result::Result::Ok(__value) => __value,
                ::core::result::Result::Err(__error) => {
                    return ::core::result::Result::Err(#private::fixture_failed(#name_str, &__error));
                }
            };
        }
    } else {
        quote! { let __value: #value_ty = #name(#(#borrows),*) #call_await; }
    };
    let build = quote! {
        ::std::boxed::Box::pin(async move {
            #(#gets)*
            #call

            #[allow(unused_imports)]
            use #private::{ViaPlain as _, ViaResource as _};
            #finish
        })
    };
    let marker_type = marker_type(item, *scope);
    let marker_impl = marker_impl(item, *scope, value_ty, &quote!(#depth_const), &build);
    let depths = params.iter().filter(|p| p.is_fixture()).map(|p| {
        let dep = p.fixture();
        quote_spanned! {p.fixture_span()=> <#dep as #private::Fixture>::DEPTH }
    });
    let scope_checks = params
        .iter()
        .filter(|p| p.is_fixture() && *scope != Scope::Function)
        .map(|p| {
        let dep = p.fixture();
        let msg = messages::scope_violation(&name_str, scope.as_str(), &p.fixture_name());
        quote_spanned! {p.fixture_span()=>
            const _: () = ::core::assert!(
                <#dep as #private::Fixture>::SCOPE.rank() >= #private::Scope::#scope_variant.rank(),
                #msg
            );
        }
    });
    // Everything that names the dependencies, in one scope where their names are types.
    let uses_of_params = with_param_types(
        params,
        quote! {
            #marker_impl

            #(#scope_checks)*

            // 1 + the depth of the deepest dependency. Evaluated at compile time, so a
            // dependency cycle is a compile error naming each fixture's constant on the way
            // round.
            #[allow(non_upper_case_globals)]
            const #depth_const: usize = 1 + #private::max_depth(&[#(#depths),*]);
            const _: usize = #depth_const;
        },
    );

    let autouse = autouse.then(|| super::autouse::registration(name, *scope));
    quote! {
        // Parameters are `&Value` of the fixtures they name, so `&String` is what a user must
        // write for a `String` fixture: clippy's `ptr_arg` has no better option to offer.
        #[allow(clippy::ptr_arg)]
        #item

        #marker_type

        const _: () = #uses_of_params;

        #autouse
    }
}

/// The errors, the function, and (when its value type is known) just enough of the marker to
/// name the fixture: no dependency or scope checks, and a `build` that is never compiled into
/// a program.
pub(crate) fn invalid_fixture(f: &InvalidFixture) -> TokenStream {
    let errors = f.errors.to_compile_error();
    let item = &f.item;
    let marker = f.marker.as_ref().map(|(scope, value_ty)| {
        let marker_type = marker_type(item, *scope);
        let marker_impl = marker_impl(
            item,
            *scope,
            value_ty,
            &quote!(1),
            &quote!(::core::unreachable!()),
        );
        quote!(#marker_type #marker_impl)
    });
    // The function's parameters are unused when they are reported as wrong.
    quote!(#errors #[allow(unused_variables)] #item #marker)
}

/// The marker type named like the function.
fn marker_type(item: &ItemFn, scope: Scope) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let doc = format!(
        "The `{}` fixture (scope \"{}\"): see the function of the same name.",
        fixture_name(name),
        scope.as_str()
    );
    quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #name {}
    }
}

/// The marker's `Fixture` impl.
fn marker_impl(
    item: &ItemFn,
    scope: Scope,
    value_ty: &Type,
    depth: &TokenStream,
    build: &TokenStream,
) -> TokenStream {
    let krate = crate_path::seaworthy();
    let private = quote!(#krate::__private);
    let name = &item.sig.ident;
    let name_str = fixture_name(name);
    let scope_variant = format_ident!("{}", scope.variant());
    quote! {
        impl #private::Fixture for #name {
            type Value = #value_ty;
            const NAME: &'static str = #name_str;
            const SCOPE: #private::Scope = #private::Scope::#scope_variant;
            const DEPTH: usize = #depth;
            fn build(
                __ctx: #private::Resolver,
            ) -> #private::LocalBoxFuture<'static, #krate::Result<#private::Node<Self::Value>>> {
                #build
            }
        }
    }
}
