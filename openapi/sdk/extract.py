#!/usr/bin/env python3
"""Reads the installed official DBSS SDK (huaweicloudsdkdbss) and prints its wire surface as JSON.

The surface is what the SDK puts on and reads off the wire, and nothing else: for each operation
its method, path, parameters (where each goes, its type, whether it is required), request body
and response models; for each model its JSON fields (type, required). Facts are read from the
SDK's own model classes (`openapi_types`, `attribute_map`, the constructor) and from the request
description each client method builds (`_<operation>_http_info`), never from its prose.

Usage: extract.py > surface.json   (run with the SDK's interpreter)
"""
import inspect
import json
import re
import sys

import huaweicloudsdkdbss
from huaweicloudsdkdbss.v1 import model as sdk_model
from huaweicloudsdkdbss.v1.dbss_client import DbssClient
from huaweicloudsdkcore.sdk_stream_response import SdkStreamResponse


class _Anything:
    """Stands in for every request attribute so that every optional parameter is emitted."""


def _required_attrs(cls):
    """Attributes the constructor sets unconditionally: the SDK's required fields."""
    try:
        source = inspect.getsource(cls.__init__)
    except (OSError, TypeError):
        return set()
    required = set()
    lines = source.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*self\.(\w+) = (\w+)$", line)
        if not m or m.group(1) != m.group(2):
            continue
        previous = lines[i - 1].strip() if i else ""
        if not previous.startswith("if "):
            required.add(m.group(1))
    return required


def _type(text):
    """The SDK's type text ('list[str]', 'dict(str, int)', 'Foo') as a small JSON form."""
    text = text.strip()
    m = re.fullmatch(r"list\[(.+)\]", text)
    if m:
        return {"list": _type(m.group(1))}
    m = re.fullmatch(r"dict\((\w+),\s*(.+)\)", text)
    if m:
        return {"map": _type(m.group(2))}
    if text in ("str", "int", "float", "bool", "object", "date", "datetime", "file"):
        return text
    return {"model": text}


def _models_of(t, out):
    if isinstance(t, dict):
        if "model" in t:
            out.add(t["model"])
        for v in t.values():
            if isinstance(v, dict):
                _models_of(v, out)


def model_surface(cls):
    required = _required_attrs(cls)
    fields = {}
    for attr, type_text in cls.openapi_types.items():
        fields[cls.attribute_map[attr]] = {
            "attr": attr,
            "type": _type(type_text),
            "required": attr in required,
            "sensitive": attr in getattr(cls, "sensitive_list", []),
        }
    return fields


def operation_surface(name):
    http_info_of = getattr(DbssClient, f"_{name}_http_info")
    request_cls = getattr(sdk_model, _camel(name) + "Request")
    response_cls = getattr(sdk_model, _camel(name) + "Response")
    request = request_cls.__new__(request_cls)
    for attr in request_cls.attribute_map:
        setattr(request, "_" + attr, _Anything())
    info = http_info_of(request)
    request_fields = model_surface(request_cls)
    by_attr = {f["attr"]: (key, f) for key, f in request_fields.items()}
    params = []
    for location, items in (
        ("path", list(info["path_params"].items())),
        ("query", list(info["query_params"])),
        ("header", [(k, v) for k, v in info["header_params"].items() if k != "Content-Type"]),
    ):
        for wire_name, value in items:
            attr = next(a for a in request_cls.attribute_map if getattr(request, "_" + a) is value)
            _, field = by_attr[attr]
            params.append({
                "name": wire_name,
                "in": location,
                "type": field["type"],
                "required": field["required"],
                "collection_format": info["collection_formats"].get(attr),
            })
    body = None
    if "body" in request_cls.attribute_map:
        field = request_fields["body"]
        body = {"type": field["type"], "required": field["required"]}
    method = getattr(DbssClient, name)
    deprecated = "deprecated" in inspect.getsource(method)
    response_fields = model_surface(response_cls)
    return {
        "operation": name,
        "method": info["method"],
        "path": info["resource_path"],
        "content_type": info["header_params"].get("Content-Type"),
        "parameters": params,
        "body": body,
        "response": response_fields,
        "response_headers": info["response_headers"],
        "response_is_stream": issubclass(response_cls, SdkStreamResponse),
        "deprecated": deprecated,
        "summary_zh": (method.__doc__ or "").strip().splitlines()[0] if method.__doc__ else "",
    }


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def operation_names():
    return sorted(
        m[1 : -len("_http_info")]
        for m in dir(DbssClient)
        if m.startswith("_") and m.endswith("_http_info") and not m.startswith("__")
    )


def _version():
    from importlib.metadata import version

    return version("huaweicloudsdkdbss")


def main():
    operations = [operation_surface(n) for n in operation_names()]
    models = {}
    pending = set()
    for op in operations:
        if op["body"]:
            _models_of(op["body"]["type"], pending)
        for f in op["response"].values():
            _models_of(f["type"], pending)
    while pending:
        name = pending.pop()
        if name in models:
            continue
        fields = model_surface(getattr(sdk_model, name))
        models[name] = fields
        for f in fields.values():
            _models_of(f["type"], pending)
    json.dump(
        {
            "sdk": "huaweicloudsdkdbss",
            "version": _version(),
            "operations": operations,
            "models": dict(sorted(models.items())),
        },
        sys.stdout,
        indent=1,
        ensure_ascii=False,
        sort_keys=True,
    )


if __name__ == "__main__":
    main()
