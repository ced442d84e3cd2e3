"""The official Huawei Cloud Python SDK (huaweicloudsdkdbss, pinned in run.sh) drives the
stateful dbss-mock through resource lifecycles: what a team testing its own Python automation
offline would do. Each step checks what the mock answers, decoded in the official models.

Usage: mock_lifecycle.py PATH/TO/dbss-mock
"""

import json
import subprocess
import sys
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkdbss.v1 import DbssClient
from huaweicloudsdkdbss.v1.model import (
    AddAuditDatabaseNewRequest, AddWhitelistRequest, BatchAddAuditWhitelistRequest,
    BatchAddResourceTagRequest, BatchDeleteResourceTagRequest, CreateAuditRiskRuleRequest,
    CreateDatabaseRequest, CreateDatabaseRequestDatabase, DeleteAuditDatabaseNewRequest,
    DeleteAuditRuleRiskRequest, DeleteAuditWhitelistRequest, ListAuditDatabasesNewRequest,
    ListAuditInstancesLastRequest, ListAuditRuleRisksNewRequest, ListAuditTagsRequest,
    ListWhitelistsRequest, ObjWhitelist, ResourceTagDeleteRequest, ResourceTagDeleteRequestTags,
    ResourceTagRequest, ResourceTagRequestTags, RuleAddRiskRuleRequest, ServerIdBean,
    StartAuditInstanceNewRequest, StopAuditInstanceNewRequest, SwitchAuditDatabaseNewRequest,
    SwitchAuditDbRequest, UpdateAuditWhitelistRequest, UpdateWhitelistRequest,
    WhitelistBatchDeleteRequest,
)

passed = 0


def check(what, ok):
    global passed
    if not ok:
        raise SystemExit("FAIL: " + what)
    passed += 1
    print("ok: " + what)


def refused(call, code):
    try:
        call()
    except ClientRequestException as e:
        return e.status_code == 400 and e.error_code == code
    return False


def main():
    mock = subprocess.Popen([sys.argv[1], "--port", "0", "--lifecycle-duration", "0s"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        info = {}
        for line in mock.stdout:
            line = line.strip()
            if line.startswith("listening on "):
                info["url"] = line[len("listening on "):]
            elif "=" in line:
                key, value = line.split("=", 1)
                info[key] = value
            if line.startswith("auth="):
                break
        run(info)
    finally:
        mock.kill()
        mock.wait()


def run(info):
    url, instance = info["url"], info["instance_id"]
    credentials = BasicCredentials(info["ak"], info["sk"], info["project_id"])
    client = (DbssClient.new_builder().with_credentials(credentials)
              .with_region(Region("cn-north-4", url)).build())

    # Databases: add, list, switch on, delete, refused when gone.
    body = CreateDatabaseRequest(database=CreateDatabaseRequestDatabase(
        charset="UTF8", db_classification="ECS", ip="192.0.2.30", name="ledger", os="LINUX64",
        port="3306", type="MYSQL", version="8.0"))
    db_id = client.add_audit_database_new(
        AddAuditDatabaseNewRequest(instance_id=instance, body=body)).id

    def databases(status=None):
        answer = client.list_audit_databases_new(
            ListAuditDatabasesNewRequest(instance_id=instance, status=status))
        return {d.database.id: d.database for d in answer.databases}

    check("an added database is listed, audit off", databases()[db_id].status == "OFF")
    client.switch_audit_database_new(SwitchAuditDatabaseNewRequest(
        instance_id=instance, body=SwitchAuditDbRequest(id=db_id, status="ON")))
    check("a switched database is listed on", db_id in databases("ON"))
    client.delete_audit_database_new(DeleteAuditDatabaseNewRequest(instance_id=instance, id=db_id))
    check("a deleted database is gone", db_id not in databases())
    check("deleting it again is refused DBSS.10006", refused(
        lambda: client.delete_audit_database_new(
            DeleteAuditDatabaseNewRequest(instance_id=instance, id=db_id)), "DBSS.10006"))

    # An instance stopped and started (actions land at the next request: --lifecycle-duration 0s).
    def status_of(instance_id):
        listed = client.list_audit_instances_last(ListAuditInstancesLastRequest())
        return {i.id: i.status for i in listed.instances}.get(instance_id)

    client.stop_audit_instance_new(
        StopAuditInstanceNewRequest(body=ServerIdBean(instance_id=instance)))
    check("a stopped instance is SHUTOFF", status_of(instance) == "SHUTOFF")
    client.start_audit_instance_new(
        StartAuditInstanceNewRequest(body=ServerIdBean(instance_id=instance)))
    check("a started instance is ACTIVE", status_of(instance) == "ACTIVE")
    check("starting a running instance is refused DBSS.10007", refused(
        lambda: client.start_audit_instance_new(
            StartAuditInstanceNewRequest(body=ServerIdBean(instance_id=instance))), "DBSS.10007"))

    # Whitelists: add, page with integer offset/limit, change, delete.
    client.batch_add_audit_whitelist(BatchAddAuditWhitelistRequest(
        instance_id=instance,
        body=AddWhitelistRequest(whitelists=[ObjWhitelist(sql="SELECT %d" % n) for n in range(11)])))
    page = client.list_whitelists(ListWhitelistsRequest(instance_id=instance, offset=10, limit=10))
    check("the second whitelist page has the last two of twelve",
          page.total == 12 and len(page.whitelists) == 2)
    last = page.whitelists[-1].id
    client.update_audit_whitelist(UpdateAuditWhitelistRequest(
        instance_id=instance, id=last, body=UpdateWhitelistRequest(enabled=False)))
    page = client.list_whitelists(ListWhitelistsRequest(instance_id=instance, offset=10, limit=10))
    check("a changed whitelist entry is listed changed", page.whitelists[-1].enabled is False)
    client.delete_audit_whitelist(DeleteAuditWhitelistRequest(
        instance_id=instance, body=WhitelistBatchDeleteRequest(whitelists=[last])))
    page = client.list_whitelists(ListWhitelistsRequest(instance_id=instance, offset=0, limit=100))
    check("a deleted whitelist entry is gone", page.total == 11)

    # A risk rule, found by a name with a space (sent form-encoded as '+').
    client.create_audit_risk_rule(CreateAuditRiskRuleRequest(instance_id=instance, body=RuleAddRiskRuleRequest(
        rule_name="Mass update", risk_level="HIGH", status="ON", affect_rows=1000,
        affect_symbol="GREATER", execution_symbol="NO_MATCH", execution_time=0)))
    rules = client.list_audit_rule_risks_new(
        ListAuditRuleRisksNewRequest(instance_id=instance, name="Mass update")).rules
    check("a created risk rule is found by its name", [r.name for r in rules] == ["Mass update"])
    client.delete_audit_rule_risk(DeleteAuditRuleRiskRequest(instance_id=instance, id=rules[0].id))
    rules = client.list_audit_rule_risks_new(
        ListAuditRuleRisksNewRequest(instance_id=instance, name="Mass update")).rules
    check("a deleted risk rule is gone", not rules)

    # Tags of the instance, addressed by its resource id.
    listed = client.list_audit_instances_last(ListAuditInstancesLastRequest())
    resource = [i.resource_id for i in listed.instances if i.id == instance][0]
    client.batch_add_resource_tag(BatchAddResourceTagRequest(
        resource_type="auditInstance", resource_id=resource,
        body=ResourceTagRequest(tags=[ResourceTagRequestTags(key="pci", value="yes")])))
    tags = client.list_audit_tags(ListAuditTagsRequest(resource_type="auditInstance", resource_id=resource))
    check("an added tag is listed", {t.key: t.value for t in tags.tags}.get("pci") == "yes")
    client.batch_delete_resource_tag(BatchDeleteResourceTagRequest(
        resource_type="auditInstance", resource_id=resource,
        body=ResourceTagDeleteRequest(tags=[ResourceTagDeleteRequestTags(key="pci")])))
    tags = client.list_audit_tags(ListAuditTagsRequest(resource_type="auditInstance", resource_id=resource))
    check("a deleted tag is gone", "pci" not in {t.key for t in tags.tags})

    # What the mock received: every request signed by the official SDK and accepted.
    with urllib.request.urlopen(url + "/_mock/journal") as answer:
        journal = json.load(answer)
    check("the journal has every request, each signed with AK/SK",
          len(journal) > 20 and all(e["auth"] == "ak_sk" for e in journal))
    print("interop lifecycle: %d passed, 0 failed" % passed)


if __name__ == "__main__":
    main()
