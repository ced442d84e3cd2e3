//! Rules: risk rules, audit scopes, SQL-injection rules and data-masking rules. System and
//! built-in rules come with every instance and can be switched and ranked but not deleted.

use serde_json::{Map, Value, json};

use super::{
    Call, Handler, Shape, answer, conflict, copy_fields, not_found, require_all, split_ids,
    str_array,
};
use crate::error::ApiError;
use crate::ops::Operation;
use crate::state::{Records, State, format_time, object};

pub(super) fn handler(op: Operation) -> Option<Handler> {
    Some(match op {
        Operation::CreateAuditRiskRule => create_risk,
        Operation::ListAuditRuleRisksNew => list_risks,
        Operation::ShowAuditRuleRiskNew => show_risk,
        Operation::SetRiskOperationPolicy => update_risk,
        Operation::SwitchRiskRuleNew => switch_risks,
        Operation::SetRiskRuleRank => rank_risk,
        Operation::DeleteAuditRuleRisk => delete_risk,
        Operation::CreateAuditScopeRule => create_scope,
        Operation::ListAuditRuleScopesNew => list_scopes,
        Operation::UpdateAuditScopeRule => update_scope,
        Operation::SetAuditScopeRuleSwitch => switch_scopes,
        Operation::DeleteAuditScope => delete_scope,
        Operation::BatchDeleteAuditScope => batch_delete_scopes,
        Operation::CreateAuditSqlRule => create_sql,
        Operation::ListSqlInjectionRulesNew => list_sql,
        Operation::UpdateAuditSqlRule => update_sql,
        Operation::SetAuditSqlRuleSwitch => switch_sql,
        Operation::SetSqlRuleRank => rank_sql,
        Operation::DeleteAuditRuleSql => delete_sql,
        Operation::CreateSensitiveMaskRule => create_mask,
        Operation::ListAuditSensitiveMasksNew => list_masks,
        Operation::UpdateSensitiveMaskRule => update_mask,
        Operation::SetSensitiveMaskRuleSwitch => switch_masks,
        Operation::DeleteSensitiveRules => delete_mask,
        _ => return None,
    })
}

const SUCCESS: fn() -> Result<Option<Value>, ApiError> = || answer(json!({"status": "SUCCESS"}));

/// The detail fields of a risk rule, as `RuleAddRiskRuleRequest` names them.
const RISK_DETAIL: &[&str] = &[
    "action",
    "affect_rows",
    "affect_symbol",
    "client_ips",
    "db_ids",
    "exception_ips",
    "execution_symbol",
    "execution_time",
    "ignore_case",
    "risk_level",
    "schemas",
    "status",
];

/// A custom risk rule with default conditions (for fixtures).
pub(crate) fn custom_risk_rule(
    name: &str,
    level: &str,
    status: &str,
    rank: usize,
) -> Map<String, Value> {
    object(json!({
        "name": name, "type": "OPERATE", "risk_level": level, "status": status,
        "rule_type": "CUSTOMIZE", "rank": rank, "feature": "", "action": "",
        "affect_rows": 0, "affect_symbol": "NO_MATCH", "execution_symbol": "NO_MATCH",
        "execution_time": 0, "client_ips": "", "db_ids": "", "exception_ips": "",
        "ignore_case": true, "schemas": [],
    }))
}

fn unique_name(records: &Records, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if records
        .iter()
        .any(|r| r.str("name") == name && Some(r.id.as_str()) != except)
    {
        return Err(conflict(format!("A rule named {name:?} already exists")));
    }
    Ok(())
}

/// Numbers the records' `rank` from 1 in their order.
fn renumber(records: &mut Records) {
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    for (rank, id) in ids.iter().enumerate() {
        if let Some(r) = records.get_mut(id) {
            r.fields.insert("rank".into(), json!(rank + 1));
        }
    }
}

/// Sets `status` on every record of `ids`, or on none when one is unknown.
fn switch_all(
    records: &mut Records,
    ids: &[&str],
    status: &str,
    kind: &str,
) -> Result<(), ApiError> {
    require_all(records, ids, kind)?;
    for id in ids {
        if let Some(r) = records.get_mut(id) {
            r.fields.insert("status".into(), json!(status));
        }
    }
    Ok(())
}

/// Deletes a user rule; system and built-in rules stay.
fn delete_user_rule(
    records: &mut Records,
    id: &str,
    kind: &str,
    type_field: &str,
) -> Result<(), ApiError> {
    let rule = records.get(id).ok_or_else(|| not_found(kind, id))?;
    if matches!(rule.str(type_field), "SYSTEM" | "BUILD_IN") {
        return Err(conflict(format!(
            "The {kind} {id} is built in: switch it off instead"
        )));
    }
    records.remove(id);
    renumber(records);
    Ok(())
}

fn create_risk(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let name = call.body_str("rule_name").to_owned();
    let id = call.ids.report_id();
    let instance = call.instance(world)?;
    unique_name(&instance.risk_rules, &name, None)?;
    let mut fields = custom_risk_rule(&name, "", "", instance.risk_rules.len() + 1);
    copy_fields(&mut fields, call.body(), RISK_DETAIL);
    instance.risk_rules.add(id, fields);
    SUCCESS()
}

fn list_risks(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let name = call.query("name").unwrap_or("").to_owned();
    let levels = call
        .query("risk_levels")
        .map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    let shape = Shape::of("RuleRiskResponseRules");
    let instance = call.instance(world)?;
    let customize = instance
        .risk_rules
        .iter()
        .filter(|r| r.str("rule_type") == "CUSTOMIZE")
        .count();
    let items = instance
        .risk_rules
        .iter()
        .filter(|r| r.str("name").contains(&name))
        .filter(|r| {
            levels
                .as_ref()
                .is_none_or(|l| l.iter().any(|l| l == r.str("risk_level")))
        })
        .map(|r| shape.apply(&r.to_json("id")))
        .collect();
    call.page(items, object(json!({ "customize_total": customize })))
        .map(Some)
}

fn show_risk(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    let rule = instance
        .risk_rules
        .get(&id)
        .ok_or_else(|| not_found("risk rule", &id))?;
    let mut fields = rule.fields.clone();
    fields.insert("rule_id".into(), json!(id));
    fields.insert("rule_name".into(), json!(rule.str("name")));
    answer(Shape::of("ShowAuditRuleRiskNewResponse").apply(&fields))
}

fn update_risk(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let name = call.body_str("rule_name").to_owned();
    let instance = call.instance(world)?;
    unique_name(&instance.risk_rules, &name, Some(&id))?;
    let rule = instance
        .risk_rules
        .get_mut(&id)
        .ok_or_else(|| not_found("risk rule", &id))?;
    copy_fields(&mut rule.fields, call.body(), RISK_DETAIL);
    rule.fields.insert("name".into(), json!(name));
    SUCCESS()
}

fn switch_risks(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let ids = call.body_str("ids").to_owned();
    let status = call.body_str("status").to_owned();
    let instance = call.instance(world)?;
    switch_all(
        &mut instance.risk_rules,
        &split_ids(&ids),
        &status,
        "risk rule",
    )?;
    SUCCESS()
}

fn rank_risk(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.body_str("id").to_owned();
    let rank = call
        .body()
        .get("new_rank")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let instance = call.instance(world)?;
    if !instance
        .risk_rules
        .move_to(&id, rank.saturating_sub(1) as usize)
    {
        return Err(not_found("risk rule", &id));
    }
    renumber(&mut instance.risk_rules);
    answer(json!({"result": "success"}))
}

fn delete_risk(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    delete_user_rule(&mut instance.risk_rules, &id, "risk rule", "rule_type")?;
    SUCCESS()
}

const SCOPE_FIELDS: &[&str] = &[
    "action",
    "db_ids",
    "db_names",
    "db_users",
    "exception_ips",
    "source_ips",
    "source_ports",
];

fn create_scope(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let name = call.body_str("rule_name").to_owned();
    let id = call.ids.report_id();
    let instance = call.instance(world)?;
    unique_name(&instance.scopes, &name, None)?;
    let mut fields = object(json!({"name": name, "status": "ON", "all_audit": false}));
    copy_fields(&mut fields, call.body(), SCOPE_FIELDS);
    instance.scopes.add(id, fields);
    SUCCESS()
}

fn list_scopes(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let shape = Shape::of("RuleScopeInfo");
    let instance = call.instance(world)?;
    let items = instance
        .scopes
        .iter()
        .map(|r| shape.apply(&r.to_json("id")))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn update_scope(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let name = call.body_str("rule_name").to_owned();
    let instance = call.instance(world)?;
    unique_name(&instance.scopes, &name, Some(&id))?;
    let scope = instance
        .scopes
        .get_mut(&id)
        .ok_or_else(|| not_found("audit scope", &id))?;
    copy_fields(&mut scope.fields, call.body(), SCOPE_FIELDS);
    scope.fields.insert("name".into(), json!(name));
    SUCCESS()
}

fn switch_scopes(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let ids = str_array(call.body(), "ids");
    let status = call.body_str("status").to_owned();
    let instance = call.instance(world)?;
    switch_all(&mut instance.scopes, &ids, &status, "audit scope")?;
    SUCCESS()
}

fn delete_scope(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    instance
        .scopes
        .remove(&id)
        .ok_or_else(|| not_found("audit scope", &id))?;
    SUCCESS()
}

fn batch_delete_scopes(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let ids = str_array(call.body(), "ids");
    let instance = call.instance(world)?;
    require_all(&instance.scopes, &ids, "audit scope")?;
    instance.scopes.retain(|r| !ids.contains(&r.id.as_str()));
    SUCCESS()
}

fn sql_level(call: &Call<'_>) -> Result<String, ApiError> {
    match call.body_str("risk_level") {
        // The list's schema has no NO_RISK for these rules.
        "NO_RISK" => Err(ApiError::invalid(
            "risk_level must be HIGH, MEDIUM or LOW for a SQL-injection rule",
        )),
        level => Ok(level.to_owned()),
    }
}

fn create_sql(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let name = call.body_str("rule_name").to_owned();
    let level = sql_level(call)?;
    let id = call.ids.report_id();
    let instance = call.instance(world)?;
    unique_name(&instance.sql_rules, &name, None)?;
    let rank = instance.sql_rules.len() + 1;
    instance.sql_rules.add(
        id,
        object(json!({
            "name": name, "regex": call.body_str("sql_regex"), "risk_level": level,
            "status": call.body_str("status"), "type": "CUSTOMIZE", "rank": rank, "feature": "",
        })),
    );
    SUCCESS()
}

fn list_sql(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let levels: Option<Vec<String>> = match call.body_str("risk_levels") {
        "" => None,
        l => Some(l.split(',').map(str::to_owned).collect()),
    };
    let shape = Shape::of("SqlRuleResponseRules");
    let instance = call.instance(world)?;
    let items = instance
        .sql_rules
        .iter()
        .filter(|r| {
            levels
                .as_ref()
                .is_none_or(|l| l.iter().any(|l| l == r.str("risk_level")))
        })
        .map(|r| shape.apply(&r.to_json("id")))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn update_sql(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let name = call.body_str("rule_name").to_owned();
    let level = sql_level(call)?;
    let instance = call.instance(world)?;
    unique_name(&instance.sql_rules, &name, Some(&id))?;
    let rule = instance
        .sql_rules
        .get_mut(&id)
        .ok_or_else(|| not_found("SQL-injection rule", &id))?;
    rule.fields.insert("name".into(), json!(name));
    rule.fields
        .insert("regex".into(), json!(call.body_str("sql_regex")));
    rule.fields.insert("risk_level".into(), json!(level));
    rule.fields
        .insert("status".into(), json!(call.body_str("status")));
    SUCCESS()
}

fn switch_sql(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.body_str("id").to_owned();
    let status = call.body_str("status").to_owned();
    let instance = call.instance(world)?;
    switch_all(
        &mut instance.sql_rules,
        &[&id],
        &status,
        "SQL-injection rule",
    )?;
    SUCCESS()
}

fn rank_sql(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let ids = str_array(call.body(), "ids");
    let instance = call.instance(world)?;
    require_all(&instance.sql_rules, &ids, "SQL-injection rule")?;
    for (index, id) in ids.iter().enumerate() {
        instance.sql_rules.move_to(id, index);
    }
    renumber(&mut instance.sql_rules);
    SUCCESS()
}

fn delete_sql(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    delete_user_rule(&mut instance.sql_rules, &id, "SQL-injection rule", "type")?;
    SUCCESS()
}

fn create_mask(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let name = call.body_str("rule_name").to_owned();
    let id = call.ids.report_id();
    let now = format_time(call.now);
    let instance = call.instance(world)?;
    unique_name(&instance.mask_rules, &name, None)?;
    instance.mask_rules.add(
        id,
        object(json!({
            "name": name, "regex": call.body_str("mask_regex"),
            "mask_value": call.body_str("mask_value"), "status": "ON", "type": "USER_DEFINE",
            "operate_time": now,
        })),
    );
    SUCCESS()
}

fn list_masks(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let shape = Shape::of("SensitiveMaskResponseRules");
    let instance = call.instance(world)?;
    let items = instance
        .mask_rules
        .iter()
        .map(|r| shape.apply(&r.to_json("id")))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn update_mask(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let name = call.body_str("rule_name").to_owned();
    let now = format_time(call.now);
    let instance = call.instance(world)?;
    unique_name(&instance.mask_rules, &name, Some(&id))?;
    let rule = instance
        .mask_rules
        .get_mut(&id)
        .ok_or_else(|| not_found("masking rule", &id))?;
    rule.fields.insert("name".into(), json!(name));
    rule.fields
        .insert("regex".into(), json!(call.body_str("mask_regex")));
    rule.fields
        .insert("mask_value".into(), json!(call.body_str("mask_value")));
    rule.fields.insert("operate_time".into(), json!(now));
    SUCCESS()
}

fn switch_masks(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let ids = str_array(call.body(), "ids");
    let status = call.body_str("status").to_owned();
    let instance = call.instance(world)?;
    switch_all(&mut instance.mask_rules, &ids, &status, "masking rule")?;
    SUCCESS()
}

fn delete_mask(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    delete_user_rule(&mut instance.mask_rules, &id, "masking rule", "type")?;
    SUCCESS()
}
