#!/usr/bin/env bash
# MSRV (issue 7, item 5): is the `rust-version` declared in the root Cargo.toml honoured?
#
# No toolchain can be downloaded here, so `cargo +<msrv> check` is impossible. Instead:
#  1. Dependencies: every package in the lock file (normal, build and dev dependencies, all
#     targets) whose manifest declares a `rust-version` must declare one <= ours. Offenders are
#     listed with the path that pulls them in, and the smallest MSRV that would be correct.
#     (Packages that declare none cannot be checked; they are counted.)
#  2. Our own crates: every workspace member must declare the workspace's rust-version, since
#     that is what clippy's `incompatible_msrv` reads.
#  3. The standard library: clippy's `incompatible_msrv` lint (warn by default, so an error
#     under the `-D warnings` of .ci/run's clippy step) flags any std API stabilised after the
#     MSRV. This script makes sure nothing switches it off (an `allow` in Cargo.toml lints or
#     the sources, or an `msrv` in clippy.toml that differs) and that it fires, on a scratch
#     crate.
# Not covered: language features (let chains need 1.88, for instance) are only checked by a
# real toolchain of that version.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== dependencies' rust-version"
cargo metadata --format-version 1 --locked >"$scratch/metadata.json"
python3 - "$scratch/metadata.json" <<'EOF'
import json, sys, tomllib
from collections import deque

meta = json.load(open(sys.argv[1]))
root = meta["workspace_root"] + "/Cargo.toml"
with open(root, "rb") as f:
    manifest = tomllib.load(f)
declared_text = manifest.get("workspace", {}).get("package", {}).get("rust-version") or \
    manifest.get("package", {}).get("rust-version")
if not declared_text:
    sys.exit(f"{root}: no rust-version declared")

def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

def show(v):
    return ".".join(map(str, v[:2])) if v[2] == 0 else ".".join(map(str, v))

declared = version(declared_text)
packages = {p["id"]: p for p in meta["packages"]}
members = set(meta["workspace_members"])
failed = False

# 2. Our own crates.
for pid in sorted(members, key=lambda i: packages[i]["name"]):
    p = packages[pid]
    if not p.get("rust_version"):
        print(f"FAIL {p['name']}: declares no rust-version (add `rust-version.workspace = true`)")
        failed = True
    elif version(p["rust_version"]) != declared:
        print(f"FAIL {p['name']}: rust-version {p['rust_version']} differs from the workspace's {declared_text}")
        failed = True

# How each package is reached from the workspace (breadth-first: a shortest path), and
# whether that last edge is a dev-dependency, for the message.
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
def edges(pid):
    for dep in nodes[pid]["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        yield dep["pkg"], ("dev" in kinds and len(kinds) == 1)

parent = {m: (None, False) for m in members}
queue = deque(sorted(members))
while queue:
    pid = queue.popleft()
    for dep, dev_only in edges(pid):
        if dep not in parent:
            parent[dep] = (pid, dev_only)
            queue.append(dep)

def path(pid):
    chain = []
    while pid is not None:
        up, dev_only = parent[pid]
        chain.append(packages[pid]["name"] + (" (dev-dependency)" if dev_only else ""))
        pid = up
    return " <- ".join(chain)

offenders, unknown, highest = [], 0, declared
for pid, p in packages.items():
    if pid in members:
        continue
    rv = p.get("rust_version")
    if not rv:
        unknown += 1
        continue
    v = version(rv)
    highest = max(highest, v)
    if v > declared:
        offenders.append((v, p["name"], p["version"], path(pid)))

if offenders:
    failed = True
    print(f"FAIL: {len(offenders)} dependencies need a newer Rust than the declared rust-version {declared_text}:")
    for v, name, ver, via in sorted(offenders, reverse=True):
        print(f"  {name} {ver}: rust-version {show(v)}  ({via})")
    print(f"The smallest correct rust-version is {show(highest)}.")
else:
    print(f"ok: {len(packages) - len(members)} dependencies, none needs more than {declared_text} "
          f"(highest declared: {show(highest)}; {unknown} declare no rust-version)")
sys.exit(1 if failed else 0)
EOF

echo "== clippy::incompatible_msrv is not switched off"
declared=$(python3 -c 'import tomllib;m=tomllib.load(open("Cargo.toml","rb"));print(m["workspace"]["package"]["rust-version"])')
if [[ -f clippy.toml ]] && grep -Eq '^\s*msrv\s*=' clippy.toml; then
    clippy_msrv=$(sed -nE 's/^\s*msrv\s*=\s*"?([0-9.]+)"?.*/\1/p' clippy.toml)
    if [[ "$clippy_msrv" != "$declared" ]]; then
        echo "FAIL: clippy.toml sets msrv = $clippy_msrv, overriding rust-version $declared" >&2
        exit 1
    fi
fi
if grep -rn --include='*.rs' --include='Cargo.toml' --include='clippy.toml' \
    -e 'incompatible_msrv' . --exclude-dir=target --exclude-dir=.git --exclude-dir=fuzz; then
    echo "FAIL: the lines above mention incompatible_msrv (allowed somewhere?)" >&2
    exit 1
fi
echo "ok: nothing allows it; clippy reads rust-version $declared from Cargo.toml"

echo "== clippy::incompatible_msrv fires (scratch crate, rust-version 1.80, std::iter::repeat_n of 1.82)"
mkdir -p "$scratch/probe/src"
cat >"$scratch/probe/Cargo.toml" <<'EOF'
[package]
name = "msrv-probe"
version = "0.0.0"
edition = "2021"
rust-version = "1.80"
publish = false

[workspace]
EOF
echo 'pub fn probe() -> usize { std::iter::repeat_n(1u8, 3).count() }' >"$scratch/probe/src/lib.rs"
if (cd "$scratch/probe" && CARGO_TARGET_DIR="$scratch/target" cargo clippy --quiet -- -D clippy::incompatible_msrv) \
    >"$scratch/probe.log" 2>&1; then
    echo "FAIL: clippy did not flag an API newer than the crate's rust-version" >&2
    exit 1
elif grep -q 'incompatible_msrv' "$scratch/probe.log"; then
    echo "ok: clippy flags std APIs newer than rust-version"
else
    cat "$scratch/probe.log" >&2
    echo "FAIL: clippy failed on the probe for another reason (is the clippy component installed?)" >&2
    exit 1
fi
