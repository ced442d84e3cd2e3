#!/usr/bin/env python3
"""Compares openapi/dbss.json with the official DBSS SDK's wire surface (extract.py's output).

Every difference is a line: an operation, method, path, parameter, body or answer field, or a
model field missing or extra, or of another type or required flag. A difference listed in
openapi/sdk/deviations.json (each with its reason) is intended; any other fails the check, and
so does a listed deviation that no longer occurs, so that bumping the pinned SDK prints exactly
what upstream changed.

The SDK's model classes carry no enums, lengths or formats (its descriptions do, in prose: the
document took them from there), so those are not compared here; go_check.py compares integer
formats and enums with the official Go SDK's, which declares them.

Usage: check.py SURFACE_JSON [DOCUMENT] [DEVIATIONS]
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALARS = {"str": "string", "datetime": "string", "date": "string", "int": "integer",
           "float": "number", "bool": "boolean", "object": "any", "file": "binary"}


def sdk_type(t):
    if isinstance(t, str):
        return SCALARS[t]
    if "list" in t:
        return "array<%s>" % sdk_type(t["list"])
    if "map" in t:
        return "map<%s>" % sdk_type(t["map"])
    return t["model"]


class Document:
    def __init__(self, doc):
        self.doc = doc
        self.schemas = doc["components"]["schemas"]

    def deref(self, value, kind):
        ref = value.get("$ref")
        if ref:
            return self.doc["components"][kind][ref.rsplit("/", 1)[1]]
        return value

    def type_of(self, schema):
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.type_of(schema["allOf"][0])
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[1]
            target = self.schemas[name]
            # A named enum or scalar component is its type on the wire.
            if target.get("type") in ("string", "integer", "number", "boolean") and "properties" not in target:
                return self.type_of(target)
            return name
        t = schema.get("type")
        if t == "array":
            return "array<%s>" % self.type_of(schema.get("items", {}))
        if t == "object" and "additionalProperties" in schema and "properties" not in schema:
            ap = schema["additionalProperties"]
            return "map<%s>" % (self.type_of(ap) if isinstance(ap, dict) else "any")
        if t == "string" and schema.get("format") == "binary":
            return "binary"
        return t or "any"

    def fields(self, name):
        schema = self.schemas.get(name)
        if schema is None:
            return None
        required = set(schema.get("required", []))
        return {k: (self.type_of(v), k in required) for k, v in schema.get("properties", {}).items()}


def compare_fields(where, sdk_fields, doc_fields, out):
    for key, f in sdk_fields.items():
        if key not in doc_fields:
            out.append("%s.%s: missing (SDK: %s)" % (where, key, sdk_type(f["type"])))
            continue
        t, required = doc_fields[key]
        if t != sdk_type(f["type"]):
            out.append("%s.%s: type %s, SDK %s" % (where, key, t, sdk_type(f["type"])))
        if required != f["required"]:
            out.append("%s.%s: required %s, SDK %s" % (where, key, required, f["required"]))
    for key in doc_fields:
        if key not in sdk_fields:
            out.append("%s.%s: extra (not in the SDK)" % (where, key))


def differences(surface, doc):
    d = Document(doc)
    out = []
    ops = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            ops[op["operationId"]] = (method.upper(), path, op)
    models_used = set()
    for sop in surface["operations"]:
        name = sop["operation"]
        if name not in ops:
            out.append("operation %s: missing" % name)
            continue
        method, path, op = ops.pop(name)
        if method != sop["method"]:
            out.append("operation %s: method %s, SDK %s" % (name, method, sop["method"]))
        if path != sop["path"]:
            out.append("operation %s: path %s, SDK %s" % (name, path, sop["path"]))
        if bool(op.get("deprecated")) != sop["deprecated"]:
            out.append("operation %s: deprecated %s, SDK %s" % (name, bool(op.get("deprecated")), sop["deprecated"]))
        sdk_ct = sop["content_type"] if sop["content_type"] != "application/json" else None
        if sop["body"] and op.get("x-dbss-content-type") != sdk_ct:
            out.append("operation %s: content type %s, SDK %s"
                       % (name, op.get("x-dbss-content-type") or "application/json", sop["content_type"]))
        doc_params = {}
        for p in op.get("parameters", []):
            p = d.deref(p, "parameters")
            if p["name"] == "project_id" and p["in"] == "path":
                continue  # the SDK fills it from its credentials
            doc_params[(p["in"], p["name"])] = (d.type_of(p["schema"]), bool(p.get("required")))
        for p in sop["parameters"]:
            key = (p["in"], p["name"])
            if key not in doc_params:
                out.append("operation %s: %s parameter %s missing" % (name, p["in"], p["name"]))
                continue
            t, required = doc_params.pop(key)
            if t != sdk_type(p["type"]):
                out.append("operation %s: %s parameter %s type %s, SDK %s" % (name, p["in"], p["name"], t, sdk_type(p["type"])))
            if required != p["required"]:
                out.append("operation %s: %s parameter %s required %s, SDK %s" % (name, p["in"], p["name"], required, p["required"]))
        for (where, pname) in doc_params:
            out.append("operation %s: %s parameter %s extra" % (name, where, pname))
        body = op.get("requestBody")
        sbody = sop["body"]
        if body and not sbody:
            out.append("operation %s: body extra" % name)
        elif sbody and not body:
            out.append("operation %s: body missing" % name)
        elif body:
            t = d.type_of(body["content"]["application/json"]["schema"])
            if t != sdk_type(sbody["type"]):
                out.append("operation %s: body %s, SDK %s" % (name, t, sdk_type(sbody["type"])))
            else:
                models_used.add(t)
            if bool(body.get("required")) != sbody["required"]:
                out.append("operation %s: body required %s, SDK %s" % (name, bool(body.get("required")), sbody["required"]))
        ok = op["responses"].get("200", {})
        content = ok.get("content", {})
        if sop["response_is_stream"]:
            if "application/json" in content or not content:
                out.append("operation %s: answer is not a file" % name)
        elif not sop["response"]:
            if content:
                out.append("operation %s: answer has a body, SDK none" % name)
        elif "application/json" not in content:
            out.append("operation %s: answer has no JSON body" % name)
        else:
            schema = content["application/json"]["schema"]
            if list(sop["response"]) == ["body"]:
                t = d.type_of(d.deref(schema, "schemas"))
                st = sdk_type(sop["response"]["body"]["type"])
                if t != st:
                    out.append("operation %s: answer %s, SDK %s" % (name, t, st))
            else:
                comp = d.type_of(schema)
                compare_fields("answer of %s" % name, sop["response"], d.fields(comp) or {}, out)
    for name in ops:
        out.append("operation %s: extra (not in the SDK)" % name)
    for name, fields in surface["models"].items():
        doc_fields = d.fields(name)
        if doc_fields is None:
            out.append("model %s: missing" % name)
            continue
        compare_fields("model %s" % name, fields, doc_fields, out)
    return sorted(set(out))


def main():
    surface = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2] if len(sys.argv) > 2 else ROOT / "openapi/dbss.json"))
    deviations_path = sys.argv[3] if len(sys.argv) > 3 else ROOT / "openapi/sdk/deviations.json"
    deviations = json.load(open(deviations_path))
    intended = {d["difference"]: d["reason"] for d in deviations["deviations"]}
    if deviations["sdk_version"] != surface["version"]:
        print("deviations.json was written for huaweicloudsdkdbss %s, the SDK is %s"
              % (deviations["sdk_version"], surface["version"]))
    found = differences(surface, doc)
    unexpected = [f for f in found if f not in intended]
    stale = [k for k in intended if k not in found]
    for f in unexpected:
        print("difference: " + f)
    for k in stale:
        print("listed deviation no longer occurs: " + k)
    print("%d operations of the SDK, %d intended deviations, %d unexpected, %d stale"
          % (len(surface["operations"]), len(intended) - len(stale), len(unexpected), len(stale)))
    if unexpected or stale or deviations["sdk_version"] != surface["version"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
