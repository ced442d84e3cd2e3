#!/usr/bin/env bash
# The README's two commands share one build (issue 26 item 2): every dependency that
# `cargo run -p dbss-cli -- demo` compiles must have the same features in `cargo test
# --workspace`, or the tests compile it again on a fresh clone, and every crate above it (a
# dev-dependency turning on tokio's test-util once cost 70 s of CPU: tokio, hyper, reqwest,
# dbss-client, dbss-mock and the CLI, twice). This compares the two feature sets from the
# lockfile, without building anything, and names each dependency that differs.
#
# Known and accepted: the tests' host build of serde (for xtask's code generators) turns on
# serde_core's `result` feature for build scripts, so jmespath's build script and the CLI
# binary are compiled again (about 8 s of CPU). `cargo tree` merges a package's host and
# target features, so that difference does not show here.
set -euo pipefail
cd "$(dirname "$0")/.."

features() {
  cargo tree --locked "$@" -f '{p} [{f}]' --prefix none 2>/dev/null | sed 's/ (\*)$//' | sort -u
}

demo=$(mktemp) tests=$(mktemp)
trap 'rm -f "$demo" "$tests"' EXIT
features -p dbss-cli -e normal,build > "$demo"
features --workspace -e normal,build,dev > "$tests"

python3 - "$demo" "$tests" <<'PY'
import re, sys

def load(path):
    packages = {}
    for line in open(path):
        m = re.match(r"(\S+ v\S+)(?: \(.*?\))? \[(.*)\]$", line.strip())
        if m:
            packages.setdefault(m.group(1), set()).update(f for f in m.group(2).split(",") if f)
    return packages

demo, tests = load(sys.argv[1]), load(sys.argv[2])
differ = [(p, tests.get(p, set()) - f, f - tests.get(p, set()))
          for p, f in sorted(demo.items()) if tests.get(p) != f]
if not demo:
    sys.exit("cargo tree listed nothing for dbss-cli")
for package, added, missing in differ:
    print(f"  {package}: the tests add {sorted(added)}, lack {sorted(missing)}", file=sys.stderr)
if differ:
    sys.exit("these dependencies of `cargo run -p dbss-cli` get other features in "
             "`cargo test --workspace`, so a fresh clone compiles them (and all above them) twice")
print(f"the demo's {len(demo)} packages have the same features in the tests' build")
PY
