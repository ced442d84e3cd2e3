//! `dbss api`: every operation of the DBSS API from the shell, driven by the operation table
//! generated from the OpenAPI document (`dbss_types::operations`). Each operation's flags, their
//! help and which are required come from the document; the call goes through the same client,
//! executor and exit codes as the workflow commands.
//!
//! - `command.rs`: the clap command of one operation (kebab-case flags, wire names as aliases,
//!   one flag per body field).
//! - `fields.rs`: the body's fields and skeleton, from the document.
//! - `body.rs`: `--body` (JSON or YAML) and the body-field flags, merged.

use std::io::Write;
use std::path::PathBuf;

use dbss_client::api::Answer;
use dbss_client::types::operations::{Operation, ParamLocation};
use futures::TryStreamExt;
use serde_json::{Map, Value};

use crate::args::{ApiArgs, OutputFormat, with_global_flags};
use crate::commands::Context;
use crate::exit::Failure;
use crate::output::{Table, cell};

mod body;
mod command;
mod fields;

pub use command::operation_command;
pub use fields::Document;

/// Runs `dbss api ...`.
pub async fn run(context: &Context, args: ApiArgs) -> Result<(), Failure> {
    let mut call = args.call.into_iter();
    let Some(name) = call.next() else {
        return list(context);
    };
    let op: Operation =
        name.parse()
            .map_err(|e: dbss_client::types::operations::ParseOperationError| {
                Failure::Usage(format!("{e} (`dbss api --list` shows every operation)"))
            })?;
    // The document is parsed only for an operation with a body: the others need none of it.
    let doc = op.info().body.map(|_| Document::load()).transpose()?;
    let (command, body_flags) = operation_command(op, doc.as_ref())?;
    let mut argv = vec![format!("dbss api {}", op.operation_id())];
    argv.extend(call);
    let matches = match with_global_flags(command).try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            // Written, not print!ed: `dbss api OP --help | head` must not panic.
            let mut out = std::io::stdout().lock();
            out.write_all(e.render().to_string().as_bytes())?;
            return Ok(out.flush()?);
        }
        Err(e) => return Err(usage(&e)),
    };
    // The flags every command takes may follow the operation; they win over those before it.
    let global = context
        .global
        .clone()
        .overridden_by(&matches)
        .map_err(|e| usage(&e))?;
    let context = &Context::new(global, OutputFormat::Json)?;

    // --skeleton exists only for an operation with a body.
    if matches.try_get_one::<bool>("skeleton").ok().flatten() == Some(&true) {
        let (Some(doc), Some(body)) = (&doc, op.info().body) else {
            return Err(Failure::Usage(format!(
                "{} takes no body",
                op.operation_id()
            )));
        };
        return context.printer.document(&doc.skeleton(body.schema)?);
    }

    let mut call_args = parameters(context, op, &matches);
    match (read_body(context, &matches, &body_flags)?, op.info().body) {
        (Some(body), _) => {
            call_args.insert("body".into(), body);
        }
        // As when clap required --body: a usage error, before credentials are even looked for.
        (None, Some(body)) if body.required => {
            return Err(Failure::Usage(format!(
                "{} needs a body ({}): give --body, or set its fields with their flags \
                 (`dbss api {} --skeleton` prints one to start from)",
                op.operation_id(),
                body.schema,
                op.operation_id()
            )));
        }
        (None, _) => {}
    }
    let client = context.client()?;
    if matches.get_flag("all-pages") {
        if op.info().pagination.is_none() {
            return Err(Failure::Usage(format!(
                "{} answers no pages: --all-pages is for the lists the document pages",
                op.operation_id()
            )));
        }
        // The paginator of the operation table's facts: every page, then the items as one list.
        let items: Vec<Value> = client.api(op).args(call_args).items().try_collect().await?;
        return context.printer.document(&items);
    }
    let response = client.api(op).args(call_args).send().await?;
    match &response.answer {
        Answer::Bytes(bytes) => match matches.try_get_one::<PathBuf>("out").ok().flatten() {
            Some(path) => {
                std::fs::write(path, bytes).map_err(Failure::Io)?;
                context.printer.line(format!(
                    "wrote {} bytes to {}",
                    bytes.len(),
                    path.display()
                ))?;
            }
            None => std::io::stdout().write_all(bytes).map_err(Failure::Io)?,
        },
        // JSON unless --output says otherwise: the answer has no fixed columns, so a table or
        // TSV shows its list (or the object itself) as rows.
        answer => context.printer.document(answer.json())?,
    }
    Ok(())
}

/// The path and query parameters given, by wire name; `--instance` (or `DBSS_INSTANCE_ID`)
/// stands in for `--instance-id`.
fn parameters(context: &Context, op: Operation, matches: &clap::ArgMatches) -> Map<String, Value> {
    let mut args = Map::new();
    for p in op.info().params {
        if p.location == ParamLocation::Header || p.name == "project_id" {
            continue;
        }
        if let Some(value) = matches.try_get_one::<String>(p.name).ok().flatten() {
            args.insert(p.name.to_owned(), Value::String(value.clone()));
        } else if p.name == "instance_id"
            && let Some(instance) = context.global.instance.last()
        {
            args.insert("instance_id".into(), Value::String(instance.to_owned()));
        }
    }
    args
}

/// A clap error as a usage failure of one line group (`error: ` is added by `main`).
fn usage(e: &clap::Error) -> Failure {
    let text = e.to_string();
    let text = text.trim_end();
    Failure::Usage(text.strip_prefix("error: ").unwrap_or(text).to_owned())
}

/// The body: `--body`, then each body-field flag given set into it; `None` when neither is.
fn read_body(
    context: &Context,
    matches: &clap::ArgMatches,
    flags: &[command::BodyFlag],
) -> Result<Option<Value>, Failure> {
    let mut body = match matches.try_get_one::<String>("body").ok().flatten() {
        Some(source) => {
            if source == "-" && context.global.password_stdin {
                return Err(Failure::Usage(
                    "--body - and --password-stdin both read standard input; give the body as \
                     a file or inline"
                        .into(),
                ));
            }
            Some(body::read(source)?)
        }
        None => None,
    };
    for flag in flags {
        if let Some(value) = flag.value(matches)? {
            let at = body.get_or_insert_with(|| Value::Object(Map::new()));
            body::set(at, flag.path(), value, flag.flag())?;
        }
    }
    Ok(body)
}

/// `dbss api --list`: every operation with its one-line summary.
fn list(context: &Context) -> Result<(), Failure> {
    let ops = Operation::ALL.into_iter().map(|op| op.info());
    if context.printer.is_document() {
        let rows: Vec<Value> = ops
            .map(|i| {
                serde_json::json!({
                    "operation": i.operation_id,
                    "method": i.method,
                    "path": i.path_template,
                    "area": i.tag,
                    "summary": i.summary,
                    "deprecated": i.deprecated,
                    "replacement": i.replacement,
                    "idempotent": i.idempotent,
                    "paged": i.pagination.is_some(),
                    "waiters": i.waiters.iter().map(|w| w.name).collect::<Vec<_>>(),
                })
            })
            .collect();
        return context.printer.document(&rows);
    }
    let mut table = Table::new(&["OPERATION", "METHOD", "AREA", "SUMMARY"]);
    for i in ops {
        let summary = match (i.deprecated, i.replacement) {
            (true, Some(r)) => format!("{} [deprecated: use {r}]", i.summary),
            (true, None) => format!("{} [deprecated]", i.summary),
            _ => i.summary.to_owned(),
        };
        table.row(vec![
            i.operation_id.to_owned(),
            i.method.to_owned(),
            i.tag.to_owned(),
            cell(Some(summary)),
        ]);
    }
    Ok(context.printer.table(&table, "no operations")?)
}
