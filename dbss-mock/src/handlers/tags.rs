//! Tags of audit instances (resource type `auditInstance`, addressed by the instance's
//! `resource_id`), and the project-wide tag queries: the keys and values in use, and the
//! instances a tag filter selects.

use serde_json::{Value, json};

use super::{Call, Handler, answer, not_found};
use crate::error::ApiError;
use crate::ops::Operation;
use crate::state::{Instance, State};

pub(super) fn handler(op: Operation) -> Option<Handler> {
    Some(match op {
        Operation::BatchAddResourceTag => add,
        Operation::BatchDeleteResourceTag => delete,
        Operation::ListAuditTags => list,
        Operation::ListProjectResourceTags => project_tags,
        Operation::ListResourceInstanceByTag => filter,
        Operation::CountResourceInstanceByTag => count,
        _ => return None,
    })
}

fn tagged<'w>(call: &Call<'_>, world: &'w mut State) -> Result<&'w mut Instance, ApiError> {
    let resource_id = call.path("resource_id").to_owned();
    call.project(world)?
        .instances
        .iter_mut()
        .find(|i| i.bean.resource_id.as_deref() == Some(resource_id.as_str()))
        .ok_or_else(|| not_found("resource", &resource_id))
}

/// `(key, value)` pairs of a body member like `tags: [{key, value}]`.
fn pairs(body: &Value, name: &str) -> Vec<(String, Option<String>)> {
    body.get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let key = t.get("key")?.as_str()?.to_owned();
            Some((
                key,
                t.get("value").and_then(Value::as_str).map(str::to_owned),
            ))
        })
        .collect()
}

fn add(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let new = pairs(call.body(), "tags");
    let instance = tagged(call, world)?;
    for (key, value) in new {
        let value = value.unwrap_or_default();
        match instance.tags.iter_mut().find(|(k, _)| *k == key) {
            Some(tag) => tag.1 = value,
            None => instance.tags.push((key, value)),
        }
    }
    Ok(None)
}

fn delete(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let gone = pairs(call.body(), "tags");
    let instance = tagged(call, world)?;
    instance.tags.retain(|(k, v)| {
        !gone
            .iter()
            .any(|(key, value)| key == k && value.as_ref().is_none_or(|value| value == v))
    });
    answer(json!(""))
}

fn tag_list(instance: &Instance) -> Vec<Value> {
    instance
        .tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect()
}

fn list(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = tagged(call, world)?;
    answer(json!({"tags": tag_list(instance), "sys_tags": []}))
}

fn project_tags(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let project = call.project(world)?;
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in project.instances.iter().flat_map(|i| i.tags.iter()) {
        match keys.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) if !values.contains(value) => values.push(value.clone()),
            Some(_) => {}
            None => keys.push((key.clone(), vec![value.clone()])),
        }
    }
    let tags: Vec<Value> = keys
        .into_iter()
        .map(|(key, values)| json!({"key": key, "values": values}))
        .collect();
    answer(json!({ "tags": tags }))
}

/// A `{key, values}` condition: the instance has the key with one of the values (any value
/// when the list is empty).
fn has(instance: &Instance, condition: &Value) -> bool {
    let key = condition.get("key").and_then(Value::as_str).unwrap_or("");
    let values: Vec<&str> = condition
        .get("values")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    instance
        .tags
        .iter()
        .any(|(k, v)| k == key && (values.is_empty() || values.contains(&v.as_str())))
}

/// Whether the body's filter selects the instance: all of `tags`, one of `tags_any`, not all
/// of `not_tags`, none of `not_tags_any`, no tag at all with `without_any_tag`, and the
/// `resource_name` of `matches` as a substring of the name.
fn selects(body: &Value, instance: &Instance) -> bool {
    let list = |name: &str| -> Vec<Value> {
        body.get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    if body.get("without_any_tag").and_then(Value::as_bool) == Some(true) {
        return instance.tags.is_empty();
    }
    let (all, any, not_all, not_any) = (
        list("tags"),
        list("tags_any"),
        list("not_tags"),
        list("not_tags_any"),
    );
    let name_ok = list("matches").iter().all(|m| {
        m.get("key").and_then(Value::as_str) != Some("resource_name")
            || instance
                .name()
                .contains(m.get("value").and_then(Value::as_str).unwrap_or(""))
    });
    name_ok
        && all.iter().all(|c| has(instance, c))
        && (any.is_empty() || any.iter().any(|c| has(instance, c)))
        && (not_all.is_empty() || !not_all.iter().all(|c| has(instance, c)))
        && !not_any.iter().any(|c| has(instance, c))
}

fn selected(call: &Call<'_>, world: &mut State) -> Result<Vec<Value>, ApiError> {
    let body = call.body().clone();
    let project = call.project(world)?;
    Ok(project
        .instances
        .iter()
        .filter(|i| selects(&body, i))
        .map(|i| {
            json!({
                "resource_id": i.bean.resource_id.clone().unwrap_or_default(),
                "resource_name": i.name(),
                "resource_detail": {"instance_id": i.id()},
                "tags": tag_list(i),
                "sys_tags": [],
            })
        })
        .collect())
}

fn filter(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let items = selected(call, world)?;
    call.page(items, serde_json::Map::new()).map(Some)
}

fn count(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let total = selected(call, world)?.len();
    answer(json!({"total_count": total, "resources": []}))
}
