//! `dbss api`: every operation of the DBSS API from the shell, driven by the operation table
//! generated from the OpenAPI document (`dbss_types::operations`). Each operation's flags, their
//! help and which are required come from the document; the call goes through the same client,
//! executor and exit codes as the workflow commands.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Arg, ArgAction};
use dbss_client::api::Answer;
use dbss_client::types::operations::{Operation, ParamLocation};
use futures::TryStreamExt;
use serde_json::{Map, Value};

use crate::args::ApiArgs;
use crate::commands::Context;
use crate::exit::Failure;
use crate::output::{Table, cell};

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
    let command = operation_command(op);
    let mut argv = vec![format!("dbss api {}", op.operation_id())];
    argv.extend(call);
    let matches = match command.try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            print!("{e}");
            return Ok(());
        }
        Err(e) => {
            let text = e.to_string();
            let text = text.trim_end();
            return Err(Failure::Usage(
                text.strip_prefix("error: ").unwrap_or(text).to_owned(),
            ));
        }
    };
    let mut call_args = Map::new();
    for p in op.info().params {
        if p.location == ParamLocation::Header || p.name == "project_id" {
            continue;
        }
        if let Some(value) = matches.try_get_one::<String>(p.name).ok().flatten() {
            call_args.insert(p.name.to_owned(), Value::String(value.clone()));
        } else if p.name == "instance_id"
            && let Some(instance) = context.global.instance.last()
        {
            call_args.insert("instance_id".into(), Value::String(instance.to_owned()));
        }
    }
    if let Some(source) = matches.try_get_one::<String>("body").ok().flatten() {
        if source == "-" && context.global.password_stdin {
            return Err(Failure::Usage(
                "--body - and --password-stdin both read standard input; give the body as a \
                 file or inline JSON"
                    .into(),
            ));
        }
        call_args.insert("body".into(), read_body(source)?);
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
        return Ok(context.printer.json(&items)?);
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
        // JSON whatever --output says: the answer has no fixed columns.
        answer => context.printer.json(answer.json())?,
    }
    Ok(())
}

/// The body: a file, `-` for standard input, or inline JSON starting with `{` or `[`.
fn read_body(source: &str) -> Result<Value, Failure> {
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(Failure::Io)?;
        text
    } else if source.trim_start().starts_with(['{', '[']) {
        source.to_owned()
    } else {
        std::fs::read_to_string(source).map_err(Failure::Io)?
    };
    serde_json::from_str(&text).map_err(|e| Failure::Invalid(format!("--body is not JSON: {e}")))
}

/// The clap command of one operation, from the document.
fn operation_command(op: Operation) -> clap::Command {
    let info = op.info();
    let mut about = info.summary.to_owned();
    if let Some(replacement) = info.replacement {
        about.push_str(&format!(" [deprecated: use {replacement}]"));
    } else if info.deprecated {
        about.push_str(" [deprecated]");
    }
    let mut long_about = format!(
        "{}\n\n{} {}",
        info.description, info.method, info.path_template
    );
    long_about.push_str(if info.idempotent {
        "\n\nRepeating it is harmless: it is retried after a 5xx, a timeout or a reset."
    } else {
        "\n\nIt changes something: it is never sent again once it may have reached the server."
    });
    if let Some(paging) = info.pagination {
        long_about.push_str(&format!(
            "\n\nIt answers one page of `{}` (by {} and {}); --all-pages fetches every page.",
            paging.items, paging.cursor, paging.size
        ));
    }
    for waiter in info.waiters {
        long_about.push_str(&format!(
            "\n\nThe SDK's `wait_until_{}` polls it: {}",
            waiter.name, waiter.description
        ));
    }
    if let Some(body) = info.body {
        long_about.push_str(&format!(
            "\n\nThe body is a JSON {} (see `openapi/dbss.json`), given with --body FILE, --body - \
             (standard input) or --body '{{...}}'.",
            body.schema
        ));
    }
    let mut command = clap::Command::new(info.operation_id)
        .about(about)
        .long_about(long_about)
        .no_binary_name(false)
        .disable_version_flag(true);
    for p in info.params {
        if p.location == ParamLocation::Header || p.name == "project_id" {
            continue;
        }
        // --instance (or DBSS_INSTANCE_ID) stands in for --instance_id, as in the other commands.
        let required = p.required && p.name != "instance_id";
        let where_ = match p.location {
            ParamLocation::Path => "path",
            _ => "query",
        };
        command = command.arg(
            Arg::new(p.name)
                .long(p.name)
                .value_name("VALUE")
                .required(required)
                .action(ArgAction::Set)
                .help(format!("[{where_}] {}", p.description)),
        );
    }
    if let Some(body) = info.body {
        command = command.arg(
            Arg::new("body")
                .long("body")
                .value_name("FILE|-|JSON")
                .required(body.required)
                .help(format!("The JSON body ({}).", body.schema)),
        );
    }
    command = command.arg(
        Arg::new("all-pages")
            .long("all-pages")
            .action(ArgAction::SetTrue)
            .hide(info.pagination.is_none())
            .help(
                "Fetch every page, from the position given (or the first), and print the items \
                 of all pages as one JSON list.",
            ),
    );
    if info.answer == dbss_client::types::operations::AnswerKind::Bytes {
        command = command.arg(
            Arg::new("out")
                .long("out")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Write the file here instead of to standard output."),
        );
    }
    command
}

/// `dbss api --list`: every operation with its one-line summary.
fn list(context: &Context) -> Result<(), Failure> {
    let ops = Operation::ALL.into_iter().map(|op| op.info());
    if context.printer.is_json() {
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
        return Ok(context.printer.json(&rows)?);
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
