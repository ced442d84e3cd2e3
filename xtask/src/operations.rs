//! The operation table and the dynamic dispatch, generated from the same document as the client.
//!
//! - `dbss-types/src/generated_operations.rs`: one `Operation` variant per `operationId` and a
//!   static table of what the document says about it (method, path, summary, parameters, body),
//!   read by the mock (routing, counters, faults), the CLI (`dbss api`) and the contract tests.
//! - `dbss-client/src/generated/dispatch.rs`: for each operation, how to build the generated
//!   builder from JSON arguments and capture the request it builds. Every arm hands back the
//!   same `Captured` type, so the executor is instantiated once for all of them instead of once
//!   per operation.

use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// One operation as the generators need it.
pub struct Op {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub tag: String,
    pub deprecated: bool,
    pub replacement: Option<String>,
    pub params: Vec<Param>,
    /// The request body's component name and whether it is required.
    pub body: Option<(String, bool)>,
    pub content_type: Option<String>,
    pub answer: Answer,
    /// The non-200 statuses the document lists, ascending: their bodies are `DbssError`s.
    pub error_statuses: Vec<u16>,
    /// `x-dbss-idempotent`: repeating the request is harmless (reads, `PUT`, `DELETE`).
    pub idempotent: bool,
    /// `x-dbss-pagination`: how the operation pages, when it answers one page of a list.
    pub pagination: Option<Pagination>,
    /// `x-dbss-waiters`: the states the resources it answers reach later.
    pub waiters: Vec<Waiter>,
}

/// A state a resource reaches later, read by polling an operation (`x-dbss-waiters`).
pub struct Waiter {
    pub name: String,
    pub description: String,
    /// The field of a listed resource matched against the waited-for key; none when the
    /// answer is the resource.
    pub key: Option<String>,
    /// The (dotted) field holding the state.
    pub state: String,
    pub success: Vec<String>,
    pub failure: Vec<String>,
    /// What the resource being absent means: `wait`, `success` or `failure`.
    pub when_gone: String,
    pub deadline_secs: u64,
    /// The operations whose effect the waiter waits for.
    pub after: Vec<String>,
}

/// Reads `x-dbss-waiters`.
fn waiters(id: &str, value: Option<&serde_json::Value>) -> Result<Vec<Waiter>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let list = value
        .as_array()
        .ok_or_else(|| format!("{id}: x-dbss-waiters is not a list"))?;
    list.iter()
        .map(|w| {
            let text = |key: &str| -> Result<String, String> {
                w.get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| format!("{id}: a waiter has no {key}"))
            };
            let texts = |key: &str| -> Result<Vec<String>, String> {
                w.get(key)
                    .and_then(|v| v.as_array())
                    .ok_or_else(|| format!("{id}: a waiter has no {key} list"))?
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| format!("{id}: {key} holds a non-string"))
                    })
                    .collect()
            };
            let when_gone = text("when_gone")?;
            if !["wait", "success", "failure"].contains(&when_gone.as_str()) {
                return Err(format!("{id}: when_gone {when_gone:?}"));
            }
            Ok(Waiter {
                name: text("name")?,
                description: text("description")?,
                key: w.get("key").and_then(|v| v.as_str()).map(str::to_string),
                state: text("state")?,
                success: texts("success")?,
                failure: texts("failure")?,
                when_gone,
                deadline_secs: w
                    .get("deadline_secs")
                    .and_then(|v| v.as_u64())
                    .ok_or_else(|| format!("{id}: a waiter has no deadline_secs"))?,
                after: texts("after")?,
            })
        })
        .collect()
}

/// The paging facts of a list operation (`x-dbss-pagination`).
pub struct Pagination {
    pub style: PagingStyle,
    /// Whether the cursor and size are fields of the body (else query parameters).
    pub in_body: bool,
    /// The answer's field holding the page's items.
    pub items: String,
    /// The answer's field holding the number of items in all pages.
    pub total: Option<String>,
    /// The largest page the operation serves.
    pub max_size: u64,
}

pub enum PagingStyle {
    /// `offset` items are skipped, `limit` are answered.
    Offset { offset: String, limit: String },
    /// Page number `page` (the first is `first`) of pages of `size` items.
    Page {
        page: String,
        size: String,
        first: u64,
    },
}

/// Reads `x-dbss-pagination`. A marker-paged list (`"style": "marker"`) is described but not
/// driven by the paginator: `None`.
fn pagination(id: &str, value: Option<&serde_json::Value>) -> Result<Option<Pagination>, String> {
    let Some(value) = value else { return Ok(None) };
    let text = |key: &str| -> Result<String, String> {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{id}: x-dbss-pagination has no {key}"))
    };
    let style = match value.get("style").and_then(|v| v.as_str()) {
        Some("offset") => PagingStyle::Offset {
            offset: text("offset")?,
            limit: text("limit")?,
        },
        Some("page") => PagingStyle::Page {
            page: text("page")?,
            size: text("size")?,
            first: value
                .get("first")
                .and_then(|v| v.as_u64())
                .ok_or_else(|| format!("{id}: x-dbss-pagination has no first page"))?,
        },
        Some("marker") => return Ok(None),
        other => return Err(format!("{id}: unknown x-dbss-pagination style {other:?}")),
    };
    let in_body = match value.get("in").and_then(|v| v.as_str()) {
        Some("body") => true,
        Some("query") => false,
        other => return Err(format!("{id}: x-dbss-pagination in {other:?}")),
    };
    Ok(Some(Pagination {
        style,
        in_body,
        items: text("items")?,
        total: value
            .get("total")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        max_size: value
            .get("max_size")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| format!("{id}: x-dbss-pagination has no max_size"))?,
    }))
}

pub struct Param {
    pub name: String,
    pub location: &'static str,
    pub required: bool,
    pub description: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Json,
    Bytes,
    Empty,
}

fn resolve_param<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Result<&'a Parameter, String> {
    match p {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/parameters/")
                .ok_or_else(|| format!("unsupported parameter reference {reference}"))?;
            match spec
                .components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
            {
                Some(ReferenceOr::Item(p)) => Ok(p),
                _ => Err(format!("parameter {reference} is not defined")),
            }
        }
    }
}

/// The operations of the document, sorted by `operationId`.
pub fn operations(spec: &OpenAPI) -> Result<Vec<Op>, String> {
    let mut ops = Vec::new();
    for (path, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            return Err(format!("path {path} is a reference"));
        };
        for (method, op) in item.iter() {
            let id = op
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let mut params = Vec::new();
            for p in &op.parameters {
                let p = resolve_param(spec, p)?;
                let (data, location) = match p {
                    Parameter::Path { parameter_data, .. } => (parameter_data, "Path"),
                    Parameter::Query { parameter_data, .. } => (parameter_data, "Query"),
                    Parameter::Header { parameter_data, .. } => (parameter_data, "Header"),
                    Parameter::Cookie { .. } => return Err(format!("{id}: cookie parameter")),
                };
                if !matches!(data.format, ParameterSchemaOrContent::Schema(_)) {
                    return Err(format!("{id}: parameter {} has no schema", data.name));
                }
                params.push(Param {
                    name: data.name.clone(),
                    location,
                    required: data.required,
                    description: data.description.clone().unwrap_or_default(),
                });
            }
            let body = match &op.request_body {
                None => None,
                Some(ReferenceOr::Item(RequestBody {
                    content, required, ..
                })) => {
                    let media = content
                        .get("application/json")
                        .ok_or_else(|| format!("{id}: the body is not application/json"))?;
                    match &media.schema {
                        Some(ReferenceOr::Reference { reference }) => Some((
                            reference
                                .trim_start_matches("#/components/schemas/")
                                .to_string(),
                            *required,
                        )),
                        _ => return Err(format!("{id}: the body schema must be a component")),
                    }
                }
                Some(_) => return Err(format!("{id}: the request body is a reference")),
            };
            let ok = op
                .responses
                .responses
                .get(&openapiv3::StatusCode::Code(200))
                .ok_or_else(|| format!("{id}: no 200 response"))?;
            let ReferenceOr::Item(ok) = ok else {
                return Err(format!("{id}: the 200 response is a reference"));
            };
            let answer = if ok.content.contains_key("application/octet-stream")
                || ok.content.contains_key("application/pdf")
            {
                Answer::Bytes
            } else if ok.content.is_empty() {
                Answer::Empty
            } else {
                Answer::Json
            };
            let mut error_statuses = Vec::new();
            for status in op.responses.responses.keys() {
                match status {
                    openapiv3::StatusCode::Code(200) => {}
                    openapiv3::StatusCode::Code(code) => error_statuses.push(*code),
                    openapiv3::StatusCode::Range(_) => {
                        return Err(format!("{id}: status ranges are not supported"));
                    }
                }
            }
            error_statuses.sort_unstable();
            let text = |key: &str| {
                op.extensions
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let idempotent = match op.extensions.get("x-dbss-idempotent") {
                Some(serde_json::Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(format!("{id}: x-dbss-idempotent is {other}, not a boolean"));
                }
                None => return Err(format!("{id}: no x-dbss-idempotent")),
            };
            let pagination = pagination(&id, op.extensions.get("x-dbss-pagination"))?;
            let waiters = waiters(&id, op.extensions.get("x-dbss-waiters"))?;
            ops.push(Op {
                id,
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                tag: op.tags.first().cloned().unwrap_or_default(),
                deprecated: op.deprecated,
                replacement: text("x-dbss-replacement"),
                params,
                body,
                content_type: text("x-dbss-content-type"),
                answer,
                error_statuses,
                idempotent,
                pagination,
                waiters,
            });
        }
    }
    ops.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(ops)
}

fn variant(id: &str) -> proc_macro2::Ident {
    format_ident!("{}", id.to_upper_camel_case())
}

fn opt(value: &Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// `dbss-types/src/generated_operations.rs`.
pub fn table_file(ops: &[Op]) -> TokenStream {
    let count = ops.len();
    let variants = ops.iter().map(|op| {
        let v = variant(&op.id);
        let doc = format!("`{} {}`: {}", op.method, op.path, op.summary);
        let deprecated = op
            .deprecated
            .then(|| quote!(#[doc = ""] #[doc = "Deprecated by the official SDK."]));
        quote!(#[doc = #doc] #deprecated #v,)
    });
    let all = ops.iter().map(|op| {
        let v = variant(&op.id);
        quote!(Operation::#v,)
    });
    let infos = ops.iter().map(|op| {
        let v = variant(&op.id);
        let (id, method, path, summary, description, tag, deprecated) = (
            &op.id,
            &op.method,
            &op.path,
            &op.summary,
            &op.description,
            &op.tag,
            op.deprecated,
        );
        let replacement = opt(&op.replacement);
        let content_type = opt(&op.content_type);
        let error_statuses = op
            .error_statuses
            .iter()
            .map(|s| proc_macro2::Literal::u16_unsuffixed(*s));
        let params = op.params.iter().map(|p| {
            let (name, required, description) = (&p.name, p.required, &p.description);
            let location = format_ident!("{}", p.location);
            quote!(ParamInfo { name: #name, location: ParamLocation::#location, required: #required, description: #description },)
        });
        let body = match &op.body {
            Some((schema, required)) => quote!(Some(BodyInfo { schema: #schema, required: #required })),
            None => quote!(None),
        };
        let answer = format_ident!(
            "{}",
            match op.answer {
                Answer::Json => "Json",
                Answer::Bytes => "Bytes",
                Answer::Empty => "Empty",
            }
        );
        let idempotent = op.idempotent;
        let pagination = match &op.pagination {
            None => quote!(None),
            Some(p) => {
                let (style, cursor, size, first) = match &p.style {
                    PagingStyle::Offset { offset, limit } => (quote!(Offset), offset, limit, 0u64),
                    PagingStyle::Page { page, size, first } => (quote!(Page), page, size, *first),
                };
                let (in_body, items, max_size) = (p.in_body, &p.items, p.max_size);
                let total = opt(&p.total);
                quote!(Some(PaginationInfo {
                    style: PagingKind::#style,
                    cursor: #cursor,
                    size: #size,
                    first: #first,
                    in_body: #in_body,
                    items: #items,
                    total: #total,
                    max_size: #max_size,
                }))
            }
        };
        let waiters = op.waiters.iter().map(|w| {
            let (name, description, state, when_gone, deadline_secs) =
                (&w.name, &w.description, &w.state, &w.when_gone, w.deadline_secs);
            let key = opt(&w.key);
            let (success, failure, after) = (&w.success, &w.failure, &w.after);
            let (success_when_gone, failure_when_gone) =
                (when_gone == "success", when_gone == "failure");
            quote!(WaiterInfo {
                name: #name,
                description: #description,
                key: #key,
                state: #state,
                success: &[#(#success),*],
                failure: &[#(#failure),*],
                success_when_gone: #success_when_gone,
                failure_when_gone: #failure_when_gone,
                deadline_secs: #deadline_secs,
                after: &[#(#after),*],
            },)
        });
        quote! {
            OperationInfo {
                operation: Operation::#v,
                operation_id: #id,
                method: #method,
                path_template: #path,
                summary: #summary,
                description: #description,
                tag: #tag,
                deprecated: #deprecated,
                replacement: #replacement,
                params: &[#(#params)*],
                body: #body,
                content_type: #content_type,
                answer: AnswerKind::#answer,
                error_statuses: &[#(#error_statuses),*],
                idempotent: #idempotent,
                pagination: #pagination,
                waiters: &[#(#waiters)*],
            },
        }
    });
    quote! {
        use super::{AnswerKind, BodyInfo, OperationInfo, PaginationInfo, PagingKind, ParamInfo, ParamLocation, WaiterInfo};

        /// An operation of the DBSS API: one per `operationId` of `openapi/dbss.json`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Operation {
            #(#variants)*
        }

        impl Operation {
            /// Every operation, sorted by `operationId`.
            pub const ALL: [Operation; #count] = [#(#all)*];
        }

        pub(crate) static OPERATIONS: [OperationInfo; #count] = [#(#infos)*];
    }
}

/// `dbss-client/src/generated/dispatch.rs`: reads the builder field types progenitor chose from
/// the generated client, so each argument is decoded straight into the type its builder takes.
pub fn dispatch_file(ops: &[Op], client: &syn::File) -> Result<TokenStream, String> {
    let builders = builder_fields(client)?;
    let mut arms = Vec::new();
    for op in ops {
        let field_of = builder_of(&builders, op)?;
        let method = format_ident!("{}", op.id);
        let mut steps = Vec::new();
        if op.path.contains("{project_id}") {
            let (_, ty) = field_of("project_id")?;
            steps.push(
                quote!(let builder = builder.project_id(args.project_id::<#ty>(project_id)?);),
            );
        }
        for (p, field) in op.caller_params() {
            let (setter, ty) = field_of(&field)?;
            let name = &p.name;
            steps.push(if p.required {
                quote!(let builder = builder.#setter(args.required::<#ty>(#name)?);)
            } else {
                quote! {
                    let builder = match args.optional::<#ty>(#name)? {
                        Some(value) => builder.#setter(value),
                        None => builder,
                    };
                }
            });
        }
        if op.body.is_some() {
            let (_, ty) = field_of("body")?;
            steps.push(quote!(let builder = builder.body(args.body::<#ty>()?);));
        }
        let capture = match op.answer {
            Answer::Json => quote!(capture::json(builder.send())),
            Answer::Bytes => quote!(capture::bytes(builder.send())),
            Answer::Empty => quote!(capture::empty(builder.send())),
        };
        let v = variant(&op.id);
        arms.push(quote! {
            Operation::#v => {
                let builder = raw.#method();
                #(#steps)*
                #capture
            }
        });
    }
    Ok(quote! {
        #[allow(unused_imports)]
        use crate::generated::types;
        use crate::capture::{self, Captured};
        use crate::dispatch_support::Args;
        use crate::validate::ValidationError;
        use dbss_types::operations::Operation;

        /// Builds the request of `op` from `args` with the generated builder, once: the
        /// arguments are checked and converted, and the request is captured before anything is
        /// sent (see `capture`), to be sent once per attempt.
        pub(crate) fn prepare(
            raw: &crate::generated::Client,
            project_id: &str,
            op: Operation,
            args: &Args,
        ) -> Result<Captured, ValidationError> {
            match op {
                #(#arms)*
                _ => Err(Args::unknown_operation()),
            }
        }
    })
}

/// A builder struct of the client: its name and its fields, each with the `T` of its
/// `Result<T, String>`.
type Builder = (String, Vec<(String, syn::Type)>);

/// The builder structs of the client's `builder` module.
pub fn builder_fields(client: &syn::File) -> Result<Vec<Builder>, String> {
    let mut out = Vec::new();
    for item in builder_items(client)? {
        let syn::Item::Struct(s) = item else { continue };
        let mut fields = Vec::new();
        for field in &s.fields {
            let Some(ident) = &field.ident else { continue };
            if ident == "client" {
                continue;
            }
            let inner = result_ok_type(&field.ty)
                .ok_or_else(|| format!("{}.{ident}: not a Result<T, String>", s.ident))?;
            // progenitor writes `types::X` inside the builder module as `types::X` too; the
            // dispatch lives at the crate root, where `types` is imported the same way.
            fields.push((ident.to_string(), inner));
        }
        out.push((s.ident.to_string(), fields));
    }
    Ok(out)
}

impl Op {
    /// The parameters a caller sets, with their builder field's name: path and query, not the
    /// project (the client's) nor headers (authentication sets them).
    pub fn caller_params(&self) -> impl Iterator<Item = (&Param, String)> {
        self.params.iter().filter_map(|p| {
            let field = p.name.to_snake_case();
            (p.location != "Header" && field != "project_id").then_some((p, field))
        })
    }
}

/// The items of the client's `builder` module.
pub fn builder_items(client: &syn::File) -> Result<&[syn::Item], String> {
    client
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .ok_or_else(|| "the client has no builder module".to_owned())
}

/// The fields of the generated builder of `op`, and a look-up of one of them by the
/// parameter's name (progenitor appends `_` to a keyword): its setter and the type it takes.
pub fn builder_of<'b>(
    builders: &'b [Builder],
    op: &Op,
) -> Result<impl Fn(&str) -> Result<(proc_macro2::Ident, &'b syn::Type), String>, String> {
    let struct_name = op.id.to_upper_camel_case();
    let fields = builders
        .iter()
        .find(|(name, _)| *name == struct_name)
        .map(|(_, fields)| fields)
        .ok_or_else(|| format!("{}: no builder {struct_name} in the client", op.id))?;
    let id = op.id.clone();
    Ok(move |name: &str| {
        fields
            .iter()
            .find(|(f, _)| f == name || *f == format!("{name}_"))
            .map(|(f, ty)| (format_ident!("{f}"), option_inner(ty).unwrap_or(ty)))
            .ok_or_else(|| format!("{id}: builder has no field {name}"))
    })
}

/// `T` of `Option<T>`: an optional parameter's setter takes the `T`.
pub fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    first_type_argument(ty, "Option")
}

/// `T` of `Result<T, _>`.
fn result_ok_type(ty: &syn::Type) -> Option<syn::Type> {
    first_type_argument(ty, "Result").cloned()
}

/// The first type argument of `ty` when `ty` is a path ending in `wrapper<...>`.
pub fn first_type_argument<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}
