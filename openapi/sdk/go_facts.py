#!/usr/bin/env python3
"""Reads the official Go SDK's DBSS models and prints the facts go_check.py holds the document to.

The Python SDK (extract.py) carries no formats and no enums; the Go SDK (huaweicloud-sdk-go-v3,
services/dbss/v1/model) declares both: a field is `int32` or `int64`, and an enum is a type
`struct { value string }` (or `int32`) whose values a `Get<Type>Enum()` function lists. For every
model struct this prints each integer field (`{"int32": true}` for int32, `{"int32": false}` for
a 64-bit integer) and each enum field (`{"enum": [...]}`, with `"int32": true` for an integer
enum); an array of them holds the same under `items`. Nothing else of the Go SDK is kept: only
these facts, and the commit they were read at.

Refresh the committed facts after a Go SDK release:

    git clone --filter=blob:none https://github.com/huaweicloud/huaweicloud-sdk-go-v3 /tmp/go-sdk
    python3 openapi/sdk/go_facts.py /tmp/go-sdk > openapi/sdk/go-facts.json
    python3 openapi/sdk/go_check.py      # then fix the document or list the new differences

Usage: go_facts.py GO_SDK (a checkout, or a bare git directory: its HEAD is read)
"""
import json
import re
import subprocess
import sys
from pathlib import Path

MODEL_DIR = "services/dbss/v1/model"
INTEGERS = {"int32": True, "int64": False, "int": False}


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", str(repo), *args], check=True,
                          capture_output=True, text=True).stdout


def sources(root):
    """(commit, describe, texts of the model files) of a checkout or a bare git directory."""
    root = Path(root)
    work = root / MODEL_DIR
    git_dir = root / ".git" if work.is_dir() else root
    commit = git(git_dir, "rev-parse", "HEAD").strip()
    describe = git(git_dir, "describe", "--tags", "--always", "HEAD").strip()
    if work.is_dir():
        texts = [p.read_text() for p in sorted(work.glob("*.go"))]
    else:
        names = git(git_dir, "ls-tree", "--name-only", "HEAD", MODEL_DIR + "/").split()
        texts = [git(git_dir, "show", "HEAD:" + n) for n in sorted(names) if n.endswith(".go")]
    return commit, describe, texts


def read(texts):
    structs, enum_kind, enum_values = {}, {}, {}
    for text in texts:
        for m in re.finditer(r"^type (\w+) struct \{\n(.*?)^\}", text, re.S | re.M):
            name, body = m.group(1), m.group(2)
            kind = re.fullmatch(r"\s*value (string|int32|int64)\s*", body)
            if kind:
                enum_kind[name] = kind.group(1)
                continue
            structs[name] = re.findall(r"^\s+\w+\s+(\S+)\s+`json:\"([^\",]*)", body, re.M)
        for m in re.finditer(r"^func Get(\w+)Enum\(\) \w+ \{\n(.*?)^\}", text, re.S | re.M):
            values = re.findall(r"value:\s*(\"(?:[^\"\\]|\\.)*\"|-?\d+)", m.group(2))
            enum_values[m.group(1)] = [json.loads(v) for v in values]
    return structs, enum_kind, enum_values


def fact(go_type, enum_kind, enum_values):
    t = go_type.lstrip("*")
    if t.startswith("[]"):
        inner = fact(t[2:], enum_kind, enum_values)
        return {"items": inner} if inner else None
    if t in INTEGERS:
        return {"int32": INTEGERS[t]}
    if t in enum_kind:
        out = {"enum": enum_values[t]}
        if enum_kind[t] in INTEGERS:
            out["int32"] = INTEGERS[enum_kind[t]]
        return out
    return None


def facts(texts):
    structs, enum_kind, enum_values = read(texts)
    models = {}
    for name, fields in sorted(structs.items()):
        found = {}
        for go_type, key in fields:
            f = fact(go_type, enum_kind, enum_values)
            if f and key and key != "-":
                found[key] = f
        if found:
            models[name] = found
    return models


def main():
    commit, describe, texts = sources(sys.argv[1])
    json.dump({
        "sdk": "github.com/huaweicloud/huaweicloud-sdk-go-v3",
        "commit": commit,
        "describe": describe,
        "path": MODEL_DIR,
        "models": facts(texts),
    }, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
