//! Audit instances: ordering, the two lists, start, stop, reboot, upgrade, rename, delete.

use serde_json::{Map, Value, json};

use super::{Call, Handler, Shape, answer, conflict, copy_fields};
use crate::error::ApiError;
use crate::ops::Operation;
use crate::state::{Action, Instance, State, instance::instance_bean, object};

pub(super) fn handler(op: Operation) -> Option<Handler> {
    Some(match op {
        Operation::CreateInstancesPeriodOrderNew => order,
        Operation::ListAuditInstancesLast => list_last,
        Operation::ListAuditInstancesNew => list_new,
        Operation::StartAuditInstanceNew => start,
        Operation::StopAuditInstanceNew => stop,
        Operation::RebootAuditInstanceNew => reboot,
        Operation::UpdateAuditInstanceNew => update,
        Operation::DeleteInstancesNew => delete,
        Operation::ConfirmUpgradeAudit => upgrade,
        _ => return None,
    })
}

/// The most instances one order makes (the console's limit per order).
const MAX_PER_ORDER: u64 = 10;

fn order(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let body = call.body();
    let count = body
        .get("subscription_num")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    if !(1..=MAX_PER_ORDER).contains(&count) {
        return Err(ApiError::invalid(format!(
            "subscription_num must be between 1 and {MAX_PER_ORDER}"
        )));
    }
    let at = call.now + call.lifecycle;
    let project = call.project(world)?;
    let region = project.region.clone();
    let order_id = format!("CS{}", &call.ids.request_id()[..18].to_uppercase());
    for n in 0..count {
        let index = project.instances.len() + n as usize;
        let id = call.ids.request_id();
        let name = match count {
            1 => call.body_str("name").to_owned(),
            _ => format!("{}-{}", call.body_str("name"), n + 1),
        };
        let mut bean = instance_bean(
            id,
            name,
            dbss_types::InstanceStatus::Build,
            &region,
            index + 0x1000,
        );
        let first_str = |list: &str, field: &str| {
            body.get(list)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|v| v.get(field))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        bean.zone = Some(call.body_str("availability_zone").to_owned());
        bean.comment = Some(call.body_str("comment").to_owned());
        bean.vpc_id = Some(call.body_str("vpc_id").to_owned());
        bean.subnet_id = first_str("nics", "subnet_id");
        bean.security_group_id = first_str("security_groups", "id");
        bean.resource_spec_code = first_str("product_infos", "resource_spec_code");
        bean.resource_id = Some(uuid_like(call));
        bean.created = Some(crate::state::format_time(call.now));
        let mut instance = Instance::new(bean);
        instance.tags = body
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let key = t.get("key")?.as_str()?.to_owned();
                let value = t.get("value").and_then(Value::as_str).unwrap_or("");
                Some((key, value.to_owned()))
            })
            .collect();
        instance.building_until(at);
        project.instances.push(instance);
    }
    answer(json!({"order_id": order_id, "code": "0", "description": "success"}))
}

/// A fresh id in the 8-4-4-4-12 hex form of resource ids.
fn uuid_like(call: &Call<'_>) -> String {
    let hex = call.ids.request_id();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn list_last(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let project = call.project(world)?;
    let items = project
        .instances
        .iter()
        .map(|i| serde_json::to_value(&i.bean).unwrap_or(Value::Null))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn list_new(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let shape = Shape::of("ResponseAuditV2");
    let project = call.project(world)?;
    let items = project
        .instances
        .iter()
        .map(|i| {
            let mut fields = object(serde_json::to_value(&i.bean).unwrap_or(Value::Null));
            // The older list names two fields differently.
            if let Some(id) = fields.remove("id") {
                fields.insert("instance_id".into(), id);
            }
            if let Some(v6) = fields.remove("connect_ipv6") {
                fields.insert("connectIpv6".into(), v6);
            }
            // An instance that is not frozen has no scene, but this list requires one of the
            // freeze reasons: the shape's default stands in.
            fields.retain(|_, v| v.as_str() != Some(""));
            shape.apply(&fields)
        })
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn act(call: &Call<'_>, world: &mut State, id: &str, action: Action) -> Result<(), ApiError> {
    let (now, takes) = (call.now, call.lifecycle);
    call.instance_by_id(world, id)?
        .begin(action, now, takes)
        .map_err(conflict)
}

fn start(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    act(call, world, call.body_str("instance_id"), Action::Start)?;
    answer(json!({"result": "success"}))
}

fn stop(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    act(call, world, call.body_str("instance_id"), Action::Stop)?;
    answer(json!({"result": "success"}))
}

fn reboot(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    act(call, world, call.body_str("instance_id"), Action::Reboot)?;
    answer(json!({"result": "success"}))
}

fn delete(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    act(call, world, call.body_str("id"), Action::Delete)?;
    answer(json!({"result": "success"}))
}

fn update(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = call.instance(world)?;
    let mut fields = Map::new();
    copy_fields(&mut fields, call.body(), &["name", "comment"]);
    if let Some(name) = fields.get("name").and_then(Value::as_str) {
        instance.bean.name = Some(name.to_owned());
    }
    if let Some(comment) = fields.get("comment").and_then(Value::as_str) {
        instance.bean.comment = Some(comment.to_owned());
    }
    answer(json!({"result": "success"}))
}

fn upgrade(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let resource_id = call.path("resource_id").to_owned();
    let (now, takes) = (call.now, call.lifecycle);
    let project = call.project(world)?;
    let instance = project
        .instances
        .iter_mut()
        .find(|i| i.bean.resource_id.as_deref() == Some(resource_id.as_str()))
        .ok_or_else(|| super::not_found("audit instance resource", &resource_id))?;
    instance
        .begin(Action::Upgrade, now, takes)
        .map_err(conflict)?;
    answer(json!({
        "code": 0, "description": "success",
        "order_id": "", "task_id": call.ids.request_id(),
    }))
}
