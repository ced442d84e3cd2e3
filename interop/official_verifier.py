#!/usr/bin/env python3
"""A loopback DBSS stand-in that checks every request with the official SDK's own signer.

Run by interop/run.sh (CI); not a test of its own. For each request it rebuilds what the
official huaweicloudsdkcore Signer would have signed (the signed headers as received, the path,
the query, the body), signs it with the known SK, and compares the Authorization header byte
for byte. Token requests must carry X-Auth-Token equal to the expected token and no
Authorization. Accepted requests get {"result": "success"}; refused ones a 401 DBSS error body.
Each verdict is printed on stdout, one line per request: "ACCEPT <mode>" or "REFUSE <reason>".

Environment: VERIFIER_AK, VERIFIER_SK, VERIFIER_TOKEN. Prints "listening on PORT" first.
"""
import datetime
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

AK = os.environ["VERIFIER_AK"]
SK = os.environ["VERIFIER_SK"]
TOKEN = os.environ.get("VERIFIER_TOKEN", "")
MAX_SKEW = datetime.timedelta(minutes=15)


def verdict(handler, ok, reason):
    print(("ACCEPT " if ok else "REFUSE ") + reason, flush=True)
    if ok:
        body = json.dumps({"result": "success"}).encode()
        handler.send_response(200)
    else:
        body = json.dumps({"error_code": "APIGW.0301", "error_msg": reason}).encode()
        handler.send_response(401)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("X-Request-Id", "verifier-%d" % id(handler))
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization")
        token = self.headers.get("X-Auth-Token")
        if token is not None:
            if auth is not None:
                return verdict(self, False, "token request also carries Authorization")
            return verdict(self, token == TOKEN, "token" if token == TOKEN else "wrong token")
        if not auth or not auth.startswith("SDK-HMAC-SHA256 "):
            return verdict(self, False, "no SDK-HMAC-SHA256 Authorization")
        fields = dict(part.strip().split("=", 1) for part in auth[len("SDK-HMAC-SHA256 "):].split(","))
        if fields.get("Access") != AK:
            return verdict(self, False, "unknown AK")
        signed = fields.get("SignedHeaders", "").split(";")
        headers = {}
        for name in signed:
            value = self.headers.get(name)
            if value is None:
                return verdict(self, False, "signed header %s missing" % name)
            headers[name] = value
        date = headers.get("x-sdk-date")
        if date is None:
            return verdict(self, False, "X-Sdk-Date not signed")
        sent = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ")
        if abs(datetime.datetime.utcnow() - sent) > MAX_SKEW:
            return verdict(self, False, "signature expired")
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        request = SdkRequest(method=self.command, schema="http", host=self.headers.get("Host"),
                             resource_path=url.path, query_params=query,
                             header_params=headers, body=body or None)
        expected = Signer(BasicCredentials(AK, SK)).sign(request).header_params["Authorization"]
        if expected != auth:
            return verdict(self, False, "signature mismatch: expected %s" % expected)
        return verdict(self, True, "aksk")

    do_GET = do_POST = do_DELETE = do_PUT = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
