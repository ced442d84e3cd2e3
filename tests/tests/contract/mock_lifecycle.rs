//! The mock as a test kit: every resource kind through the typed client, created or added,
//! listed, changed, deleted, and refused by an unknown id; the instance lifecycle over the
//! mock's clock; several projects in several regions from a fixture; the journal and the
//! snapshot.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use dbss_client::operation::Output;
use dbss_client::{DbssClient, Error};
use dbss_contract_tests::mock_client;
use dbss_mock::{AuthVerdict, Fixture, ManualClock, MockServer, codes};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A request body of type `T` from JSON.
fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// A typed answer as JSON, for assertions.
fn answer<T: Serialize>(result: Result<Output<T>, Error>) -> Value {
    match result {
        Ok(out) => serde_json::to_value(&*out).unwrap(),
        Err(e) => panic!("{e}"),
    }
}

/// The DBSS error code of a refused call.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    let error = result.unwrap_err();
    let service = error
        .service_error()
        .unwrap_or_else(|| panic!("not a service error: {error}"));
    assert_eq!(service.status, 400, "{error}");
    assert!(service.error_msg.is_some(), "{error}");
    service.error_code.clone().unwrap()
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn setup() -> (MockServer, DbssClient, String) {
    let mock = MockServer::builder()
        .lifecycle_duration(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = mock_client::without_retries(&mock);
    let instance = mock.instance_id().to_owned();
    (mock, client, instance)
}

#[tokio::test]
async fn an_instance_is_ordered_started_stopped_rebooted_upgraded_and_deleted_over_the_clock() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .lifecycle_duration(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let client = mock_client::without_retries(&mock);
    let find = |list: &Value, name: &str| -> Value {
        list["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let list = || async { answer(client.list_audit_instances_last().send().await) };

    let order = json!({
        "availability_zone": "cn-north-4a", "charging_mode": 0,
        "cloud_service_type": "hws.service.type.dbss", "flavor_ref": "c6.xlarge.4",
        "is_auto_renew": 0, "name": "payments-audit", "nics": [{"subnet_id": "subnet-1"}],
        "period_num": 1, "period_type": 2,
        "product_infos": [{"cloud_service_type": "hws.service.type.dbss", "product_id": "p-1",
                           "resource_spec_code": "dbss.bypassaudit.low",
                           "resource_type": "hws.resource.type.dbss"}],
        "region": "cn-north-4", "security_groups": [{"id": "sg-1"}], "subscription_num": 1,
        "tags": [{"key": "env", "value": "prod"}], "vpc_id": "vpc-1",
    });
    let ordered = answer(
        client
            .create_instances_period_order_new()
            .body(body::<dbss_types::CreateInstancePeriodRequest>(order))
            .send()
            .await,
    );
    assert!(ordered["order_id"].as_str().is_some_and(|o| !o.is_empty()));
    let instance = find(&list().await, "payments-audit");
    assert_eq!(instance["status"], "BUILD");
    assert_eq!(instance["resource_spec_code"], "dbss.bypassaudit.low");
    let id = instance["id"].as_str().unwrap().to_owned();
    let resource_id = instance["resource_id"].as_str().unwrap().to_owned();

    clock.advance(Duration::from_secs(60));
    assert_eq!(find(&list().await, "payments-audit")["status"], "ACTIVE");

    // A running instance cannot be started.
    let start = || {
        client
            .start_audit_instance_new()
            .body(body::<dbss_types::ServerIdBean>(
                json!({ "instance_id": id }),
            ))
            .send()
    };
    assert_eq!(refused(start().await), codes::STATE_CONFLICT);

    client
        .stop_audit_instance_new()
        .body(body::<dbss_types::ServerIdBean>(
            json!({ "instance_id": id }),
        ))
        .send()
        .await
        .unwrap();
    let stopping = find(&list().await, "payments-audit");
    assert_eq!(
        (&stopping["status"], &stopping["task"]),
        (&json!("ACTIVE"), &json!("powering-off"))
    );
    // Busy: nothing else until the task is done.
    assert_eq!(refused(start().await), codes::STATE_CONFLICT);
    clock.advance(Duration::from_secs(60));
    assert_eq!(find(&list().await, "payments-audit")["status"], "SHUTOFF");

    start().await.unwrap();
    assert_eq!(find(&list().await, "payments-audit")["task"], "powering-on");
    clock.advance(Duration::from_secs(60));
    assert_eq!(find(&list().await, "payments-audit")["status"], "ACTIVE");

    client
        .reboot_audit_instance_new()
        .body(body::<dbss_types::ServerIdBean>(
            json!({ "instance_id": id }),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(find(&list().await, "payments-audit")["task"], "rebooting");
    clock.advance(Duration::from_secs(60));

    client
        .confirm_upgrade_audit()
        .resource_id(resource_id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(find(&list().await, "payments-audit")["status"], "UPGRADING");
    clock.advance(Duration::from_secs(60));
    let upgraded = find(&list().await, "payments-audit");
    assert_eq!(
        (&upgraded["status"], &upgraded["version"]),
        (&json!("ACTIVE"), &json!("25.9.0"))
    );

    client
        .update_audit_instance_new()
        .instance_id(id.as_str())
        .body(body::<dbss_types::UpdateAuditBean>(
            json!({"name": "payments-audit-2", "comment": "PCI scope"}),
        ))
        .send()
        .await
        .unwrap();
    let renamed = find(&list().await, "payments-audit-2");
    assert_eq!(renamed["comment"], "PCI scope");
    // The older list shows the same instance in its own shape.
    let older = answer(client.list_audit_instances_new().send().await);
    assert!(
        older["instances"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["instance_id"] == id.as_str())
    );

    client
        .delete_instances_new()
        .body(body::<dbss_types::DeleteInstanceDemandRequest>(
            json!({ "id": id }),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        find(&list().await, "payments-audit-2")["status"],
        "DELETING"
    );
    clock.advance(Duration::from_secs(60));
    assert_eq!(find(&list().await, "payments-audit-2"), Value::Null);
    assert_eq!(refused(start().await), codes::INSTANCE_NOT_FOUND);
}

#[tokio::test]
async fn databases_are_added_listed_switched_and_deleted_up_to_the_limit() {
    let (_mock, client, instance) = setup().await;
    let list = |status: Option<&'static str>| {
        let mut b = client
            .list_audit_databases_new()
            .instance_id(instance.as_str());
        if let Some(s) = status {
            b = b.status(s);
        }
        async move {
            let v = answer(b.send().await);
            v["databases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["database"].clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(None).await.len(), 2, "the two seeded databases");
    let add = |name: &str| {
        client
            .add_audit_database_new()
            .instance_id(instance.as_str())
            .body(body::<dbss_types::CreateDatabaseRequest>(
                json!({"database": {
                "charset": "UTF8", "db_classification": "ECS", "ip": "192.0.2.30", "name": name,
                "os": "LINUX64", "port": "3306", "type": "MYSQL", "version": "8.0"}}),
            ))
            .send()
    };
    let added = answer(add("ledger").await);
    let id = added["id"].as_str().unwrap().to_owned();
    let ledger = list(None)
        .await
        .into_iter()
        .find(|d| d["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        (&ledger["name"], &ledger["status"]),
        (&json!("ledger"), &json!("OFF"))
    );
    // The same database twice is refused.
    assert_eq!(refused(add("ledger").await), codes::STATE_CONFLICT);

    client
        .switch_audit_database_new()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::SwitchAuditDbRequest>(
            json!({"id": id, "status": "ON"}),
        ))
        .send()
        .await
        .unwrap();
    let on = list(Some("ON")).await;
    assert!(
        on.iter()
            .any(|d| d["id"] == id.as_str() && d["audit_status"] == "ACTIVE")
    );
    assert!(
        list(Some("OFF"))
            .await
            .iter()
            .all(|d| d["id"] != id.as_str())
    );

    client
        .delete_audit_database_new()
        .instance_id(instance.as_str())
        .id(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(list(None).await.iter().all(|d| d["id"] != id.as_str()));
    let again = client
        .delete_audit_database_new()
        .instance_id(instance.as_str())
        .id(id.as_str())
        .send()
        .await;
    assert_eq!(refused(again), codes::RESOURCE_NOT_FOUND);

    // The seeded instance audits at most 6: two seeded, four more, then the limit.
    for n in 0..4 {
        add(&format!("db{n}")).await.unwrap();
    }
    assert_eq!(refused(add("one-too-many").await), codes::LIMIT_EXCEEDED);
}

#[tokio::test]
async fn agents_are_added_for_a_database_listed_switched_and_deleted() {
    let (mock, client, instance) = setup().await;
    let db = mock.snapshot()["projects"][0]["instances"][0]["databases"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let agents = || async {
        answer(
            client
                .list_audit_agent_new()
                .instance_id(instance.as_str())
                .db_id(db.as_str())
                .send()
                .await,
        )["agents"]
            .as_array()
            .cloned()
            // An empty list is left out of the typed answer.
            .unwrap_or_default()
    };
    assert!(agents().await.is_empty(), "billing has no agent yet");
    client
        .add_audit_agent_new()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::AuditAgentRequest>(
            json!({"agent_id": "agentbilling0001", "agent_ip": "192.0.2.40",
            "agent_os": "LINUX64_X86", "agent_type": "DB", "db_id": db, "mode": 1}),
        ))
        .send()
        .await
        .unwrap();
    let listed = agents().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (&listed[0]["agent_id"], &listed[0]["status"]),
        (&json!("agentbilling0001"), &json!(1))
    );

    client
        .switch_agent_new()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::AgentSwitchRequest>(
            json!({"agent_id": "agentbilling0001", "status": 0}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(agents().await[0]["status"], 0);

    let delete = || {
        client
            .delete_audit_agent_new()
            .instance_id(instance.as_str())
            .agent_id("agentbilling0001")
            .db_id(db.as_str())
            .send()
    };
    delete().await.unwrap();
    assert!(agents().await.is_empty());
    assert_eq!(refused(delete().await), codes::RESOURCE_NOT_FOUND);
    // An agent for a database that does not exist.
    let orphan = client
        .add_audit_agent_new()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::AuditAgentRequest>(
            json!({"agent_os": "LINUX64_X86", "agent_type": "DB",
            "db_id": "nosuchdatabase00", "mode": 1}),
        ))
        .send()
        .await;
    assert_eq!(refused(orphan), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn risk_rules_are_created_listed_shown_changed_switched_ranked_and_deleted() {
    let (_mock, client, instance) = setup().await;
    let rule = |name: &str, level: &str| {
        json!({"rule_name": name, "risk_level": level, "status": "ON", "affect_rows": 1000,
               "affect_symbol": "GREATER", "execution_symbol": "NO_MATCH", "execution_time": 0})
    };
    client
        .create_audit_risk_rule()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::RuleAddRiskRuleRequest>(rule(
            "Mass update",
            "MEDIUM",
        )))
        .send()
        .await
        .unwrap();
    let list = |name: &'static str| {
        client
            .list_audit_rule_risks_new()
            .instance_id(instance.as_str())
            .name(name)
            .send()
    };
    let found = answer(list("Mass update").await);
    assert_eq!(names(&found, "rules"), ["Mass update"]);
    assert_eq!(found["total"], 1);
    let id = found["rules"][0]["id"].as_str().unwrap().to_owned();

    client
        .set_risk_operation_policy()
        .instance_id(instance.as_str())
        .id(id.as_str())
        .body(body::<dbss_types::RuleAddRiskRuleRequest>(rule(
            "Mass update",
            "HIGH",
        )))
        .send()
        .await
        .unwrap();
    let shown = answer(
        client
            .show_audit_rule_risk_new()
            .instance_id(instance.as_str())
            .id(id.as_str())
            .send()
            .await,
    );
    assert_eq!(
        (&shown["risk_level"], &shown["affect_rows"]),
        (&json!("HIGH"), &json!(1000))
    );

    client
        .switch_risk_rule_new()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::BatchSwitchesRequest>(
            json!({"ids": id, "status": "OFF"}),
        ))
        .send()
        .await
        .unwrap();
    client
        .set_risk_rule_rank()
        .instance_id(instance.as_str())
        .body(body::<dbss_types::RankRiskRuleNew>(
            json!({"id": id, "new_rank": 1}),
        ))
        .send()
        .await
        .unwrap();
    let all = answer(list("").await);
    assert_eq!(all["rules"][0]["id"], id.as_str(), "ranked first");
    assert_eq!(
        (&all["rules"][0]["status"], &all["rules"][0]["rank"]),
        (&json!("OFF"), &json!(1))
    );
    let high = answer(
        client
            .list_audit_rule_risks_new()
            .instance_id(instance.as_str())
            .risk_levels("HIGH")
            .send()
            .await,
    );
    assert!(
        high["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["risk_level"] == "HIGH")
    );

    // A system rule stays.
    let system = all["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_type"] == "SYSTEM")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let delete = |id: String| {
        client
            .delete_audit_rule_risk()
            .instance_id(instance.as_str())
            .id(id)
            .send()
    };
    assert_eq!(refused(delete(system).await), codes::STATE_CONFLICT);
    delete(id.clone()).await.unwrap();
    assert!(
        names(&answer(list("").await), "rules")
            .iter()
            .all(|n| n != "Mass update")
    );
    assert_eq!(refused(delete(id).await), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn scopes_sql_injection_and_masking_rules_go_through_their_lifecycle() {
    let (_mock, client, instance) = setup().await;
    let i = instance.as_str();

    // Audit scopes.
    let scope = |name: &str| json!({"rule_name": name, "db_ids": "", "db_names": "", "source_ips": "192.0.2.0/24"});
    client
        .create_audit_scope_rule()
        .instance_id(i)
        .body(body::<dbss_types::RuleScopeRequest>(scope("office")))
        .send()
        .await
        .unwrap();
    let scopes = || async {
        answer(
            client
                .list_audit_rule_scopes_new()
                .instance_id(i)
                .send()
                .await,
        )
    };
    let listed = scopes().await;
    let office = listed["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "office")
        .unwrap()
        .clone();
    let id = office["id"].as_str().unwrap().to_owned();
    assert_eq!(office["source_ips"], "192.0.2.0/24");
    client
        .update_audit_scope_rule()
        .instance_id(i)
        .id(id.as_str())
        .body(body::<dbss_types::RuleScopeRequest>(scope("head office")))
        .send()
        .await
        .unwrap();
    client
        .set_audit_scope_rule_switch()
        .instance_id(i)
        .body(body::<dbss_types::AuditScopeSwitchRequestNew>(
            json!({"ids": [id], "status": "OFF"}),
        ))
        .send()
        .await
        .unwrap();
    let changed = scopes().await;
    let head = changed["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        (&head["name"], &head["status"]),
        (&json!("head office"), &json!("OFF"))
    );
    client
        .batch_delete_audit_scope()
        .instance_id(i)
        .body(body::<dbss_types::AuditScopeRequestNew>(
            json!({"ids": [id]}),
        ))
        .send()
        .await
        .unwrap();
    assert!(
        names(&scopes().await, "scopes")
            .iter()
            .all(|n| n != "head office")
    );
    let gone = client
        .delete_audit_scope()
        .instance_id(i)
        .id(id.as_str())
        .send()
        .await;
    assert_eq!(refused(gone), codes::RESOURCE_NOT_FOUND);

    // SQL-injection rules (paged by page and size in the body).
    let sql = |name: &str, level: &str| json!({"rule_name": name, "risk_level": level, "sql_regex": "(?i)sleep\\(", "status": "ON"});
    client
        .create_audit_sql_rule()
        .instance_id(i)
        .body(body::<dbss_types::RuleAddSqlRequest>(sql(
            "Time-based",
            "MEDIUM",
        )))
        .send()
        .await
        .unwrap();
    let client_ref = &client;
    let sql_rules = |levels: &'static str| async move {
        let b: dbss_types::SqlRuleRequest = body(if levels.is_empty() {
            json!({"page": 1, "size": 100})
        } else {
            json!({"page": 1, "size": 100, "risk_levels": levels})
        });
        answer(
            client_ref
                .list_sql_injection_rules_new()
                .instance_id(i)
                .body(b)
                .send()
                .await,
        )
    };
    let listed = sql_rules("").await;
    let rule = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Time-based")
        .unwrap()
        .clone();
    let id = rule["id"].as_str().unwrap().to_owned();
    client
        .update_audit_sql_rule()
        .instance_id(i)
        .id(id.as_str())
        .body(body::<dbss_types::RuleAddSqlRequest>(sql(
            "Time-based",
            "HIGH",
        )))
        .send()
        .await
        .unwrap();
    client
        .set_audit_sql_rule_switch()
        .instance_id(i)
        .body(body::<dbss_types::RuleSqlIdRequest>(
            json!({"id": id, "status": "OFF"}),
        ))
        .send()
        .await
        .unwrap();
    client
        .set_sql_rule_rank()
        .instance_id(i)
        .body(body::<dbss_types::RuleSqlIdsRequestNew>(
            json!({"ids": [id]}),
        ))
        .send()
        .await
        .unwrap();
    let high = sql_rules("HIGH").await;
    assert_eq!(
        high["rules"][0]["id"],
        id.as_str(),
        "ranked first, and HIGH now"
    );
    assert_eq!(high["rules"][0]["status"], "OFF");
    assert!(
        high["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["risk_level"] == "HIGH")
    );
    client
        .delete_audit_rule_sql()
        .instance_id(i)
        .id(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(
        names(&sql_rules("").await, "rules")
            .iter()
            .all(|n| n != "Time-based")
    );
    let gone = client
        .delete_audit_rule_sql()
        .instance_id(i)
        .id(id.as_str())
        .send()
        .await;
    assert_eq!(refused(gone), codes::RESOURCE_NOT_FOUND);

    // Masking rules and the two switches.
    let mask =
        |name: &str| json!({"rule_name": name, "mask_regex": "\\d{4}-\\d{4}", "mask_value": "*"});
    client
        .create_sensitive_mask_rule()
        .instance_id(i)
        .body(body::<dbss_types::MaskRuleRequest>(mask("card tail")))
        .send()
        .await
        .unwrap();
    let masks = || async {
        answer(
            client
                .list_audit_sensitive_masks_new()
                .instance_id(i)
                .send()
                .await,
        )
    };
    let listed = masks().await;
    let rule = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "card tail")
        .unwrap()
        .clone();
    let id = rule["id"].as_str().unwrap().to_owned();
    assert_eq!(rule["type"], "USER_DEFINE");
    client
        .update_sensitive_mask_rule()
        .instance_id(i)
        .id(id.as_str())
        .body(body::<dbss_types::MaskRuleRequest>(mask(
            "card number tail",
        )))
        .send()
        .await
        .unwrap();
    client
        .set_sensitive_mask_rule_switch()
        .instance_id(i)
        .body(body::<dbss_types::BatchSwitchesRequestNew>(
            json!({"ids": [id], "status": "OFF"}),
        ))
        .send()
        .await
        .unwrap();
    let changed = masks().await;
    let r = changed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        (&r["name"], &r["status"]),
        (&json!("card number tail"), &json!("OFF"))
    );
    client
        .delete_sensitive_rules()
        .instance_id(i)
        .id(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(
        masks().await["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != id.as_str())
    );
    let gone = client
        .delete_sensitive_rules()
        .instance_id(i)
        .id(id.as_str())
        .send()
        .await;
    assert_eq!(refused(gone), codes::RESOURCE_NOT_FOUND);

    assert_eq!(
        answer(
            client
                .show_sensitive_mask_switch()
                .instance_id(i)
                .send()
                .await
        )["status"],
        "ON"
    );
    client
        .set_sensitive_switch()
        .instance_id(i)
        .body(body::<dbss_types::SwitchStatus>(json!({"status": "OFF"})))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer(
            client
                .show_sensitive_mask_switch()
                .instance_id(i)
                .send()
                .await
        )["status"],
        "OFF"
    );
    client
        .set_sensitive_result_switch()
        .instance_id(i)
        .body(body::<dbss_types::SwitchStatus>(json!({"status": "ON"})))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer(
            client
                .show_sensitive_result_switch()
                .instance_id(i)
                .send()
                .await
        )["status"],
        "ON"
    );
}

#[tokio::test]
async fn whitelists_are_added_paged_changed_and_deleted() {
    let (_mock, client, instance) = setup().await;
    let i = instance.as_str();
    let entries: Vec<Value> = (0..12)
        .map(|n| json!({"sql": format!("SELECT {n} FROM dual"), "desc": "batch", "enabled": true}))
        .collect();
    client
        .batch_add_audit_whitelist()
        .instance_id(i)
        .body(body::<dbss_types::AddWhitelistRequest>(
            json!({"whitelists": entries}),
        ))
        .send()
        .await
        .unwrap();
    let client_ref = &client;
    let page = |offset: i32| async move {
        answer(
            client_ref
                .list_whitelists()
                .instance_id(i)
                .offset(offset)
                .limit(10)
                .send()
                .await,
        )
    };
    let first = page(0).await;
    assert_eq!(first["total"], 13, "one seeded and twelve added");
    assert_eq!(first["whitelists"].as_array().unwrap().len(), 10);
    let second = page(10).await;
    assert_eq!(second["whitelists"].as_array().unwrap().len(), 3);
    let id = second["whitelists"][2]["id"].as_str().unwrap().to_owned();
    assert_eq!(second["whitelists"][2]["sql"], "SELECT 11 FROM dual");

    client
        .update_audit_whitelist()
        .instance_id(i)
        .id(id.as_str())
        .body(body::<dbss_types::UpdateWhitelistRequest>(
            json!({"enabled": false, "desc": "paused"}),
        ))
        .send()
        .await
        .unwrap();
    let changed = page(10).await;
    assert_eq!(
        (
            &changed["whitelists"][2]["enabled"],
            &changed["whitelists"][2]["desc"]
        ),
        (&json!(false), &json!("paused"))
    );

    client
        .delete_audit_whitelist()
        .instance_id(i)
        .body(body::<dbss_types::WhitelistBatchDeleteRequest>(
            json!({"whitelists": [id]}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page(0).await["total"], 12);
    let gone = client
        .update_audit_whitelist()
        .instance_id(i)
        .id(id.as_str())
        .body(body::<dbss_types::UpdateWhitelistRequest>(
            json!({"enabled": true}),
        ))
        .send()
        .await;
    assert_eq!(refused(gone), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn tags_are_set_listed_filtered_and_removed() {
    let mock = MockServer::builder().instances(3).start().await.unwrap();
    let client = mock_client::without_retries(&mock);
    let instances = answer(client.list_audit_instances_last().send().await);
    let resource = instances["instances"][0]["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tags = || async {
        answer(
            client
                .list_audit_tags()
                .resource_type("auditInstance")
                .resource_id(resource.as_str())
                .send()
                .await,
        )["tags"]
            .clone()
    };
    assert_eq!(
        tags().await,
        json!([{"key": "env", "value": "prod"}, {"key": "owner", "value": "dba-team"}])
    );
    client
        .batch_add_resource_tag()
        .resource_type("auditInstance")
        .resource_id(resource.as_str())
        .body(body::<dbss_types::ResourceTagRequest>(
            json!({"tags": [{"key": "pci", "value": "yes"}, {"key": "env", "value": "staging"}]}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags().await,
        json!([{"key": "env", "value": "staging"}, {"key": "owner", "value": "dba-team"}, {"key": "pci", "value": "yes"}])
    );

    let filter = |f: Value| {
        let client = client.clone();
        async move {
            answer(
                client
                    .list_resource_instance_by_tag()
                    .resource_type("auditInstance")
                    .body(body::<dbss_types::ResourceInstanceTagRequest>(f))
                    .send()
                    .await,
            )
        }
    };
    let pci = filter(json!({"tags": [{"key": "pci", "values": ["yes"]}]})).await;
    assert_eq!(pci["total_count"], 1);
    assert_eq!(pci["resources"][0]["resource_id"], resource.as_str());
    let not_pci = filter(json!({"not_tags_any": [{"key": "pci", "values": []}]})).await;
    assert_eq!(not_pci["total_count"], 2);
    let counted = answer(
        client
            .count_resource_instance_by_tag()
            .resource_type("auditInstance")
            .body(body::<dbss_types::ResourceInstanceTagRequest>(
                json!({"tags_any": [{"key": "env", "values": ["staging", "test"]}]}),
            ))
            .send()
            .await,
    );
    assert_eq!(
        counted["total_count"], 2,
        "the staging one and the seeded test one"
    );
    let keys = answer(
        client
            .list_project_resource_tags()
            .resource_type("auditInstance")
            .send()
            .await,
    );
    assert!(
        keys["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "pci" && t["values"] == json!(["yes"]))
    );

    client
        .batch_delete_resource_tag()
        .resource_type("auditInstance")
        .resource_id(resource.as_str())
        .body(body::<dbss_types::ResourceTagDeleteRequest>(
            json!({"tags": [{"key": "pci"}]}),
        ))
        .send()
        .await
        .unwrap();
    assert!(
        tags()
            .await
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["key"] != "pci")
    );
    let unknown = client
        .list_audit_tags()
        .resource_type("auditInstance")
        .resource_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    assert_eq!(refused(unknown), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn topics_schedules_retention_and_backups_keep_what_was_set() {
    let (mock, client, instance) = setup().await;
    let i = instance.as_str();
    let urn = "urn:smn:cn-north-4:0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5:dbss-alarms";
    client
        .set_alarm_topic_config_info_new()
        .instance_id(i)
        .body(body::<dbss_types::ConfigAlarmTopicRequest>(json!({"alarm_cpu": 90, "alarm_disk": 85, "alarm_memory": 80, "alarm_num": 50,
                          "alarm_risk": ["high", "medium"], "alarm_switch": "ON", "alarm_topic_urn": urn})))
        .send()
        .await
        .unwrap();
    let topic = answer(
        client
            .list_alarm_topic_config_info_new()
            .instance_id(i)
            .send()
            .await,
    );
    assert_eq!(
        (
            &topic["alarm_cpu"],
            &topic["alarm_topic_urn"],
            &topic["smn_effective"]
        ),
        (&json!("90"), &json!(urn), &json!(true))
    );

    let template = mock.template_id();
    client
        .update_audit_topic_report_scheduler_config()
        .instance_id(i)
        .body(body::<dbss_types::ConfigReportTopicRequest>(json!({"scheduler": {"id": template, "format": "ZIP", "frequency": "AUDIT_REPORT_MONTH",
            "mode": "CYCLE", "notice": "ON", "start_time": "02:00:00", "status": "ON", "topic_urn": urn}})))
        .send()
        .await
        .unwrap();
    let schedule = answer(
        client
            .show_audit_topic_report_scheduler_config()
            .instance_id(i)
            .id(template)
            .send()
            .await,
    );
    assert_eq!(
        (
            &schedule["scheduler"]["frequency"],
            &schedule["scheduler"]["format"]
        ),
        (&json!("AUDIT_REPORT_MONTH"), &json!("ZIP"))
    );
    assert_eq!(schedule["smn_effective"], true);
    let unknown = client
        .show_audit_topic_report_scheduler_config()
        .instance_id(i)
        .id("NoSuchTemplate000000")
        .send()
        .await;
    assert_eq!(refused(unknown), codes::TEMPLATE_NOT_FOUND);

    client
        .update_log_retention_common_settings()
        .instance_id(i)
        .body(body::<dbss_types::UpdateLogRetention>(
            json!({"retention_days": 365}),
        ))
        .send()
        .await
        .unwrap();
    let retention = answer(
        client
            .show_log_retention_common_settings()
            .instance_id(i)
            .send()
            .await,
    );
    assert_eq!(retention["log_retention"]["retention_days"], 365);
    let too_long = client
        .update_log_retention_common_settings()
        .instance_id(i)
        .body(body::<dbss_types::UpdateLogRetention>(
            json!({"retention_days": 100_000}),
        ))
        .send()
        .await;
    assert_eq!(refused(too_long), codes::INVALID_PARAMETER);

    let backups = || async {
        let b: dbss_types::BackupPageRequest = body(json!({"page": 1, "size": 10}));
        answer(
            client
                .list_audit_backup_info()
                .instance_id(i)
                .body(b)
                .send()
                .await,
        )
    };
    let listed = backups().await;
    assert_eq!(listed["total_num"], 2);
    let done = listed["data_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["progress"] == "AUTO_BACKUPED")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client
        .restore_audit_backup()
        .instance_id(i)
        .id(done.as_str())
        .send()
        .await
        .unwrap();
    // Lifecycle actions land at the next request here.
    let restored = backups().await;
    assert!(
        restored["data_list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == done.as_str() && b["progress"] == "RESTORED")
    );
    client
        .delete_audit_backup_task()
        .instance_id(i)
        .id(done.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(backups().await["total_num"], 1);
    let gone = client
        .restore_audit_backup()
        .instance_id(i)
        .id(done.as_str())
        .send()
        .await;
    assert_eq!(refused(gone), codes::RESOURCE_NOT_FOUND);
}

#[tokio::test]
async fn a_fixture_serves_several_projects_in_several_regions_and_the_journal_shows_the_calls() {
    let fixture = Fixture::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../dbss-mock/fixtures/two-regions.json"
    ))
    .unwrap();
    let mock = MockServer::builder()
        .fixture(fixture)
        .start()
        .await
        .unwrap();
    let projects = mock.projects();
    assert_eq!(projects.len(), 2);
    assert_ne!(projects[0].1, projects[1].1, "two regions");

    let mut totals = Vec::new();
    for (project, _) in &projects {
        let client = mock_client::aksk(&mock)
            .project_id(project.as_str())
            .retry_policy(dbss_client::RetryPolicy::none())
            .build()
            .unwrap();
        let items: Vec<_> = {
            use futures::TryStreamExt;
            client
                .list_audit_instances_last()
                .items()
                .try_collect()
                .await
                .unwrap()
        };
        totals.push(items.len());
    }
    assert_eq!(totals, [3, 2], "the fixture's instances of each project");

    // The first project's instances are not the second's.
    let first = mock_client::without_retries(&mock);
    let snapshot = mock.snapshot();
    let other = snapshot["projects"][1]["instances"][0]["instance"]["id"]
        .as_str()
        .unwrap();
    let across = first
        .list_audit_databases_new()
        .instance_id(other)
        .send()
        .await;
    assert_eq!(refused(across), codes::INSTANCE_NOT_FOUND);
    let orders = &snapshot["projects"][0]["instances"][0];
    assert_eq!(orders["instance"]["name"], "orders-audit");
    assert_eq!(orders["databases"][0]["name"], "orders");
    assert_eq!(orders["agents"][0]["agent_ip"], "192.0.2.21");
    assert_eq!(orders["reports"].as_array().unwrap().len(), 1);

    // The fixture's data volumes: 50 statements a week per instance.
    let sqls = answer(
        first
            .list_audit_sqls_new()
            .instance_id(orders["instance"]["id"].as_str().unwrap())
            .body(body::<dbss_types::AuditSqlRequest>(json!(
                {"time": {"time_range": "MONTH"}, "page": 1, "size": 10, "time_order": "DESC"})))
            .send()
            .await,
    );
    assert_eq!(sqls["total"], 50);
    mock.clear_journal();
    let across = first
        .list_audit_databases_new()
        .instance_id(other)
        .send()
        .await;
    assert_eq!(refused(across), codes::INSTANCE_NOT_FOUND);

    let journal = mock.journal();
    let last = journal.last().unwrap();
    assert_eq!(last.operation, "list_audit_databases_new");
    assert_eq!(last.status, 400);
    assert_eq!(last.auth, AuthVerdict::AkSk);
    assert!(last.path.contains(other));
    assert_eq!(journal.len(), 1, "cleared, then one request");
    // The same over the admin route of the running server.
    let over_http: Vec<Value> = reqwest::get(format!("{}/_mock/journal", mock.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http.len(), journal.len());
    assert_eq!(over_http.last().unwrap()["auth"], "ak_sk");
    let state: Value = reqwest::get(format!("{}/_mock/state", mock.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["projects"], snapshot["projects"]);
}

#[tokio::test]
async fn a_bad_fixture_is_refused_naming_the_field() {
    let cases = [
        (r#"{"projects": [{"id": "short"}]}"#, "32 to 64"),
        (
            r#"{"projects": [{"id": "0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5", "instances": [{"status": "RUNNING"}]}]}"#,
            "status",
        ),
        (
            r#"{"projects": [{"id": "0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5", "instances": [{"databases": [{"name": "a", "type": "FOXPRO"}]}]}]}"#,
            "databases.type",
        ),
        (
            r#"{"projects": [{"id": "0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5", "instancez": []}]}"#,
            "instancez",
        ),
    ];
    for (text, named) in cases {
        let error = match Fixture::from_json(text) {
            Err(e) => e,
            Ok(f) => MockServer::builder().fixture(f).start().await.unwrap_err(),
        };
        assert!(error.to_string().contains(named), "{text}: {error}");
    }
}
