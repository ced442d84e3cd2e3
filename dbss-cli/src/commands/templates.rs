//! `dbss templates list`.

use crate::args::TemplatesCommand;
use crate::commands::Context;
use crate::exit::Failure;
use crate::output::{Table, cell};

/// Runs `dbss templates ...`.
pub async fn run(context: &Context, command: TemplatesCommand) -> Result<(), Failure> {
    match command {
        TemplatesCommand::List => list(context).await,
    }
}

async fn list(context: &Context) -> Result<(), Failure> {
    let instance = context.instance()?;
    let client = context.client()?;
    let templates = client.list_templates(instance).send().await?;
    if context.printer.is_document() {
        return context.printer.document(&templates);
    }
    Ok(context
        .printer
        .table(&table(&templates), "no report templates")?)
}

/// The templates as a table (shared with `dbss demo`).
pub fn table(templates: &[dbss_client::types::TemplateBean]) -> Table {
    let mut table = Table::new(&["ID", "NAME", "TYPE", "GROUP", "STATUS", "FREQUENCY"]);
    for t in templates {
        table.row(vec![
            cell(t.id.as_ref()),
            cell(t.name.as_ref()),
            cell(t.type_.as_ref()),
            cell(t.group.as_ref()),
            cell(t.status.as_ref()),
            cell(t.frequency.as_ref()),
        ]);
    }
    table
}
