#!/usr/bin/env python3
"""Regenerate official-generated.json: SDK-HMAC-SHA256 known answers from the official SDK.

Not run by CI. Usage (needs python3 with venv and access to PyPI):

    python3 dbss-signer/tests/vectors/generate.py [--output PATH] [--workdir DIR]

What it does:
  1. creates a scratch virtual environment (python3 -m venv) in --workdir (default: a new
     temporary directory, removed afterwards) and pip-installs huaweicloudsdkcore==3.1.219 and
     huaweicloudsdkdbss==3.1.219;
  2. re-runs itself inside that environment with HOME pointed at a scratch folder (importing
     the SDK writes $HOME/.huaweicloud/application_id) and without HUAWEICLOUD_SDK_* variables;
  3. freezes the signer's clock by replacing the `datetime` of
     huaweicloudsdkcore.signer.signer with a subclass whose utcnow() returns a fixed instant;
  4. builds each request through DbssClient.new_builder()...build() and the client's own
     _<operation>_http_info() + build_future_request() (the path every SDK call takes), or, for
     cases the client cannot express, drives BasicCredentials.sign_request() (which sets
     X-Project-Id / X-Security-Token and runs the official Signer) on an SdkRequest;
  5. records, by wrapping (not replacing) Signer methods: the headers and body present when
     Signer.sign starts, the canonical request, the string to sign, and the headers and URL
     afterwards; the URL as sent is what `requests` prepares from the SDK's request URL.

Output format: "sdk-hmac-sha256-vectors/1", exactly as sample-sign-vectors.json:
  request.url      scheme://host + path (strictly percent-encoded) + query in the caller's
                   order, each key/value encoded like the SDK's quote(s, safe='~')
  request.headers  the headers present before signing, in order
  body_base64      the body (null when there is none)
  expected.*       canonical_request, string_to_sign, signed_headers, authorization,
                   headers (all headers after signing, in order, values as UTF-8 text) and url
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

SDK_VERSION = "3.1.219"
PACKAGES = ["huaweicloudsdkcore==" + SDK_VERSION, "huaweicloudsdkdbss==" + SDK_VERSION]
CHILD_FLAG = "--inside-venv"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "official-generated.json")

# Test credentials (not real keys).
AK = "AKGENERATED000000001"
SK = "SKgeneratedSecretKey0123456789abcdefXYZ"
AK2 = "HSTAKTEMP0000000002"
SK2 = "sk-temporary/with+symbols=="
TOKEN = "gQpjbi1ub3J0aC00THbGtGENERATED+TOKEN/abc=="
PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7"
REPORT = "b1f5c2d8e9a04f1c8d7e6b5a4c3d2e1f"
ENDPOINT = "https://dbss.cn-north-4.myhuaweicloud.com"
USER_AGENT = "vector-test-agent"
FIXED = (2025, 8, 21, 7, 3, 31)


# --------------------------------------------------------------------------------------------
# Outer process: scratch venv, pinned install, re-exec.
# --------------------------------------------------------------------------------------------

def bootstrap(args):
    workdir = args.workdir or tempfile.mkdtemp(prefix="dbss-sign-vectors-")
    try:
        run_in_venv(args, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def run_in_venv(args, workdir):
    os.makedirs(workdir, exist_ok=True)
    venv_dir = os.path.join(workdir, "venv")
    home = os.path.join(workdir, "home")
    os.makedirs(home, exist_ok=True)
    python = os.path.join(venv_dir, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv_dir])
    subprocess.check_call([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
                          + PACKAGES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_")}
    env["HOME"] = home
    subprocess.check_call([python, os.path.abspath(__file__), CHILD_FLAG,
                           "--output", os.path.abspath(args.output)], env=env)


# --------------------------------------------------------------------------------------------
# Inner process: runs inside the venv with the official SDK importable.
# --------------------------------------------------------------------------------------------

def generate(output):
    from datetime import datetime
    from urllib.parse import quote

    import requests
    from requests.utils import requote_uri

    import huaweicloudsdkcore
    import huaweicloudsdkcore.signer.signer as signer_module
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkdbss.v1 import (
        CreateReportRequest, CreateReportRequestBody, DbssClient, DeleteAuditReportRequest,
        DownloadAuditReportRequest, ListAuditInstancesLastRequest, ListAuditReportTemplatesRequest,
        ListAuditReportsRequest, ReportGetReportsRequest,
    )

    # -- the fixed clock: only the signer module's `datetime` is replaced --------------------
    class FixedDatetime(datetime):
        @classmethod
        def utcnow(cls):
            return cls(*FIXED)

    signer_module.datetime = FixedDatetime

    # -- recording wrappers around the official Signer (behaviour unchanged) -----------------
    Signer = signer_module.Signer
    record = {}
    orig_sign = Signer.sign
    orig_canonical = Signer._process_canonical_request
    orig_sts = Signer._process_string_to_sign

    def sign(self, request):
        record.clear()
        record["headers_before"] = list(request.header_params.items())
        body = request.body
        record["body"] = body.encode("utf-8") if isinstance(body, str) else body
        return orig_sign(self, request)

    def canonical(self, request, signed_headers):
        record["signed_headers"] = ";".join(signed_headers)
        record["canonical_request"] = orig_canonical(self, request, signed_headers)
        return record["canonical_request"]

    def string_to_sign(self, canonical_request, t):
        record["string_to_sign"] = orig_sts(self, canonical_request, t)
        return record["string_to_sign"]

    Signer.sign = sign
    Signer._process_canonical_request = canonical
    Signer._process_string_to_sign = string_to_sign

    vectors = []
    names = set()

    def enc(s):
        return quote(s, safe="~")

    def query_value(v):
        # What the SDK's canonical query does with a non-list value.
        if isinstance(v, bool):
            return str(v).lower()
        return str(v)

    def emit(name, ak, sk, token, sdk_request):
        assert name not in names, name
        names.add(name)
        assert "canonical_request" in record, name + ": the official signer did not run"
        body = record["body"]
        if body is not None and not isinstance(body, bytes):
            raise TypeError(name + ": unexpected body type %r" % type(body))
        # The SDK's own (key, value) tuples, in the caller's order (the signer sorts a copy).
        query = "&".join("%s=%s" % (enc(k), enc(query_value(v)))
                         for k, v in (sdk_request.query_params or []))
        request_url = "%s://%s%s%s" % (sdk_request.schema, sdk_request.host,
                                       requote_uri(sdk_request.resource_path),
                                       "?" + query if query else "")
        sent_url = requests.Request(sdk_request.method, sdk_request.url).prepare().url
        # The wire URL must be the SDK's URL with only the strict percent-encoding requests
        # applies, i.e. requests normalised nothing else (dot segments, host case).
        assert sent_url == requote_uri(sdk_request.url), (name, sent_url, sdk_request.url)

        def text(v):
            # The SDK re-encodes signed values as value.encode('utf-8').decode('iso-8859-1')
            # for `requests`; the wire bytes are UTF-8, so record them as UTF-8 text.
            try:
                return v.encode("iso-8859-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                return v

        after = [[k, k == "Authorization" and v or text(v)]
                 for k, v in sdk_request.header_params.items()]
        vectors.append({
            "name": name,
            "credentials": {"ak": ak, "sk": sk, "security_token": token},
            "time": "%04d%02d%02dT%02d%02d%02dZ" % FIXED,
            "request": {
                "method": sdk_request.method,
                "url": request_url,
                "headers": [[k, str(v)] for k, v in record["headers_before"]],
                "body_base64": None if body is None else base64.b64encode(body).decode("ascii"),
            },
            "expected": {
                "canonical_request": record["canonical_request"],
                "string_to_sign": record["string_to_sign"],
                "signed_headers": record["signed_headers"],
                "authorization": sdk_request.header_params["Authorization"],
                "headers": after,
                "url": sent_url,
            },
        })

    # -- route 1: DbssClient operations ------------------------------------------------------
    def client(endpoint=ENDPOINT, ak=AK, sk=SK, token=None, project_id=PROJECT,
               ignore_content_type_for_get=False):
        creds = BasicCredentials(ak, sk, project_id)
        if token is not None:
            creds = creds.with_security_token(token)
        config = HttpConfig.get_default_config()
        config.user_agent = USER_AGENT
        config.ignore_content_type_for_get_request = ignore_content_type_for_get
        return (DbssClient.new_builder().with_credentials(creds).with_endpoints([endpoint])
                .with_http_config(config).build())

    def operation(name, http_info_of, request, **client_kwargs):
        c = client(**client_kwargs)
        info = getattr(c, http_info_of)(request)
        sdk_request = c.build_future_request(
            info["method"], info["resource_path"], info["path_params"], info["query_params"],
            info["header_params"], info["body"], info["post_params"], info["cname"],
            info["response_type"], info["collection_formats"], None).result()
        emit(name, client_kwargs.get("ak", AK), client_kwargs.get("sk", SK),
             client_kwargs.get("token"), sdk_request)

    def create_body(**kw):
        fields = dict(template_id="t8g7LJgBTpKZyZbbeTgS", start_time="2025-08-20 16:00:00",
                      end_time="2025-08-21 07:03:31")
        fields.update(kw)
        return CreateReportRequestBody(**fields)

    operation("op_create_report_required_fields", "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body()))
    operation("op_create_report_all_fields_db_ids", "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body(
                  start_date="2025-08-20", end_date="2025-08-21", db_ids="db-1,db-2,db-3")))
    operation("op_create_report_temporary_credentials_security_token",
              "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body()),
              ak=AK2, sk=SK2, token=TOKEN)
    operation("op_create_report_loopback_http_127_0_0_1_port_8080", "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body()),
              endpoint="http://127.0.0.1:8080")
    operation("op_create_report_localhost_port_18443_with_token", "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body(
                  template_id="模板-ü")), endpoint="https://localhost:18443", token=TOKEN)
    operation("op_create_report_explicit_default_port_443_in_host",
              "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body()),
              endpoint="https://dbss.cn-north-4.myhuaweicloud.com:443")
    operation("op_create_report_ipv6_loopback_port", "_create_report_http_info",
              CreateReportRequest(instance_id=INSTANCE, body=create_body()),
              endpoint="http://[::1]:8080")
    operation("op_list_audit_report_templates", "_list_audit_report_templates_http_info",
              ListAuditReportTemplatesRequest(instance_id=INSTANCE))
    operation("op_list_audit_report_templates_path_param_slash_percent_space_umlaut",
              "_list_audit_report_templates_http_info",
              ListAuditReportTemplatesRequest(instance_id="inst/1%2 ä+x"))
    operation("op_list_audit_report_templates_ignore_content_type_for_get",
              "_list_audit_report_templates_http_info",
              ListAuditReportTemplatesRequest(instance_id=INSTANCE),
              ignore_content_type_for_get=True)
    operation("op_list_audit_reports_page_size", "_list_audit_reports_http_info",
              ListAuditReportsRequest(instance_id=INSTANCE,
                                      body=ReportGetReportsRequest(page=2, size=50)))
    operation("op_list_audit_reports_non_ascii_name_body", "_list_audit_reports_http_info",
              ListAuditReportsRequest(instance_id=INSTANCE, body=ReportGetReportsRequest(
                  name="审计报表 Ünïcödé ✓", page=1, size=10)))
    operation("op_download_audit_report_local_en_us", "_download_audit_report_http_info",
              DownloadAuditReportRequest(instance_id=INSTANCE, id=REPORT, local="en-us"))
    operation("op_download_audit_report_local_zh_cn_id_slash_plus_space_umlaut",
              "_download_audit_report_http_info",
              DownloadAuditReportRequest(instance_id=INSTANCE, id="rep/1+2 ä%3F", local="zh-cn"))
    operation("op_download_audit_report_without_local", "_download_audit_report_http_info",
              DownloadAuditReportRequest(instance_id=INSTANCE, id=REPORT))
    operation("op_delete_audit_report", "_delete_audit_report_http_info",
              DeleteAuditReportRequest(instance_id=INSTANCE, id=REPORT))
    operation("op_delete_audit_report_id_looks_percent_encoded",
              "_delete_audit_report_http_info",
              DeleteAuditReportRequest(instance_id=INSTANCE, id="%2F%41~x"))
    operation("op_list_audit_instances_offset_limit", "_list_audit_instances_last_http_info",
              ListAuditInstancesLastRequest(offset="20", limit="50"))
    operation("op_list_audit_instances_without_query", "_list_audit_instances_last_http_info",
              ListAuditInstancesLastRequest())
    operation("op_list_audit_instances_offset_limit_security_token",
              "_list_audit_instances_last_http_info",
              ListAuditInstancesLastRequest(offset="0", limit="1000"), token=TOKEN)

    # -- route 2: the same client, generic requests (build_future_request) ------------------
    def generic(name, method, resource_path, query=(), headers=None, body=None, token=None,
                endpoint=ENDPOINT, project_id=PROJECT):
        c = client(endpoint=endpoint, token=token, project_id=project_id)
        sdk_request = c.build_future_request(
            method, resource_path, None, list(query), dict(headers or {}), body, None, None,
            None, {}, None).result()
        emit(name, AK, SK, token, sdk_request)

    base = "/v1/%s/audit/%s" % (PROJECT, INSTANCE)
    generic("generic_query_plus_space_non_ascii_repeated_keys_needs_sorting", "GET",
            base + "/search",
            query=[("q", "a+b c"), ("q", "a b"), ("Z", "1"), ("z", "ü"), ("ä", "x y"),
                   ("k", ""), ("tilde", "~-._"), ("sym", "!*'();:@&=+$,/?#[]"),
                   ("emoji", "😀"), ("q", "A")])
    generic("generic_query_bool_and_int_values", "GET", base + "/flags",
            query=[("verbose", True), ("limit", 10), ("dry_run", False)])
    generic("generic_query_same_key_values_sorted_by_code_point", "GET", base + "/multi",
            query=[("k", "b"), ("k", "a"), ("k", "B"), ("k", ""), ("k", "ä"), ("k", "a a")])
    big = json.dumps({"blob": "x" * (65536 - 11)}, separators=(",", ":"))
    assert len(big.encode()) == 65536
    generic("generic_post_body_64kib_json", "POST", base + "/bulk", body=big)
    generic("generic_post_body_empty_bytes", "POST", base + "/empty", body=b"")
    generic("generic_put_text_csv_unsigned_payload", "PUT", base + "/upload",
            headers={"Content-Type": "text/csv"}, body="id,name\n1,ä\n")
    generic("generic_post_text_plain_unsigned_payload_without_body", "POST", base + "/nobody",
            headers={"Content-Type": "text/plain"})
    generic("generic_headers_underscore_unsigned_and_python_strip_trim", "POST",
            base + "/headers",
            headers={"X_Trace_Id": " not signed ", "X-Custom": "\t value \u00a0",
                     "x-lower-case": "v", "X-Mixed-CASE": "V", "X-Info-Sep": "\x1cv\x1f",
                     "X-Inner-Space": "a  b"},
            body='{"a":1}')
    generic("generic_caller_sdk_date_with_security_token", "GET", base + "/dated",
            headers={"X-Sdk-Date": "20991231T235959Z"}, token=TOKEN)
    generic("generic_caller_lowercase_sdk_date", "DELETE", base + "/dated",
            headers={"x-sdk-date": "20240229T120000Z"})
    generic("generic_caller_host_header_kept", "GET", base + "/hosted",
            headers={"Host": "custom.example.com:9443"})
    generic("generic_raw_unencoded_path_chars_space_umlaut_sub_delims", "GET",
            "/v1/{project_id}/raw path/ä/e*f(g)!'$,;=:@/x",
            query=[("a", "1")])
    generic("generic_no_project_id_unreplaced_placeholder_braces", "GET",
            "/v1/{project_id}/audit/{instance_id}/reports", project_id=None)
    generic("generic_post_raw_utf8_json_body", "POST", base + "/utf8",
            body='{"name":"审计报表 Ünïcödé ✓","n":1}')
    generic("generic_path_trailing_slash_and_empty_segment", "GET", base + "//double/")

    # -- route 3: BasicCredentials.sign_request (official signer) on an SdkRequest -----------
    def direct(name, method, resource_path, headers, body=None, query=(), token=None,
               host="dbss.cn-north-4.myhuaweicloud.com", schema="https"):
        creds = BasicCredentials(AK, SK, PROJECT)
        if token is not None:
            creds = creds.with_security_token(token)
        sdk_request = SdkRequest(method=method, schema=schema, host=host,
                                 resource_path=resource_path, query_params=list(query),
                                 header_params=dict(headers), body=body)
        sdk_request = creds.sign_request(sdk_request)
        emit(name, AK, SK, token, sdk_request)

    ua = {"User-Agent": "huaweicloud-usdk-python/3.0; " + USER_AGENT}
    direct("direct_path_invalid_utf8_escapes_become_replacement_chars", "GET",
           "/v1/%s/x/%%FF%%E2%%82/%%ED%%A0%%80y/%%C0%%80%%F4%%90%%80%%80" % PROJECT,
           dict(ua, **{"Content-Type": "application/json"}))
    direct("direct_lowercase_content_type_text_plain_still_hashes_body", "POST",
           base + "/lower-ct", dict(ua, **{"content-type": "text/plain"}), body=b"plain text")
    direct("direct_content_type_bson_signed_payload", "POST", base + "/bson",
           dict(ua, **{"Content-Type": "application/bson"}), body=b"\x05\x00\x00\x00\x00")
    direct("direct_content_type_json_prefix_is_case_sensitive_unsigned", "POST",
           base + "/case-ct", dict(ua, **{"Content-Type": "Application/JSON"}), body=b"{}")
    payload = b'{"k":"v"}'
    direct("direct_caller_content_sha256_header_used_as_payload_hash", "POST", base + "/hashed",
           dict(ua, **{"Content-Type": "application/json",
                       "X-Sdk-Content-Sha256": hashlib.sha256(payload).hexdigest()}),
           body=payload)
    direct("direct_lowercase_method_signed_upper_case", "post", base + "/lower-method",
           dict(ua, **{"Content-Type": "application/json"}), body=b"{}")
    direct("direct_security_token_header_already_present_not_duplicated", "GET",
           base + "/token", dict(ua, **{"Content-Type": "application/json",
                                        "X-Security-Token": TOKEN}), token=TOKEN)
    direct("direct_header_value_non_ascii_and_nbsp_trim", "GET", base + "/values",
           dict(ua, **{"Content-Type": "application/json",
                       "X-Name": "\u3000Grüße, 世界\u2003"}))

    doc = {
        "format": "sdk-hmac-sha256-vectors/1",
        "generator": "dbss-signer/tests/vectors/generate.py (official huaweicloudsdkcore %s "
                     "signer via DbssClient.build_future_request and "
                     "BasicCredentials.sign_request, clock fixed at %s)"
                     % (huaweicloudsdkcore_version(), "%04d%02d%02dT%02d%02d%02dZ" % FIXED),
        "sdk_versions": {"huaweicloudsdkcore": SDK_VERSION, "huaweicloudsdkdbss": SDK_VERSION},
        "vectors": vectors,
    }
    with open(output, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote %d vectors to %s" % (len(vectors), output))


def huaweicloudsdkcore_version():
    from importlib.metadata import version
    v = version("huaweicloudsdkcore")
    assert v == SDK_VERSION, "expected huaweicloudsdkcore %s, found %s" % (SDK_VERSION, v)
    return v


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="vector file to write")
    parser.add_argument("--workdir", help="scratch directory for the venv and HOME")
    parser.add_argument(CHILD_FLAG, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if getattr(args, CHILD_FLAG.lstrip("-").replace("-", "_")):
        generate(args.output)
    else:
        bootstrap(args)


if __name__ == "__main__":
    main()
