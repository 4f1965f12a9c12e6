#!/usr/bin/env python3
# Validate a --json document against its schema (docs/schemas), strictly:
# the bytes must be UTF-8, the text RFC 8259 JSON (no NaN or Infinity, no
# member twice in one object), and the document valid under the schema
# by JSON Schema draft 2020-12 (python3-jsonschema).
# Usage: json-validate.py SCHEMA [DOCUMENT]   (standard input without one)
# Prints nothing and exits 0 when valid; else one line per problem, exit 1.
import json
import sys

import jsonschema


def no_duplicates(pairs):
    """object_pairs_hook: refuse a member given twice."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("member %r given twice" % key)
        seen[key] = value
    return seen


def refuse_constant(name):
    """parse_constant: NaN and Infinity are not JSON."""
    raise ValueError("%s is not JSON" % name)


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    data = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else sys.stdin.buffer.read()
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates,
                         parse_constant=refuse_constant)
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        print("not JSON: %s" % e)
        return 1
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    for e in errors:
        print("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(document)",
                          e.message[:300]))
    return 1 if errors else 0


sys.exit(main())
