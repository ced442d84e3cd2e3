//! The CLI's conventions (issue 26, item 3): kebab-case flags with the wire names as aliases,
//! body fields in `--help`, `--skeleton`, body-field flags, YAML bodies, `--output
//! json|yaml|table|tsv`, `--query`, completions that know the operations; and bad input
//! (a bad `--query`, an unknown body flag, bad YAML) refused by name with nothing sent.

#![allow(clippy::unwrap_used)]

use crate::support;

use dbss_mock::{MockServer, Operation};
use serde_json::{Value, json};
use support::{Auth, command, dbss, mock, run};

/// The document's fields of a body schema, walked here independently of the CLI: the dotted
/// wire path of every plain value, list and list of objects, with the schema of each.
fn leaf_fields(doc: &Value, schema: &Value, path: &str, out: &mut Vec<(String, Value, bool)>) {
    let resolve = |s: &Value| -> Value {
        let mut s = s.clone();
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap();
            s = doc["components"]["schemas"][name].clone();
        }
        s
    };
    let schema = resolve(schema);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, property) in schema["properties"].as_object().unwrap() {
        let property = resolve(property);
        let dotted = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        if property.get("properties").is_some() {
            leaf_fields(doc, &property, &dotted, out);
        } else {
            out.push((dotted, property, required.contains(&name.as_str())));
        }
    }
}

fn document() -> Value {
    serde_json::from_str(dbss_mock::OPENAPI_DOCUMENT).unwrap()
}

fn body_schema(op: Operation) -> Value {
    let name = op.info().body.unwrap().schema;
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// What `--help` calls the type of a field.
fn kind_name(schema: &Value) -> String {
    match schema["type"].as_str().unwrap_or("string") {
        "array" if schema["items"].get("type").is_some() => {
            format!("list of {}", schema["items"]["type"].as_str().unwrap())
        }
        "array" => "list of objects".to_owned(),
        other => other.to_owned(),
    }
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn kebab(dotted: &str) -> String {
    dotted.replace('_', "-")
}

#[tokio::test]
async fn parameters_are_kebab_case_flags_and_the_wire_names_still_work() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    for flag in ["--instance-id", "--instance_id"] {
        let mut cmd = command(&mock, Auth::AkSk, home.path());
        // No DBSS_INSTANCE_ID: the flag alone names the instance.
        cmd.env_remove("DBSS_INSTANCE_ID");
        let out = run(
            cmd,
            &["api", "list_audit_databases_new", flag, mock.instance_id()],
        )
        .await;
        out.ok();
        assert!(out.json().is_object(), "{out:#?}");
    }
    assert_eq!(mock.requests(Operation::ListAuditDatabasesNew), 2);

    let help = dbss(
        &mock,
        Auth::None,
        &["api", "list_audit_databases_new", "--help"],
    )
    .await;
    help.ok();
    assert!(help.stdout.contains("--instance-id <VALUE>"), "{help:#?}");
    assert!(
        help.stdout.contains("--instance_id"),
        "the alias is shown: {help:#?}"
    );
}

/// Every operation with a body: its `--help` lists every field of the body (nested ones as
/// `a.b`) with its type, whether it is required, its enum values and its description.
#[tokio::test]
async fn help_lists_every_body_field_with_type_requirement_values_and_description() {
    let mock = mock().await;
    let doc = document();
    let mut checked = 0;
    for op in Operation::ALL
        .into_iter()
        .filter(|op| op.info().body.is_some())
    {
        let out = dbss(&mock, Auth::None, &["api", op.operation_id(), "--help"]).await;
        out.ok();
        let help = squeeze(&out.stdout);
        let mut fields = Vec::new();
        leaf_fields(&doc, &body_schema(op), "", &mut fields);
        for (dotted, schema, required) in fields {
            let flag = format!("--{}", kebab(&dotted));
            let moved = format!("--body.{}", kebab(&dotted));
            // A field named like a global flag (`region`) is `--body.region`.
            let at = help
                .find(&format!("{moved} <"))
                .or_else(|| help.find(&format!("{flag} <")))
                .unwrap_or_else(|| panic!("{op}: no flag for {dotted}: {help}"));
            // The flag's entry: up to the next flag of the list.
            let entry = &help[at..];
            let entry = &entry[..entry[2..].find(" --").map_or(entry.len(), |end| end + 2)];
            let kind = kind_name(&schema);
            assert!(
                entry.contains(&format!("[{kind}")),
                "{op} {dotted}: {entry}"
            );
            assert_eq!(
                entry.contains(&format!("[{kind}, required")),
                required,
                "{op} {dotted}: {entry}"
            );
            let description = squeeze(schema["description"].as_str().unwrap_or_default());
            let start: String = description.chars().take(40).collect();
            assert!(entry.contains(start.trim()), "{op} {dotted}: {entry}");
            for value in schema["enum"].as_array().into_iter().flatten() {
                assert!(
                    entry.contains(value.as_str().unwrap()),
                    "{op} {dotted}: {value} missing: {entry}"
                );
            }
            checked += 1;
            // A list of objects: each field of its objects, as `list[].field`.
            if kind == "list of objects" {
                let mut items = Vec::new();
                leaf_fields(&doc, &schema["items"], "", &mut items);
                for (item, item_schema, item_required) in items {
                    let name = format!("{dotted}[].{item}");
                    let at = entry
                        .find(&format!("{name} ["))
                        .unwrap_or_else(|| panic!("{op}: no {name}: {entry}"));
                    let line = &entry[at..];
                    let item_kind = kind_name(&item_schema);
                    let prefix = format!("{name} [{item_kind}");
                    assert!(line.starts_with(&prefix), "{op} {name}: {line}");
                    assert_eq!(
                        line.starts_with(&format!("{prefix}, required")),
                        item_required,
                        "{op} {name}: {line}"
                    );
                    let description = squeeze(item_schema["description"].as_str().unwrap_or(""));
                    let start: String = description.chars().take(30).collect();
                    assert!(line.contains(start.trim()), "{op} {name}: {line}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} fields checked");
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn skeleton_prints_every_body_field_as_json_or_yaml_and_sends_nothing() {
    let mock = mock().await;
    let op = Operation::AddAuditDatabaseNew;
    let out = dbss(&mock, Auth::AkSk, &["api", op.operation_id(), "--skeleton"]).await;
    let skeleton = out.ok().json();
    let mut fields = Vec::new();
    leaf_fields(&document(), &body_schema(op), "", &mut fields);
    for (dotted, _, _) in &fields {
        let pointer = format!("/{}", dotted.replace('.', "/"));
        assert!(skeleton.pointer(&pointer).is_some(), "{dotted}: {skeleton}");
    }
    assert_eq!(
        skeleton["database"]["charset"], "GBK",
        "an enum's first value"
    );

    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", op.operation_id(), "--skeleton", "--output", "yaml"],
    )
    .await;
    out.ok();
    let yaml: Value = serde_saphyr::from_str(&out.stdout).unwrap();
    assert_eq!(yaml, skeleton);
    assert_eq!(mock.total_requests(), 0);
}

/// The skeleton, saved as YAML and edited with body-field flags, is a body the service takes.
#[tokio::test]
async fn a_yaml_body_and_body_field_flags_make_one_body() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "create_report", "--skeleton", "--output", "yaml"],
    )
    .await;
    let file = dir.path().join("report.yaml");
    std::fs::write(&file, &out.ok().stdout).unwrap();
    let before = mock.reports().len();
    let body = format!("@{}", file.display());
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "create_report",
            "--body",
            &body,
            "--template-id",
            mock.template_id(),
            "--db-ids",
            "db-7",
        ],
    )
    .await;
    out.ok();
    assert_eq!(mock.requests(Operation::CreateReport), 1);
    let reports = mock.reports();
    assert_eq!(reports.len(), before + 1);
    // The flag won over the skeleton's empty db_ids.
    assert!(
        reports.iter().any(|r| r.db_ids.as_deref() == Some("db-7")),
        "{reports:#?}"
    );

    // Inline YAML, and a nested field set by its dotted flag (the mock validates the body).
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "list_audit_sqls_new",
            "--body",
            "time: {time_range: HALF_HOUR}\npage: 1\nsize: 10",
            "--time.time-range",
            "HOUR",
            "--time-order",
            "DESC",
        ],
    )
    .await;
    out.ok();
    assert_eq!(mock.requests(Operation::ListAuditSqlsNew), 1);
}

#[tokio::test]
async fn bad_yaml_an_unknown_body_flag_and_a_bad_value_are_refused_by_name_and_nothing_is_sent() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, "database:\n  name: [orders\n  port: 1\n").unwrap();
    let body = format!("@{}", file.display());
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "add_audit_database_new", "--body", &body],
    )
    .await;
    out.expect_code(3);
    assert!(out.stderr.contains("bad.yaml"), "names the file: {out:#?}");
    assert!(out.stderr.contains("not valid YAML"), "{out:#?}");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{out:#?}");

    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "list_audit_sqls_new", "--body", "time: [a\nsize: 1"],
    )
    .await;
    out.expect_code(3);
    assert!(
        out.stderr
            .contains("--body (the inline body) is not valid YAML"),
        "{out:#?}"
    );

    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "add_audit_database_new", "--database.nmae", "orders"],
    )
    .await;
    out.expect_code(2);
    assert!(out.stderr.contains("--database.nmae"), "{out:#?}");
    assert!(
        out.stderr.contains("--database.name"),
        "suggests the field: {out:#?}"
    );

    // A value the field's enum does not list.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "add_audit_database_new",
            "--database.charset",
            "LATIN1",
        ],
    )
    .await;
    out.expect_code(2);
    assert!(out.stderr.contains("--database.charset"), "{out:#?}");
    assert!(out.stderr.contains("UTF8"), "lists the values: {out:#?}");
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "list_audit_sqls_new", "--size", "ten"],
    )
    .await;
    out.expect_code(2);
    assert!(out.stderr.contains("--size"), "{out:#?}");

    // A required body given neither by --body nor by a field flag.
    let out = dbss(&mock, Auth::AkSk, &["api", "create_report"]).await;
    out.expect_code(2);
    assert!(out.stderr.contains("needs a body"), "{out:#?}");
    assert!(out.stderr.contains("--skeleton"), "{out:#?}");
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn every_output_format_for_a_workflow_command_and_for_api() {
    let mock = MockServer::builder().instances(3).start().await.unwrap();
    let ids = mock.instance_ids();

    // api: JSON unless told otherwise.
    let out = dbss(&mock, Auth::AkSk, &["api", "list_audit_instances_last"]).await;
    let answer = out.ok().json();
    assert!(answer.is_object(), "{out:#?}");

    // A table of the list's items, one row each, under a header.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "list_audit_instances_last", "--output", "table"],
    )
    .await;
    out.ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), ids.len() + 1, "{out:#?}");
    assert!(lines[0].split_whitespace().any(|c| c == "id"), "{out:#?}");
    for id in &ids {
        assert!(
            lines.iter().any(|l| l.contains(id.as_str())),
            "{id}: {out:#?}"
        );
    }

    // TSV: the same rows, tab-separated.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["--output", "tsv", "api", "list_audit_instances_last"],
    )
    .await;
    out.ok();
    let header: Vec<&str> = out.stdout.lines().next().unwrap().split('\t').collect();
    let id_column = header.iter().position(|c| *c == "id").unwrap();
    let listed: Vec<&str> = out
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(id_column).unwrap())
        .collect();
    assert_eq!(listed.len(), ids.len());
    for id in &ids {
        assert!(listed.contains(&id.as_str()), "{id}: {out:#?}");
    }

    // YAML: the same document.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "list_audit_instances_last", "--output", "yaml"],
    )
    .await;
    let yaml: Value = serde_saphyr::from_str(&out.ok().stdout).unwrap();
    assert_eq!(yaml["total"], answer["total"]);

    // A workflow command in each format.
    let json = dbss(
        &mock,
        Auth::AkSk,
        &["--output", "json", "templates", "list"],
    )
    .await;
    let templates = json.ok().json();
    let yaml = dbss(
        &mock,
        Auth::AkSk,
        &["templates", "list", "--output", "yaml"],
    )
    .await;
    let from_yaml: Value = serde_saphyr::from_str(&yaml.ok().stdout).unwrap();
    assert_eq!(from_yaml, templates);
    let tsv = dbss(&mock, Auth::AkSk, &["templates", "list", "--output", "tsv"]).await;
    tsv.ok();
    assert_eq!(
        tsv.stdout.lines().count(),
        templates.as_array().unwrap().len() + 1,
        "{tsv:#?}"
    );
    assert!(tsv.stdout.contains(mock.template_id()), "{tsv:#?}");
    let table = dbss(&mock, Auth::AkSk, &["templates", "list"]).await;
    assert!(table.ok().stdout.starts_with("ID "), "{table:#?}");
}

#[tokio::test]
async fn query_selects_from_the_answer_of_any_command() {
    let mock = MockServer::builder().instances(3).start().await.unwrap();
    let mut ids = mock.instance_ids();
    ids.sort();

    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "list_audit_instances_last",
            "--query",
            "sort(instances[].id)",
        ],
    )
    .await;
    assert_eq!(out.ok().json(), json!(ids));

    // A workflow command, in TSV: one id a line.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "--query",
            &format!("[?id=='{}'].id", mock.template_id()),
            "--output",
            "tsv",
            "templates",
            "list",
        ],
    )
    .await;
    assert_eq!(out.ok().stdout, format!("{}\n", mock.template_id()));
}

#[tokio::test]
async fn a_bad_query_is_refused_by_name_before_anything_is_sent() {
    let mock = mock().await;
    for args in [
        vec![
            "api",
            "list_audit_instances_last",
            "--query",
            "audit_instances[?",
        ],
        vec!["--query", "audit_instances[?", "templates", "list"],
        vec![
            "--query",
            "audit_instances[?",
            "api",
            "show_audit_quota_new",
        ],
    ] {
        let out = dbss(&mock, Auth::AkSk, &args).await;
        out.expect_code(2);
        assert!(out.stderr.contains("--query"), "{args:?}: {out:#?}");
        assert!(
            out.stderr.contains("audit_instances[?"),
            "{args:?}: {out:#?}"
        );
    }
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn completions_know_the_operations_and_their_flags() {
    let mock = mock().await;
    for shell in ["bash", "zsh", "fish"] {
        let out = dbss(&mock, Auth::None, &["completions", shell]).await;
        out.ok();
        for word in [
            "list_audit_sqls_new",
            "add_audit_database_new",
            "instance-id",
            "database.charset",
            "GBASE8A",
        ] {
            assert!(out.stdout.contains(word), "{shell}: no {word}");
        }
    }
}
