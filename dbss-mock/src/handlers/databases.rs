//! Audited databases (added by address or from RDS, listed, switched on and off, deleted, up
//! to the instance's database limit) and the agents that capture their traffic.

use serde_json::{Map, Value, json};

use super::{Call, Handler, Shape, answer, conflict, copy_fields, not_found};
use crate::error::ApiError;
use crate::ops::Operation;
use crate::state::{Instance, State, object};

pub(super) fn handler(op: Operation) -> Option<Handler> {
    Some(match op {
        Operation::AddAuditDatabaseNew => add,
        Operation::AddRdsDatabaseNew => add_rds,
        Operation::ListAuditDatabasesNew => list,
        Operation::SwitchAuditDatabaseNew => switch,
        Operation::DeleteAuditDatabaseNew => delete,
        Operation::AddAuditAgentNew => add_agent,
        Operation::ListAuditAgentNew => list_agents,
        Operation::SwitchAgentNew => switch_agent,
        Operation::DeleteAuditAgentNew => delete_agent,
        _ => return None,
    })
}

fn check_limit(instance: &Instance) -> Result<(), ApiError> {
    if instance.databases.len() >= instance.database_limit() {
        return Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            crate::codes::LIMIT_EXCEEDED,
            format!(
                "The audit instance {} already audits {} databases, its limit",
                instance.id(),
                instance.database_limit()
            ),
        ));
    }
    Ok(())
}

fn add(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let db = call.body().get("database").cloned().unwrap_or(Value::Null);
    let id = call.ids.report_id();
    let instance = call.instance(world)?;
    check_limit(instance)?;
    let text = |name: &str| db.get(name).and_then(Value::as_str).unwrap_or("");
    if instance.databases.iter().any(|r| {
        r.str("ip") == text("ip") && r.str("port") == text("port") && r.str("name") == text("name")
    }) {
        return Err(conflict(format!(
            "The database {} at {}:{} is already audited by this instance",
            text("name"),
            text("ip"),
            text("port")
        )));
    }
    let mut fields = Map::new();
    copy_fields(
        &mut fields,
        &db,
        &[
            "name",
            "type",
            "version",
            "ip",
            "port",
            "os",
            "charset",
            "db_classification",
            "instance_name",
        ],
    );
    fields.entry("instance_name").or_insert(json!(""));
    fields.insert("status".into(), json!("OFF"));
    fields.insert("audit_status".into(), json!("SHUTOFF"));
    fields.insert("agent_url".into(), json!([]));
    fields.insert("rds_audit_switch_mismatch".into(), json!(false));
    instance.databases.add(id.clone(), fields);
    answer(json!({ "id": id }))
}

fn default_port(db_type: &str) -> &'static str {
    match db_type {
        "POSTGRESQL" | "GAUSSDBOPENGAUSS" | "DWS" => "5432",
        "SQLSERVER" => "1433",
        "ORACLE" => "1521",
        "DAMENG" => "5236",
        "KINGBASE" => "54321",
        _ => "3306",
    }
}

fn add_rds(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let wanted: Vec<(String, String)> = call
        .body()
        .get("databases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| {
            let s = |n: &str| d.get(n).and_then(Value::as_str).unwrap_or("").to_owned();
            (s("id"), s("type"))
        })
        .collect();
    let ids: Vec<String> = wanted.iter().map(|_| call.ids.report_id()).collect();
    let instance = call.instance(world)?;
    let mut results = Vec::new();
    for ((rds_id, db_type), id) in wanted.into_iter().zip(ids) {
        let failed = if instance.databases.iter().any(|r| r.str("rds_id") == rds_id) {
            Some("The RDS database is already audited by this instance".to_owned())
        } else {
            check_limit(instance).err().map(|e| e.msg)
        };
        if let Some(message) = failed {
            results.push(json!({"id": rds_id, "ret_status": "FAILED", "ret_message": message}));
            continue;
        }
        let short: String = rds_id.chars().take(8).collect();
        instance.databases.add(
            id,
            object(json!({
                "name": format!("rds-{short}"), "type": db_type, "version": "",
                "ip": "192.0.2.100", "port": default_port(&db_type), "os": "LINUX64",
                "charset": "UTF8", "db_classification": "RDS", "instance_name": format!("rds-{short}"),
                "rds_id": rds_id, "status": "OFF", "audit_status": "SHUTOFF", "agent_url": [],
                "rds_audit_switch_mismatch": false,
            })),
        );
        results.push(json!({"id": rds_id, "ret_status": "SUCCESS", "ret_message": "success"}));
    }
    answer(json!({ "ret_list": results }))
}

fn list(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let status = call.query("status").map(str::to_owned);
    let shape = Shape::of("DataBase");
    let instance = call.instance(world)?;
    let items = instance
        .databases
        .iter()
        .filter(|r| status.as_deref().is_none_or(|s| r.str("status") == s))
        .map(|r| json!({ "database": shape.apply(&r.to_json("id")) }))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn switch(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.body_str("id").to_owned();
    let status = call.body_str("status");
    let instance = call.instance(world)?;
    let db = instance
        .databases
        .get_mut(&id)
        .ok_or_else(|| not_found("database", &id))?;
    let audit = if status == "ON" { "ACTIVE" } else { "SHUTOFF" };
    db.fields.insert("status".into(), json!(status));
    db.fields.insert("audit_status".into(), json!(audit));
    answer(json!({"status": "SUCCESS"}))
}

fn delete(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    instance
        .databases
        .remove(&id)
        .ok_or_else(|| not_found("database", &id))?;
    instance.agents.retain(|a| a.str("db_id") != id);
    answer(json!({"status": "SUCCESS"}))
}

fn add_agent(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let body = call.body().clone();
    let db_id = call.body_str("db_id").to_owned();
    let id = match call.body_str("agent_id") {
        "" => call.ids.report_id(),
        given => given.to_owned(),
    };
    let instance = call.instance(world)?;
    let db_name = instance
        .databases
        .get(&db_id)
        .ok_or_else(|| not_found("database", &db_id))?
        .str("name")
        .to_owned();
    if instance.agents.get(&id).is_some() {
        return Err(conflict(format!("The agent {id} already exists")));
    }
    let mut fields = Map::new();
    copy_fields(
        &mut fields,
        &body,
        &[
            "agent_ip",
            "agent_nic",
            "agent_os",
            "agent_type",
            "cpu_threshold",
            "mem_threshold",
            "mode",
            "db_id",
        ],
    );
    fields.entry("agent_ip").or_insert(json!("192.0.2.200"));
    fields.insert("db_name".into(), json!(db_name));
    fields.insert("status".into(), json!(1));
    fields.insert("datacap_status".into(), json!(0));
    fields.insert("universal".into(), json!(false));
    instance.agents.add(id, fields);
    answer(json!({"result": "success"}))
}

fn list_agents(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let db_id = call.query("db_id").unwrap_or("").to_owned();
    let shape = Shape::of("AuditAgentRespoonseAgents");
    let instance = call.instance(world)?;
    if instance.databases.get(&db_id).is_none() {
        return Err(not_found("database", &db_id));
    }
    let agents: Vec<Value> = instance
        .agents
        .iter()
        .filter(|a| a.str("db_id") == db_id)
        .map(|a| shape.apply(&a.to_json("agent_id")))
        .collect();
    answer(json!({ "agents": agents }))
}

fn switch_agent(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.body_str("agent_id").to_owned();
    let status = call.body().get("status").cloned().unwrap_or(json!(0));
    let instance = call.instance(world)?;
    let agent = instance
        .agents
        .get_mut(&id)
        .ok_or_else(|| not_found("agent", &id))?;
    agent.fields.insert("status".into(), status);
    answer(json!({"result": "success"}))
}

fn delete_agent(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("agent_id").to_owned();
    let db_id = call.query("db_id").unwrap_or("").to_owned();
    let instance = call.instance(world)?;
    match instance.agents.get(&id) {
        Some(agent) if agent.str("db_id") == db_id => {}
        _ => return Err(not_found("agent", &id)),
    }
    instance.agents.remove(&id);
    answer(json!({"result": "success"}))
}
