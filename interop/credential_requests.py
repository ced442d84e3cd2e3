#!/usr/bin/env python3
"""Byte-compares what the official SDK and dbss-rs send to the credential services.

Run by interop/run.sh (CI). For each scenario (OIDC, federated id token, ECS metadata with and
without a token API, CCE pod identity behind a missing metadata service), both clients start from
the same environment with no explicit credentials and no project id, so each walks its default
chain, fetches temporary credentials and asks IAM for the project of cn-north-4, then sends one
CreateReport:

- the official SDK (huaweicloudsdkcore + huaweicloudsdkdbss 3.1.219, pinned by run.sh), in this
  process, through its DbssClient builder (the metadata accessor's fixed address is pointed at
  the stand-in: the SDK has no setting for it);
- dbss-rs, as the example program `create_report` (path in argv[1]), configured from the
  environment alone (DBSS_METADATA_ENDPOINT moves its metadata service).

One loopback stand-in answers both as STS, IAM, the metadata service, the pod agent and DBSS, and
records each request. Per scenario the identity requests must match: method, path and query,
body bytes, and the headers that carry meaning (Content-Type, X-Idp-Id, X-Metadata-Token,
X-Metadata-Token-Ttl-Seconds, Authorization of the pod agent, X-Security-Token). The IAM
project query and the DBSS request are checked for the temporary AK and security token. Exit 0
when every scenario matches; else the differences are printed and the exit code is 1.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EXAMPLE = sys.argv[1]
PROJECT_ID = "0123456789abcdef0123456789abcdef"
INSTANCE_ID = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7"
OIDC_TOKEN = "eyJinterop.oidc.token"
POD_TOKEN = "interop-pod-authorization-token"
FEDERATED_TOKEN = "eyJinterop.federated.token"
COMPARED_HEADERS = ["content-type", "x-idp-id", "x-metadata-token", "x-metadata-token-ttl-seconds",
                    "authorization", "x-security-token"]


class Recorder:
    def __init__(self):
        self.requests = []
        self.issued = 0
        self.no_token_api = False
        self.no_metadata = False
        self.lock = threading.Lock()

    def credentials(self, shape):
        with self.lock:
            self.issued += 1
            n = self.issued
        expires = (datetime.now(timezone.utc) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        ak, sk, st = "INTEROPAK%04d" % n, "interop-sk-%d" % n, "interop-st-%d" % n
        if shape == "sts":
            return {"credentials": {"access_key_id": ak, "secret_access_key": sk,
                                    "security_token": st, "expiration": expires}}
        if shape == "pod":
            return {"credential": {"accessKeyId": ak, "secretAccessKey": sk,
                                   "securityToken": st, "expiration": expires}}
        return {"credential": {"access": ak, "secret": sk, "securitytoken": st, "expires_at": expires}}


RECORDER = Recorder()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        RECORDER.requests.append({
            "method": self.command, "target": self.path, "body": body.decode("utf-8", "replace"),
            "headers": {k.lower(): v for k, v in self.headers.items()},
        })
        r = RECORDER
        if (self.command, path) == ("POST", "/v5/agencies/assume-with-oidc"):
            return self.answer(200, r.credentials("sts"))
        if (self.command, path) == ("POST", "/v3.0/OS-AUTH/id-token/tokens"):
            return self.answer(201, {"token": {}}, [("X-Subject-Token", "interop-unscoped-token")])
        if (self.command, path) == ("POST", "/v3.0/OS-CREDENTIAL/securitytokens"):
            return self.answer(201, r.credentials("iam"))
        if path.startswith("/meta-data/") or path.startswith("/openstack/"):
            if r.no_metadata:
                return self.answer(404, b"not found")
            if path == "/meta-data/latest/api/token":
                if r.no_token_api:
                    return self.answer(404, b"not found")
                return self.answer(200, b"interop-session-token")
            return self.answer(200, r.credentials("metadata"))
        if (self.command, path) == ("POST", "/pod-identity/credentials"):
            return self.answer(200, r.credentials("pod"))
        if (self.command, path) == ("GET", "/v3/projects"):
            return self.answer(200, {"projects": [{"id": PROJECT_ID, "name": "cn-north-4"}]},
                               [("X-IAM-Trace-Id", "interop-trace")])
        if path.endswith("/reports/create"):
            return self.answer(200, {"result": "success"}, [("X-Request-Id", "interop-dbss")])
        return self.answer(404, {"error_code": "APIGW.0101", "error_msg": "not found"})

    do_GET = do_POST = do_PUT = handle_any


def run_sdk(env, url):
    """The official SDK with exactly `env` as its environment."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        from huaweicloudsdkcore.auth import internal
        from huaweicloudsdkcore.region.region import Region
        from huaweicloudsdkdbss.v1 import DbssClient
        from huaweicloudsdkdbss.v1.model import CreateReportRequest, CreateReportRequestBody
        internal.MetadataAccessor._METADATA_ENDPOINT = url
        client = DbssClient.new_builder().with_region(Region("cn-north-4", url)).build()
        body = CreateReportRequestBody(template_id="t8g7LJgBTpKZyZbbeTgS",
                                       start_time="2025-08-20 16:00:00", end_time="2025-08-21 07:03:31")
        client.create_report(CreateReportRequest(instance_id=INSTANCE_ID, body=body))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_ours(env, url):
    env = dict(env, PATH=os.environ.get("PATH", ""), DBSS_ENDPOINT=url, DBSS_REGION="cn-north-4",
               DBSS_METADATA_ENDPOINT=url, DBSS_INSTANCE_ID=INSTANCE_ID,
               DBSS_TEMPLATE_ID="t8g7LJgBTpKZyZbbeTgS", DBSS_START="2025-08-20 16:00:00",
               DBSS_END="2025-08-21 07:03:31")
    done = subprocess.run([EXAMPLE], env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError("dbss-rs failed: %s %s" % (done.stdout, done.stderr))


def identity_view(requests):
    """What must be equal: every request but the DBSS one and the project query, in order."""
    view = []
    for r in requests:
        path = r["target"].split("?")[0]
        if path.endswith("/reports/create") or path == "/v3/projects":
            continue
        headers = {h: r["headers"][h] for h in COMPARED_HEADERS if h in r["headers"]}
        view.append({"method": r["method"], "target": r["target"], "body": r["body"], "headers": headers})
    return view


def signed_with(r):
    auth = r["headers"].get("authorization", "")
    ak = auth.split("Access=")[1].split(",")[0] if "Access=" in auth else None
    return ak, r["headers"].get("x-security-token")


def check_signed(name, who, requests):
    """The project query and the DBSS request carry the temporary key and its token."""
    problems = []
    for wanted in ("/v3/projects", "/reports/create"):
        hits = [r for r in requests if r["target"].split("?")[0].endswith(wanted)]
        if not hits:
            problems.append("%s/%s: no request to %s" % (name, who, wanted))
            continue
        ak, token = signed_with(hits[0])
        if not (ak or "").startswith("INTEROPAK") or not (token or "").startswith("interop-st-"):
            problems.append("%s/%s: %s signed with %r, token %r" % (name, who, wanted, ak, token))
        if wanted == "/v3/projects" and hits[0]["target"] != "/v3/projects?name=cn-north-4":
            problems.append("%s/%s: project query %s" % (name, who, hits[0]["target"]))
        if wanted == "/reports/create" and PROJECT_ID not in hits[0]["target"]:
            problems.append("%s/%s: DBSS path %s lacks the discovered project" % (name, who, hits[0]["target"]))
    return problems


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    scratch = tempfile.mkdtemp()
    home = os.path.join(scratch, "home")
    os.makedirs(home)
    fed_file = os.path.join(scratch, "federated-token")
    pod_file = os.path.join(scratch, "pod-token")
    with open(fed_file, "w") as f:
        f.write(FEDERATED_TOKEN + "\n")
    with open(pod_file, "w") as f:
        f.write(POD_TOKEN + "\n")
    base = {"HOME": home, "HUAWEICLOUD_SDK_IAM_ENDPOINT": url}
    scenarios = [
        ("oidc", dict(base, HUAWEICLOUD_OIDC_PROVIDER_URN="iam::0123:identityProvider:gh",
                      HUAWEICLOUD_OIDC_AGENCY_URN="iam::0123:agency:ci", HUAWEICLOUD_OIDC_ID_TOKEN=OIDC_TOKEN,
                      HUAWEICLOUD_OIDC_SESSION_NAME="interop", HUAWEICLOUD_OIDC_DURATION_SECONDS="1800",
                      HUAWEICLOUD_OIDC_POLICY_IDS="p-1,p-2", HUAWEICLOUD_SDK_STS_ENDPOINT=url), {}),
        ("federated", dict(base, HUAWEICLOUD_SDK_IDP_ID="interop-idp", HUAWEICLOUD_SDK_ID_TOKEN_FILE=fed_file), {}),
        ("metadata", dict(base), {}),
        ("metadata-without-token-api", dict(base), {"no_token_api": True}),
        ("pod-identity", dict(base, HC_CONTAINER_CREDENTIALS_FULL_URI=url + "/pod-identity/credentials",
                              HC_CONTAINER_AUTHORIZATION_TOKEN_FILE=pod_file), {"no_metadata": True}),
    ]
    problems = []
    for name, env, mode in scenarios:
        views = {}
        for who, run in (("official", run_sdk), ("dbss-rs", run_ours)):
            RECORDER.requests = []
            RECORDER.no_token_api = mode.get("no_token_api", False)
            RECORDER.no_metadata = mode.get("no_metadata", False)
            try:
                run(env, url)
            except Exception as e:  # a failure of either side is a difference to report
                problems.append("%s/%s: %s: %s" % (name, who, type(e).__name__, e))
                continue
            problems += check_signed(name, who, RECORDER.requests)
            views[who] = identity_view(RECORDER.requests)
        if len(views) == 2 and views["official"] != views["dbss-rs"]:
            problems.append("%s: requests differ\n  official: %s\n  dbss-rs:  %s" % (
                name, json.dumps(views["official"], indent=1), json.dumps(views["dbss-rs"], indent=1)))
        elif len(views) == 2:
            print("SAME %s: %d identity requests" % (name, len(views["official"])), flush=True)
    server.shutdown()
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("credential requests: %d scenarios, byte-identical to the official SDK" % len(scenarios))


if __name__ == "__main__":
    main()
