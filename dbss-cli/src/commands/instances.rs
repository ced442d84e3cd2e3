//! `dbss instances list`.

use futures::TryStreamExt;

use crate::args::InstancesCommand;
use crate::commands::Context;
use crate::exit::Failure;
use crate::output::{Table, cell};

/// Runs `dbss instances ...`.
pub async fn run(context: &Context, command: InstancesCommand) -> Result<(), Failure> {
    match command {
        InstancesCommand::List => list(context).await,
    }
}

async fn list(context: &Context) -> Result<(), Failure> {
    let client = context.client()?;
    let instances: Vec<_> = client
        .list_audit_instances_last()
        .items()
        .try_collect()
        .await?;
    if context.printer.is_document() {
        return context.printer.document(&instances);
    }
    let mut table = Table::new(&["ID", "NAME", "STATUS", "REGION", "SPECIFICATION", "CREATED"]);
    for i in &instances {
        table.row(vec![
            cell(i.id.as_ref()),
            cell(i.name.as_ref()),
            cell(i.status.as_ref()),
            cell(i.region.as_ref()),
            cell(i.specification.as_ref()),
            cell(i.created.as_ref()),
        ]);
    }
    Ok(context.printer.table(&table, "no audit instances")?)
}
