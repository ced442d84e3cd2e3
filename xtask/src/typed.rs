//! The typed operations: one request builder per operation, generated from the same document
//! and the same progenitor client as the dispatch by name.
//!
//! - `dbss-client/src/generated/operations.rs`: a method per operation on `DbssClient` (named
//!   by its `operationId`, grouped by the document's tags), and its builder: a setter per path
//!   and query parameter, the body as its `dbss_types` type (or built with a closure over its
//!   builder), and `send()`, which builds the request with the generated builder once and runs
//!   it through the executor, decoding the answer as the operation's type. Operations the
//!   document pages (`x-dbss-pagination`) also get their paging facts, for the one paginator.
//! - `tests/tests/contract/typed_operations/`: a table-driven test calling each builder against
//!   the mock.
//!
//! The setters take what the generated client's types accept (`V: TryInto<T>`), so a value is
//! checked where it is set and a refusal names the field with the conversion's own words.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::operations::{
    Answer, Op, Pagination, PagingStyle, builder_fields, builder_items, builder_of, option_inner,
};

/// Operations whose `DbssClient` method is handwritten: the wrapper of the same name stays the
/// method, so no generated method is emitted; the generated builder is reached through its
/// `new`. (create_report's wrapper builds its request from the client's parsed base URL, as
/// measured necessary in issue 13; `tests/client/client_prepared.rs` compares the bytes.)
pub const WRAPPED: &[&str] = &["create_report"];

/// The answer type of each builder's `send()`, read from the generated client.
fn answer_types(client: &syn::File) -> Result<Vec<(String, syn::Type)>, String> {
    let mut out = Vec::new();
    for item in builder_items(client)? {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(self_ty) = &*imp.self_ty else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if f.sig.ident != "send" {
                continue;
            }
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                return Err(format!("{name}::send returns nothing"));
            };
            let value = crate::operations::first_type_argument(ty, "Result")
                .and_then(|rv| crate::operations::first_type_argument(rv, "ResponseValue"))
                .ok_or_else(|| format!("{name}::send does not return Result<ResponseValue<T>>"))?;
            out.push((name.clone(), value.clone()));
        }
    }
    Ok(out)
}

/// A struct of the types file: its fields and their types.
fn struct_fields<'a>(types: &'a syn::File, name: &str) -> Option<Vec<(String, &'a syn::Type)>> {
    types.items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == name => Some(
            s.fields
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), &f.ty)))
                .collect(),
        ),
        _ => None,
    })
}

/// Whether `dbss_types::builder::<name>` exists (typify makes one for every object schema).
fn has_builder(types: &syn::File, name: &str) -> bool {
    types.items.iter().any(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => {
            m.content.as_ref().is_some_and(|(_, items)| {
                items
                    .iter()
                    .any(|i| matches!(i, syn::Item::Struct(s) if s.ident == name))
            })
        }
        _ => false,
    })
}

/// The name a type path ends with (`dbss_types::ListReportsResponse` → `ListReportsResponse`).
fn last_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn doc_lines(text: &str) -> Vec<TokenStream> {
    text.lines()
        .map(|line| {
            let line = format!(" {line}");
            quote!(#[doc = #line])
        })
        .collect()
}

/// `dbss-client/src/generated/operations.rs`.
pub fn operations_file(
    ops: &[Op],
    tags: &[(String, String)],
    client: &syn::File,
    types: &syn::File,
) -> Result<TokenStream, String> {
    let builders = builder_fields(client)?;
    let answers = answer_types(client)?;
    let mut structs = Vec::new();
    let mut methods: Vec<(String, TokenStream)> = Vec::new();
    for op in ops {
        let struct_name = op.id.to_upper_camel_case();
        let field_of = builder_of(&builders, op)?;
        let answer = answers
            .iter()
            .find(|(name, _)| *name == struct_name)
            .map(|(_, ty)| ty)
            .ok_or_else(|| format!("{}: no send() on builder {struct_name}", op.id))?;
        let ident = format_ident!("{struct_name}");
        let method = format_ident!("{}", op.id);
        let variant = format_ident!("{struct_name}");

        let mut decls = Vec::new();
        let mut inits = Vec::new();
        let mut setters = Vec::new();
        let mut apply = Vec::new();
        let mut debug_fields = Vec::new();
        let mut project = quote!();
        if op.path.contains("{project_id}") {
            let (setter, ty) = field_of("project_id")?;
            project = quote! {
                let raw = raw.#setter(support::convert::<#ty, _>("project_id", project_id)?);
            };
        }
        for (p, field) in op.caller_params() {
            let (setter, ty) = field_of(&field)?;
            let name = &p.name;
            let mut doc = doc_lines(&p.description);
            if p.required {
                doc.push(quote!(#[doc = ""] #[doc = " Required."]));
            }
            decls.push(quote!(#setter: Option<Result<#ty, ValidationError>>,));
            inits.push(quote!(#setter: None,));
            debug_fields.push(quote!((#name, self.#setter.is_some()),));
            setters.push(quote! {
                #(#doc)*
                pub fn #setter<V>(mut self, value: V) -> Self
                where
                    V: TryInto<#ty>,
                    V::Error: std::fmt::Display,
                {
                    self.#setter = Some(support::convert(#name, value));
                    self
                }
            });
            apply.push(if p.required {
                quote!(let raw = raw.#setter(support::required(#name, self.#setter)?);)
            } else {
                quote! {
                    let raw = match support::optional(self.#setter)? {
                        Some(value) => raw.#setter(value),
                        None => raw,
                    };
                }
            });
        }
        if let Some((schema, required)) = &op.body {
            let (_, ty) = field_of("body")?;
            let rust_name = schema.to_upper_camel_case();
            decls.push(quote!(body: Option<Result<#ty, ValidationError>>,));
            inits.push(quote!(body: None,));
            debug_fields.push(quote!(("body", self.body.is_some()),));
            let doc = format!(" The request body, a [`{rust_name}`](dbss_types::{rust_name}).");
            let required_doc = if *required {
                quote!(#[doc = ""] #[doc = " Required."])
            } else {
                quote!(#[doc = ""] #[doc = " Required here, although the document makes it optional: the generated builder always sends one."])
            };
            setters.push(quote! {
                #[doc = #doc]
                #required_doc
                pub fn body<V>(mut self, value: V) -> Self
                where
                    V: TryInto<#ty>,
                    V::Error: std::fmt::Display,
                {
                    self.body = Some(support::convert("body", value));
                    self
                }
            });
            if has_builder(types, &rust_name) {
                let builder_ty = format_ident!("{rust_name}");
                let doc = format!(
                    " Builds the body with [`dbss_types::builder::{rust_name}`], starting from the \
                     body set so far (or an empty one); the builder checks each field."
                );
                setters.push(quote! {
                    #[doc = #doc]
                    pub fn body_map<F>(mut self, f: F) -> Self
                    where
                        F: FnOnce(dbss_types::builder::#builder_ty) -> dbss_types::builder::#builder_ty,
                    {
                        let start = match self.body.take() {
                            Some(Ok(body)) => body.into(),
                            _ => Default::default(),
                        };
                        self.body = Some(support::convert("body", f(start)));
                        self
                    }
                });
            }
            // The generated builder needs a body whatever the document says.
            apply.push(quote!(let raw = raw.body(support::required("body", self.body)?);));
        }

        let (output, finish) = match op.answer {
            Answer::Json => (quote!(#answer), quote!(support::decode_json(answer))),
            Answer::Bytes => (quote!(bytes::Bytes), quote!(Ok(answer))),
            Answer::Empty => (quote!(()), quote!(Ok(answer.map(|_| ())))),
        };
        let summary = format!(
            " {} (`{} {}`).",
            op.summary.trim_end_matches('.'),
            op.method,
            op.path
        );
        let description = doc_lines(&op.description);
        let struct_doc = format!(
            " A request of [`DbssClient::{}`]: {}.",
            op.id,
            op.summary.trim_end_matches('.')
        );
        let struct_doc = if WRAPPED.contains(&op.id.as_str()) {
            format!(
                " A request of `{} {}`: {}. [`DbssClient::{}`], the method of this name, sends the \
                 same bytes with more checks.",
                op.method,
                op.path,
                op.summary.trim_end_matches('.'),
                op.id
            )
        } else {
            struct_doc
        };
        let retry_doc = if op.idempotent {
            " Overrides the client's retry policy for this call. The operation only reads or \
             repeats harmlessly, so it is retried after a 5xx, a timeout or a reset."
        } else {
            " Overrides the client's retry policy for this call. The operation changes \
             something, so it is not sent again once it may have reached the server unless \
             the policy opts in (`RetryPolicy::with_retry_non_idempotent`)."
        };
        let name_str = struct_name.as_str();
        let paging = op
            .pagination
            .as_ref()
            .map(|p| paging_impl(op, p, &ident, &field_of, types, answer))
            .transpose()?
            .unwrap_or_default();
        let waiting = waiter_impl(op, &ident, &variant)?;
        structs.push(quote! {
            #[doc = #struct_doc]
            #[derive(Clone)]
            #[must_use = "a request does nothing until it is sent"]
            pub struct #ident<'a> {
                client: &'a DbssClient,
                #(#decls)*
                options: RequestOptions,
            }

            impl std::fmt::Debug for #ident<'_> {
                // Names which values are set, never the values (a body may hold a password).
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    support::debug_request(f, #name_str, &[#(#debug_fields)*])
                }
            }

            impl<'a> #ident<'a> {
                /// A request with nothing set, sent with `client`.
                pub fn new(client: &'a DbssClient) -> Self {
                    Self { client, #(#inits)* options: RequestOptions::default() }
                }

                #(#setters)*

                #[doc = #retry_doc]
                pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
                    self.options.retry = Some(policy);
                    self
                }

                /// Checks the request, sends it through the client's executor (authentication,
                /// retries, timeouts, rate limiting, tracing) and decodes the answer.
                pub async fn send(self) -> Result<Output<#output>, Error> {
                    let client = self.client;
                    let project_id = client.resolve_project_id().await?;
                    let (request, options) = self.capture(project_id)?;
                    let answer = support::send(client, Operation::#variant, request, &options).await?;
                    #finish
                }

                /// The request as the generated builder builds it, once; nothing is sent.
                #[allow(unused_variables)]
                fn capture(self, project_id: &str) -> Result<(support::Captured, RequestOptions), ValidationError> {
                    let raw = self.client.capture.#method();
                    #project
                    #(#apply)*
                    Ok((support::capture(raw.send())?, self.options))
                }
            }

            #paging
            #waiting
        });
        if WRAPPED.contains(&op.id.as_str()) {
            continue;
        }
        let deprecated = match (&op.deprecated, &op.replacement) {
            (true, Some(r)) => {
                let note = format!("the official SDK deprecates it: use `{r}`");
                quote!(#[deprecated(note = #note)])
            }
            (true, None) => quote!(#[deprecated(note = "the official SDK deprecates it")]),
            _ => quote!(),
        };
        methods.push((
            op.tag.clone(),
            quote! {
                #[doc = #summary]
                #[doc = ""]
                #(#description)*
                #deprecated
                pub fn #method(&self) -> #ident<'_> {
                    #ident::new(self)
                }
            },
        ));
    }
    let mut groups = Vec::new();
    for (tag, description) in tags {
        let members: Vec<&TokenStream> = methods
            .iter()
            .filter(|(t, _)| t == tag)
            .map(|(_, m)| m)
            .collect();
        if members.is_empty() {
            continue;
        }
        let heading = format!(" # {}: {}", tag, description.trim_end_matches('.'));
        groups.push(quote! {
            #[doc = #heading]
            impl DbssClient {
                #(#members)*
            }
        });
    }
    if methods
        .iter()
        .any(|(t, _)| !tags.iter().any(|(name, _)| name == t))
    {
        return Err("an operation's tag is not among the document's tags".into());
    }
    Ok(quote! {
        #![allow(clippy::too_many_arguments)]
        use crate::typed::support::{self, RequestOptions};
        use crate::typed::output::Output;
        use crate::{DbssClient, Error, RetryPolicy, ValidationError};
        use dbss_types::operations::Operation;
        #[allow(unused_imports)]
        use crate::raw::types;

        #(#groups)*
        #(#structs)*
    })
}

/// Finds a field of an operation's generated builder: its setter and the type it takes.
type FieldOf<'f, 't> = dyn Fn(&str) -> Result<(syn::Ident, &'t syn::Type), String> + 'f;

/// The paging facts of a list operation as an implementation of `Paged`.
fn paging_impl<'t>(
    op: &Op,
    paging: &Pagination,
    ident: &syn::Ident,
    field_of: &FieldOf<'_, 't>,
    types: &syn::File,
    answer: &syn::Type,
) -> Result<TokenStream, String> {
    let answer_name = last_name(answer).ok_or_else(|| format!("{}: answer type", op.id))?;
    let answer_fields = struct_fields(types, &answer_name)
        .ok_or_else(|| format!("{}: {answer_name} is not a struct", op.id))?;
    let items_ty = answer_fields
        .iter()
        .find(|(f, _)| *f == paging.items)
        .map(|(_, ty)| *ty)
        .ok_or_else(|| format!("{}: {answer_name} has no field {}", op.id, paging.items))?;
    let items_field = format_ident!("{}", paging.items);
    let (item_ty, items_expr) = match option_inner(items_ty) {
        Some(vec) => (
            crate::operations::first_type_argument(vec, "Vec"),
            quote!(page.#items_field.unwrap_or_default()),
        ),
        None => (
            crate::operations::first_type_argument(items_ty, "Vec"),
            quote!(page.#items_field),
        ),
    };
    let item_ty = item_ty.ok_or_else(|| format!("{}: {} is not a list", op.id, paging.items))?;
    // The types file names its own types without a path.
    let item_ty = match item_ty {
        syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            quote!(dbss_types::#p)
        }
        other => quote!(#other),
    };
    let items_len = match option_inner(items_ty) {
        Some(_) => quote!(page.#items_field.as_ref().map_or(0, Vec::len)),
        None => quote!(page.#items_field.len()),
    };
    let total = match &paging.total {
        Some(total) => {
            if !answer_fields.iter().any(|(f, _)| f == total) {
                return Err(format!("{}: {answer_name} has no field {total}", op.id));
            }
            let total = format_ident!("{total}");
            quote!(support::count(&page.#total))
        }
        None => quote!({
            let _ = page;
            None
        }),
    };
    let max = paging.max_size;
    let (style, cursor_field, size_field) = match &paging.style {
        PagingStyle::Offset { offset, limit } => (quote!(Offset), offset, limit),
        PagingStyle::Page { page, size, first } => {
            let first = *first;
            (quote!(Page { first: #first }), page, size)
        }
    };
    let cursor_name = cursor_field.as_str();
    let size_name = size_field.as_str();
    let (set_cursor, set_size, get_cursor, get_size) = if paging.in_body {
        (
            quote!(self.body = Some(support::with_body_number(self.body.take(), #cursor_name, position));),
            quote!(self.body = Some(support::with_body_number(self.body.take(), #size_name, size));),
            quote!(support::body_number(&self.body, #cursor_name)),
            quote!(support::body_number(&self.body, #size_name)),
        )
    } else {
        let (cursor, _) = field_of(cursor_field)?;
        let (size, _) = field_of(size_field)?;
        (
            quote!(self.#cursor = Some(support::number_as(#cursor_name, position));),
            quote!(self.#size = Some(support::number_as(#size_name, size));),
            quote!(support::set_number(&self.#cursor)),
            quote!(support::set_number(&self.#size)),
        )
    };
    Ok(quote! {
        impl<'a> crate::typed::paginator::Paged for #ident<'a> {
            type Page = #answer;
            type Item = #item_ty;
            fn paging(&self) -> crate::typed::paginator::Paging {
                crate::typed::paginator::Paging {
                    style: crate::typed::paginator::PagingStyle::#style,
                    max_size: #max,
                }
            }
            fn page_size(&self) -> Option<u64> { #get_size }
            fn position(&self) -> Option<u64> { #get_cursor }
            fn with_page_size(mut self, size: u64) -> Self { #set_size self }
            fn at(mut self, position: u64) -> Self { #set_cursor self }
            fn item_count(&self, page: &Self::Page) -> usize { #items_len }
            fn total(&self, page: &Self::Page) -> Option<u64> { #total }
            fn page_items(&self, page: Self::Page) -> Vec<Self::Item> { #items_expr }
            fn send_page(self) -> impl std::future::Future<Output = Result<Output<Self::Page>, Error>> + Send {
                self.send()
            }
        }

        impl<'a> #ident<'a> {
            /// The pages of the list, one call each, from the position set (or the first); the
            /// size set, or the largest the operation serves. See [`Paginator`](crate::operation::Paginator).
            pub fn into_paginator(self) -> crate::typed::paginator::Paginator<Self> {
                crate::typed::paginator::Paginator::new(self)
            }

            /// Every item of every page, in order, fetched a page at a time.
            pub fn items(self) -> impl futures::Stream<Item = Result<#item_ty, Error>> + Send + 'a {
                crate::typed::paginator::Paginator::new(self).items()
            }
        }
    })
}

/// `tests/tests/contract/typed_operations/generated.rs`: one arm per operation calling its builder with
/// every parameter and body the test's arguments hold, decoding its typed answer.
pub fn test_calls_file(ops: &[Op], client: &syn::File) -> Result<TokenStream, String> {
    let builders = builder_fields(client)?;
    let mut arms = Vec::new();
    for op in ops {
        let struct_name = op.id.to_upper_camel_case();
        let field_of = builder_of(&builders, op)?;
        let ident = format_ident!("{struct_name}");
        let method = format_ident!("{}", op.id);
        let start = if WRAPPED.contains(&op.id.as_str()) {
            quote!(dbss_client::operation::#ident::new(client))
        } else {
            quote!(client.#method())
        };
        let mut steps = Vec::new();
        for (p, field) in op.caller_params() {
            let (setter, ty) = field_of(&field)?;
            let name = &p.name;
            steps.push(quote! {
                let b = match args.param::<#ty>(#name) {
                    Some(value) => b.#setter(value),
                    None => b,
                };
            });
        }
        if op.body.is_some() {
            let (_, ty) = field_of("body")?;
            steps.push(quote! {
                let b = match args.body::<#ty>() {
                    Some(value) => b.body(value),
                    None => b,
                };
            });
        }
        let finish = match op.answer {
            Answer::Json => quote!(Called::json(&out)),
            Answer::Bytes => quote!(Called::bytes(&out)),
            Answer::Empty => quote!(Called::empty(&out)),
        };
        let variant = format_ident!("{struct_name}");
        arms.push(quote! {
            Operation::#variant => {
                let b = #start;
                #(#steps)*
                let out = b.send().await?;
                Ok(#finish)
            }
        });
    }
    Ok(quote! {
        use dbss_client::types::operations::Operation;
        use dbss_client::{DbssClient, Error};
        #[allow(unused_imports)]
        use dbss_client::raw::types;

        use super::{Args, Called};

        /// Calls `op` with its typed builder, setting every parameter and the body `args` holds.
        #[allow(deprecated)]
        pub(crate) async fn call(client: &DbssClient, op: Operation, args: &Args) -> Result<Called, Error> {
            match op {
                #(#arms)*
                _ => panic!("no typed builder for {op}"),
            }
        }
    })
}

/// The waiters of an operation the document says is polled for a later state
/// (`x-dbss-waiters`): the request answers its resources as JSON (every page of a paged list,
/// or the answer itself), and a `wait_until_<name>` method per waiter.
fn waiter_impl(op: &Op, ident: &syn::Ident, variant: &syn::Ident) -> Result<TokenStream, String> {
    if op.waiters.is_empty() {
        return Ok(quote!());
    }
    let poll = if op.pagination.is_some() {
        quote! {
            use futures::TryStreamExt;
            let items: Vec<_> = self.items().try_collect().await?;
            support::to_values(&items)
        }
    } else if op.waiters.iter().all(|w| w.key.is_none()) {
        quote! {
            let answer = self.send().await?;
            support::to_values(std::slice::from_ref(&*answer))
        }
    } else {
        return Err(format!(
            "{}: a keyed waiter polls a list the document does not page",
            op.id
        ));
    };
    let methods = op.waiters.iter().enumerate().map(|(i, w)| {
        let method = format_ident!("wait_until_{}", w.name);
        let mut doc = vec![format!(" Waits until: {}", w.description)];
        doc.push(String::new());
        doc.push(format!(
            " Polls this request (with backoff, up to {} s by default) until `{}` is {}{}.",
            w.deadline_secs,
            w.state,
            w.success.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" or "),
            if w.failure.is_empty() {
                String::new()
            } else {
                format!(
                    "; ends early on {}",
                    w.failure.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                )
            }
        ));
        if !w.after.is_empty() {
            doc.push(format!(
                " Use it after {}.",
                w.after.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        let doc = doc.iter().map(|line| quote!(#[doc = #line]));
        let index = proc_macro2::Literal::usize_unsuffixed(i);
        match &w.key {
            Some(key) => {
                let key_doc = format!(" `key` is the resource's `{key}`.");
                quote! {
                    #(#doc)*
                    #[doc = ""]
                    #[doc = #key_doc]
                    pub fn #method(self, key: impl Into<String>) -> crate::typed::waiter::Waiter<'a, Self> {
                        crate::typed::waiter::Waiter::new(self, &Operation::#variant.info().waiters[#index], Some(key.into()))
                    }
                }
            }
            None => quote! {
                #(#doc)*
                pub fn #method(self) -> crate::typed::waiter::Waiter<'a, Self> {
                    crate::typed::waiter::Waiter::new(self, &Operation::#variant.info().waiters[#index], None)
                }
            },
        }
    });
    Ok(quote! {
        impl crate::typed::waiter::Polled for #ident<'_> {
            async fn poll(self) -> Result<Vec<serde_json::Value>, Error> {
                #poll
            }
        }

        impl<'a> #ident<'a> {
            #(#methods)*
        }
    })
}
