"""Load benchmark of the official Huawei Cloud Python SDK (huaweicloudsdkdbss).

N calls of one operation (create: create-report; list: one page of 1,000 audited databases;
delete: a report deletion) against the benchmark's loopback server, at each given concurrency
(threads sharing one client, as the SDK's own docs suggest), with the same credentials, ids and
body as the Rust clients. Prints one JSON line per concurrency in the format of
`dbss-bench load`, with the CPU time (user + system) the process spent per request. Run by bench/run.sh inside a scratch venv with HOME pointed at a scratch
folder (importing the SDK writes $HOME/.huaweicloud/application_id).

usage: official_load.py URL REQUESTS CONCURRENCIES(1,32) [OP(create|list|delete)] [WARMUP]
"""

import json
import sys
import threading
import time
from urllib.parse import urlparse

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdbss.v1 import (CreateReportRequest, CreateReportRequestBody, DbssClient,
                                   DeleteAuditReportRequest, ListAuditDatabasesNewRequest)

# The same values as bench/src/lib.rs.
PROJECT_ID = "0123456789abcdef0123456789abcdef"
INSTANCE_ID = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7"
TEMPLATE_ID = "t8g7LJgBTpKZyZbbeTgS"
START_TIME = "2025-08-20 16:00:00"
END_TIME = "2025-08-21 07:03:31"
REPORT_ID = "Hx9QLJgBTpKZyZbbhTgS"
DATABASE_PAGE = 1000
AK = "AKBENCHEXAMPLE000001"
SK = "SKbenchExampleSecretKey0123456789abcdef0"


def client(url):
    config = HttpConfig.get_default_config()
    # Enough pooled connections for every thread: otherwise urllib3 opens and drops extra ones.
    config.pool_connections = 64
    config.pool_maxsize = 64
    creds = BasicCredentials(AK, SK, PROJECT_ID)
    return (DbssClient.new_builder().with_credentials(creds).with_endpoints([url])
            .with_http_config(config).build())


def create(c):
    body = CreateReportRequestBody(template_id=TEMPLATE_ID, start_time=START_TIME,
                                   end_time=END_TIME)
    response = c.create_report(CreateReportRequest(instance_id=INSTANCE_ID, body=body))
    if response.result != "success":
        raise RuntimeError(f"unexpected answer {response}")


def list_databases(c):
    response = c.list_audit_databases_new(ListAuditDatabasesNewRequest(
        instance_id=INSTANCE_ID, offset="0", limit=str(DATABASE_PAGE)))
    if len(response.databases) != DATABASE_PAGE:
        raise RuntimeError(f"{len(response.databases)} databases in the page")


def delete(c):
    response = c.delete_audit_report(DeleteAuditReportRequest(instance_id=INSTANCE_ID,
                                                               id=REPORT_ID))
    if response.status != "SUCCESS":
        raise RuntimeError(f"unexpected answer {response}")


OPERATIONS = {"create": create, "list": list_databases, "delete": delete}


def phase(c, one, requests, concurrency):
    latencies = []
    lock = threading.Lock()
    claimed = [0]
    errors = []

    def worker():
        mine = []
        while True:
            with lock:
                if claimed[0] >= requests or errors:
                    break
                claimed[0] += 1
            started = time.perf_counter()
            try:
                one(c)
            except Exception as e:  # reported once, stops every worker
                errors.append(e)
                break
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return latencies


def percentile(sorted_values, q):
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


def main():
    url, requests, concurrencies = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    op = sys.argv[4] if len(sys.argv) > 4 else "create"
    one = OPERATIONS[op]
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else max(1, requests // 10)
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("the benchmark only talks to loopback addresses")
    c = client(url)
    for concurrency in (int(x) for x in concurrencies.split(",")):
        phase(c, one, warmup, concurrency)
        cpu_before = time.process_time()
        started = time.perf_counter()
        latencies = sorted(phase(c, one, requests, concurrency))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        print(json.dumps({
            "kind": "load", "op": op, "client": "python", "concurrency": concurrency,
            "cpu_us_per_request": cpu * 1e6 / requests,
            "requests": requests, "seconds": seconds, "rps": requests / seconds,
            "p50_us": percentile(latencies, 0.50) * 1e6,
            "p99_us": percentile(latencies, 0.99) * 1e6,
        }), flush=True)


if __name__ == "__main__":
    main()
