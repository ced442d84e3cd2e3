"""Reads credentials files as huaweicloudsdkcore does and prints what configparser makes of them.

Usage: python3 configparser_dump.py FILE...

huaweicloudsdkcore (auth/provider.py) reads the file with `configparser.ConfigParser()` (default
settings) and `parser.read(path, encoding="utf-8")`, then takes `parser.items(section)`. This
prints one JSON list, an element per file in argument order:

- {"error": "<exception class>", "line": <line or null>} when reading fails;
- otherwise {"order": [section names], "sections": {name: ITEMS}, "defaults": ITEMS}, where
  ITEMS is `items(name)` as [[key, value], ...], or {"interpolation_error": true,
  "class": "<exception class>"} when interpolating that section fails.

Standard library only. Used by dbss-client/tests/profile_configparser.rs.
"""

import configparser
import json
import sys


def error_line(exc):
    if isinstance(exc, configparser.ParsingError) and not isinstance(
        exc, configparser.MissingSectionHeaderError
    ):
        return exc.errors[0][0] if exc.errors else None
    return getattr(exc, "lineno", None)


def items(parser, section):
    try:
        return [[key, value] for key, value in parser.items(section)]
    except configparser.InterpolationError as exc:
        return {"interpolation_error": True, "class": type(exc).__name__}


def dump(path):
    parser = configparser.ConfigParser()
    try:
        if not parser.read(path, encoding="utf-8"):
            return {"error": "FileNotRead", "line": None}
    except (configparser.Error, UnicodeDecodeError) as exc:
        return {"error": type(exc).__name__, "line": error_line(exc)}
    names = parser.sections()
    return {
        "order": names,
        "sections": {name: items(parser, name) for name in names},
        "defaults": items(parser, "DEFAULT"),
    }


def main():
    json.dump([dump(path) for path in sys.argv[1:]], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
