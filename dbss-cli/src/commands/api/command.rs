//! The clap command of one operation, from the operation table and the document: its
//! parameters as kebab-case flags (the wire names as aliases), `--body`, one flag per body field
//! (`--database.name`), and `--skeleton`, `--all-pages`, `--out` where they apply.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches};
use dbss_client::types::operations::{AnswerKind, Operation, ParamLocation};
use serde_json::Value;

use super::body;
use super::fields::{Document, Field, Kind};
use crate::exit::Failure;

/// The heading of the body-field flags in `--help`.
const BODY_FIELDS: &str = "Body fields";

/// A flag that sets one field of the body.
#[derive(Clone, Debug)]
pub struct BodyFlag {
    /// The clap id (`body:database.name`): never the id of another flag.
    id: String,
    /// `--database.name`.
    flag: String,
    /// The field.
    field: Field,
}

impl BodyFlag {
    /// The value given on the command line, as JSON of the field's kind; `None` when the flag
    /// was not given.
    pub fn value(&self, matches: &ArgMatches) -> Result<Option<Value>, Failure> {
        let id = self.id.as_str();
        let value = match &self.field.kind {
            Kind::List(item) => {
                let Some(values) = many(matches, id, item) else {
                    return Ok(None);
                };
                Value::Array(values)
            }
            Kind::Records | Kind::Object => {
                let Some(text) = matches.try_get_one::<String>(id).ok().flatten() else {
                    return Ok(None);
                };
                body::parse_flag(&self.flag, text, self.field.kind == Kind::Records)?
            }
            kind => match many(matches, id, kind).and_then(|v| v.into_iter().next()) {
                Some(value) => value,
                None => return Ok(None),
            },
        };
        Ok(Some(value))
    }

    /// The field's path in the body.
    pub fn path(&self) -> &[String] {
        &self.field.path
    }

    /// `--database.name`.
    pub fn flag(&self) -> &str {
        &self.flag
    }
}

/// The values of `id`, read with the parser [`parser_of`] gave it.
fn many(matches: &ArgMatches, id: &str, kind: &Kind) -> Option<Vec<Value>> {
    let values: Vec<Value> = match kind {
        Kind::Integer => matches
            .try_get_many::<i64>(id)
            .ok()??
            .map(|v| Value::from(*v))
            .collect(),
        Kind::Number => matches
            .try_get_many::<f64>(id)
            .ok()??
            .map(|v| Value::from(*v))
            .collect(),
        Kind::Boolean => matches
            .try_get_many::<bool>(id)
            .ok()??
            .map(|v| Value::from(*v))
            .collect(),
        _ => matches
            .try_get_many::<String>(id)
            .ok()??
            .map(|v| Value::from(v.as_str()))
            .collect(),
    };
    Some(values)
}

/// `instance_id` → `instance-id`: the shell's spelling of a wire name.
pub fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    for (i, c) in name.chars().enumerate() {
        if c == '_' {
            out.push('-');
        } else if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The command of `op`, and its body-field flags. `doc` gives the body's fields; without it
/// (never in practice) the body is taken from `--body` only.
pub fn operation_command(
    op: Operation,
    doc: Option<&Document>,
) -> Result<(clap::Command, Vec<BodyFlag>), Failure> {
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
            "\n\nThe body is a {}: give it with --body (JSON or YAML; a FILE, @FILE, - for \
             standard input, or inline), start from the one --skeleton prints, and set any of \
             its fields with the flags under \"{BODY_FIELDS}\" (they win over --body).",
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
        // --instance (or DBSS_INSTANCE_ID) stands in for --instance-id, as in the other commands.
        let required = p.required && p.name != "instance_id";
        let where_ = match p.location {
            ParamLocation::Path => "path",
            _ => "query",
        };
        let mut arg = Arg::new(p.name)
            .long(kebab(p.name))
            .value_name("VALUE")
            .required(required)
            .action(ArgAction::Set)
            .help(format!("[{where_}] {}", p.description));
        if kebab(p.name) != p.name {
            arg = arg.visible_alias(p.name);
        }
        command = command.arg(arg);
    }
    if let Some(body) = info.body {
        command = command
            .arg(
                Arg::new("body")
                    .long("body")
                    .value_name("FILE|@FILE|-|JSON|YAML")
                    .required(body.required && doc.is_none())
                    .help(format!(
                        "The body ({}), JSON or YAML: a file, @file, - (standard input) or \
                         inline.",
                        body.schema
                    )),
            )
            .arg(
                Arg::new("skeleton")
                    .long("skeleton")
                    .action(ArgAction::SetTrue)
                    .help(
                        "Print a body with every field, ready to edit (JSON, or YAML with \
                         --output yaml), and send nothing.",
                    ),
            );
    }
    command = command.arg(
        Arg::new("all-pages")
            .long("all-pages")
            .action(ArgAction::SetTrue)
            .hide(info.pagination.is_none())
            .help(
                "Fetch every page, from the position given (or the first), and print the items \
                 of all pages as one list.",
            ),
    );
    if info.answer == AnswerKind::Bytes {
        command = command.arg(
            Arg::new("out")
                .long("out")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Write the file here instead of to standard output."),
        );
    }
    let mut flags = Vec::new();
    if let (Some(body), Some(doc)) = (info.body, doc) {
        let taken: BTreeSet<String> = command
            .get_arguments()
            .filter_map(|a| a.get_long_and_visible_aliases())
            .flatten()
            .map(str::to_owned)
            .chain(crate::args::global_flags())
            .chain(["help".to_owned()])
            .collect();
        for field in doc.fields(body.schema)? {
            let flag = body_flag(field, &taken);
            command = command.arg(body_arg(&flag));
            flags.push(flag);
        }
    }
    Ok((command, flags))
}

/// The flag of `field`: its path in kebab-case, `body.` first when its first name is already a
/// flag of the command or a global one (`--body.region`).
fn body_flag(field: Field, taken: &BTreeSet<String>) -> BodyFlag {
    let dotted = field
        .path
        .iter()
        .map(|n| kebab(n))
        .collect::<Vec<_>>()
        .join(".");
    let first = field.path.first().map(|n| kebab(n)).unwrap_or_default();
    let first_wire = field.path.first().cloned().unwrap_or_default();
    let name = if taken.contains(&first) || taken.contains(&first_wire) {
        format!("body.{dotted}")
    } else {
        dotted
    };
    BodyFlag {
        id: format!("body:{}", field.dotted()),
        flag: format!("--{name}"),
        field,
    }
}

fn body_arg(flag: &BodyFlag) -> Arg {
    let field = &flag.field;
    let long = flag.flag.trim_start_matches('-').to_owned();
    let wire = match long.strip_prefix("body.") {
        Some(_) => format!("body.{}", field.dotted()),
        None => field.dotted(),
    };
    let mut help = format!("[{}] {}", field.summary(), field.description);
    let mut arg = Arg::new(flag.id.clone())
        .long(long.clone())
        .help_heading(BODY_FIELDS)
        .action(ArgAction::Set);
    if wire != long {
        arg = arg.visible_alias(wire);
    }
    arg = match &field.kind {
        Kind::List(item) => {
            help.push_str(" (repeat the flag, or separate the values with commas)");
            parser_of(arg, item, &field.values)
                .action(ArgAction::Append)
                .value_delimiter(',')
        }
        Kind::Records => {
            // -h names the items' fields; --help gives each its line, with its description.
            let mut short = Vec::new();
            let mut long = Vec::new();
            for item in &field.items {
                let mut summary = item.summary();
                if !item.values.is_empty() {
                    summary.push_str(&format!(", one of {}", item.values.join("|")));
                }
                let name = format!("{}[].{}", field.dotted(), item.dotted());
                short.push(format!("{name} ({summary})"));
                long.push(format!("  {name} [{summary}] {}", item.description));
            }
            help.push_str(" (a JSON or YAML list of objects)");
            let long_help = format!("{help}\nEach object's fields:\n{}", long.join("\n"));
            help.push_str(&format!(" with {}", short.join(", ")));
            return arg.value_name("LIST").help(help).long_help(long_help);
        }
        Kind::Object => {
            help.push_str(" (a JSON or YAML object)");
            arg.value_name("OBJECT")
        }
        kind => parser_of(arg, kind, &field.values),
    };
    arg.help(help)
}

/// The value name and parser of a plain value: clap then refuses `--page ten`, or a value the
/// `enum` does not list, naming the flag.
fn parser_of(arg: Arg, kind: &Kind, values: &[String]) -> Arg {
    match kind {
        Kind::Integer => arg
            .value_name("INTEGER")
            .value_parser(clap::value_parser!(i64)),
        Kind::Number => arg
            .value_name("NUMBER")
            .value_parser(clap::value_parser!(f64)),
        Kind::Boolean => arg
            .value_name("BOOL")
            .value_parser(clap::value_parser!(bool)),
        _ if !values.is_empty() => arg
            .value_name("VALUE")
            .value_parser(PossibleValuesParser::new(values.iter().cloned())),
        _ => arg.value_name("STRING"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_become_kebab_case() {
        assert_eq!(kebab("instance_id"), "instance-id");
        assert_eq!(kebab("dbType"), "db-type");
        assert_eq!(kebab("limit"), "limit");
    }

    #[test]
    fn every_operation_command_is_consistent() {
        let doc = Document::load().unwrap_or_else(|e| panic!("{e}"));
        for op in Operation::ALL {
            let (command, _) =
                operation_command(op, Some(&doc)).unwrap_or_else(|e| panic!("{op}: {e}"));
            crate::args::with_global_flags(command).debug_assert();
        }
    }
}
