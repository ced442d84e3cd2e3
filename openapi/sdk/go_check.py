#!/usr/bin/env python3
"""Compares the formats and enums of openapi/dbss.json with the official Go SDK's (go-facts.json).

The Python SDK, which check.py compares names, types and required flags with, declares no
integer widths and no enums. The Go SDK does (go_facts.py reads them into go-facts.json), and
the document follows it: an integer the Go SDK declares int32 has `format: int32`, a 64-bit one
has not; an enum the Go SDK declares is an enum of the document with the same values (in any
order). Every other difference is a line, and fails the check unless `go_deviations` of
openapi/sdk/deviations.json lists it with its reason; a listed deviation that no longer occurs
fails too.

A Go struct is found in the document as check.py finds the Python SDK's models: `<Op>Request` is
the parameters of the operation `op`, `<Op>Response` its JSON answer, any other struct the
component schema of that name, in any case (or the name a renaming deviation of deviations.json
gives it).

Usage: go_check.py [FACTS] [DOCUMENT] [DEVIATIONS]
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


class Document:
    def __init__(self, doc, renames):
        self.doc = doc
        self.schemas = doc["components"]["schemas"]
        self.renames = renames
        # The Go SDK spells acronyms as words (SqlStatisticsBean for SQLStatisticsBean).
        self.folded = {n.lower(): n for n in self.schemas}
        self.ops = {}
        for item in doc["paths"].values():
            for op in item.values():
                self.ops[camel(op["operationId"])] = op

    def deref(self, value, kind="schemas"):
        while isinstance(value, dict):
            if "$ref" in value:
                value = self.doc["components"][kind][value["$ref"].rsplit("/", 1)[1]]
            elif len(value.get("allOf", [])) == 1:
                value = value["allOf"][0]
            else:
                break
        return value

    def fields(self, struct):
        """(where, {JSON name: schema}) of a Go struct in the document, or None."""
        if struct.endswith("Request") and struct[: -len("Request")] in self.ops:
            # The operation's request: its parameters (the body is a model of its own, which
            # the document may call <Op>Request too).
            op = self.ops[struct[: -len("Request")]]
            params = {}
            for p in op.get("parameters", []):
                p = self.deref(p, "parameters")
                params[p["name"]] = p["schema"]
            return "parameters of %s" % op["operationId"], params
        if struct.endswith("Response") and struct[: -len("Response")] in self.ops:
            op = self.ops[struct[: -len("Response")]]
            content = op["responses"].get("200", {}).get("content", {})
            if "application/json" not in content:
                return None
            schema = self.deref(content["application/json"]["schema"])
            return "answer of %s" % op["operationId"], schema.get("properties", {})
        name = self.renames.get(struct, struct)
        name = name if name in self.schemas else self.folded.get(name.lower(), name)
        if name in self.schemas:
            return "model %s" % name, self.deref(self.schemas[name]).get("properties", {})
        return None


def show(values):
    return "none" if values is None else "|".join(sorted(json.dumps(v) for v in values))


def compare(where, fact, schema, out):
    if "items" in fact:
        if schema.get("type") != "array":
            out.append("%s: type %s, Go an array" % (where, schema.get("type")))
        else:
            compare(where + "[]", fact["items"], schema.get("items", {}), out)
        return
    if "int32" in fact:
        fmt = schema.get("format")
        if schema.get("type") != "integer":
            out.append("%s: type %s, Go %s" % (where, schema.get("type"),
                                                 "int32" if fact["int32"] else "int64"))
        elif fact["int32"] and fmt != "int32":
            out.append("%s: format %s, Go int32" % (where, fmt))
        elif not fact["int32"] and fmt == "int32":
            out.append("%s: format int32, Go int64" % where)
    if "enum" in fact:
        doc_enum = schema.get("enum")
        if doc_enum is None or show(doc_enum) != show(fact["enum"]):
            out.append("%s: enum %s, Go %s" % (where, show(doc_enum), show(fact["enum"])))


def differences(facts, doc, renames):
    d = Document(doc, renames)
    out = []
    for struct, fields in facts["models"].items():
        found = d.fields(struct)
        if found is None:
            out.append("Go model %s: not in the document" % struct)
            continue
        where, props = found
        for key, fact in fields.items():
            if key not in props:
                out.append("%s.%s: not in the document (Go model %s)" % (where, key, struct))
                continue
            compare("%s.%s" % (where, key), fact, d.deref(props[key]), out)
    return sorted(set(out))


def renames_of(deviations):
    """SDK model names the document spells otherwise: `operation x: body Doc, SDK Sdk`."""
    out = {}
    for dev in deviations["deviations"]:
        m = re.fullmatch(r"operation \w+: body (\w+), SDK (\w+)", dev["difference"])
        if m:
            out[m.group(2)] = m.group(1)
    return out


def main():
    facts = json.load(open(sys.argv[1] if len(sys.argv) > 1 else ROOT / "openapi/sdk/go-facts.json"))
    doc = json.load(open(sys.argv[2] if len(sys.argv) > 2 else ROOT / "openapi/dbss.json"))
    deviations = json.load(open(sys.argv[3] if len(sys.argv) > 3 else ROOT / "openapi/sdk/deviations.json"))
    intended = {d["difference"]: d["reason"] for d in deviations.get("go_deviations", [])}
    if deviations.get("go_commit") != facts["commit"]:
        print("deviations.json was written for the Go SDK at %s, go-facts.json is of %s"
              % (deviations.get("go_commit"), facts["commit"]))
    found = differences(facts, doc, renames_of(deviations))
    unexpected = [f for f in found if f not in intended]
    stale = [k for k in intended if k not in found]
    for f in unexpected:
        print("difference: " + f)
    for k in stale:
        print("listed deviation no longer occurs: " + k)
    print("%d Go models with integers or enums (%s), %d intended deviations, %d unexpected, %d stale"
          % (len(facts["models"]), facts["describe"], len(intended) - len(stale), len(unexpected), len(stale)))
    if unexpected or stale or deviations.get("go_commit") != facts["commit"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
