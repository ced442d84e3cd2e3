//! SQL whitelists: statements the audit lets through without raising risks.

use serde_json::{Map, Value, json};

use super::{
    Call, Handler, Shape, answer, copy_fields, epoch_ms, not_found, require_all, str_array,
};
use crate::error::ApiError;
use crate::ops::Operation;
use crate::state::State;

pub(super) fn handler(op: Operation) -> Option<Handler> {
    Some(match op {
        Operation::BatchAddAuditWhitelist => add,
        Operation::ListWhitelists => list,
        Operation::UpdateAuditWhitelist => update,
        Operation::DeleteAuditWhitelist => delete,
        _ => return None,
    })
}

fn add(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let now = epoch_ms(call.now);
    let entries: Vec<(String, Map<String, Value>)> = call
        .body()
        .get("whitelists")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| {
            let mut fields = Map::new();
            copy_fields(&mut fields, entry, &["sql", "desc", "enabled", "db_ids"]);
            fields.entry("enabled").or_insert(json!(true));
            fields.entry("db_ids").or_insert(json!([]));
            fields.entry("desc").or_insert(json!(""));
            fields.insert("create_timestamp_ms".into(), json!(now));
            fields.insert("update_timestamp_ms".into(), json!(now));
            (call.ids.report_id(), fields)
        })
        .collect();
    let instance = call.instance(world)?;
    for (id, fields) in entries {
        instance.whitelists.add(id, fields);
    }
    answer(json!({"status": "SUCCESS"}))
}

fn list(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let shape = Shape::of("WhitelistBean");
    let instance = call.instance(world)?;
    let items = instance
        .whitelists
        .iter()
        .map(|r| shape.apply(&r.to_json("id")))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn update(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let now = epoch_ms(call.now);
    let instance = call.instance(world)?;
    let entry = instance
        .whitelists
        .get_mut(&id)
        .ok_or_else(|| not_found("whitelist entry", &id))?;
    copy_fields(
        &mut entry.fields,
        call.body(),
        &["desc", "enabled", "db_ids"],
    );
    entry
        .fields
        .insert("update_timestamp_ms".into(), json!(now));
    answer(json!({"status": "SUCCESS"}))
}

fn delete(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let ids = str_array(call.body(), "whitelists");
    let instance = call.instance(world)?;
    require_all(&instance.whitelists, &ids, "whitelist entry")?;
    instance
        .whitelists
        .retain(|r| !ids.contains(&r.id.as_str()));
    answer(json!({"status": "SUCCESS"}))
}
