#!/usr/bin/env bash
# Every crate meant for users packages as crates.io would take it (issue 26, item 1):
#
#   1. no source of a published crate refers to a file outside the crate's folder
#      (`include_str!("../../openapi/...")`, `#[path = "../..."]`, `std::fs::read("../...")`,
#      `concat!(env!("CARGO_MANIFEST_DIR"), "/../...")`): a published crate has nothing beside
#      it, so such a crate does not build once downloaded;
#   2. every file the packaged sources embed or name as a module path is in the package's file
#      list (`cargo package --list`): an `exclude` or a `.gitignore` must not drop it;
#   3. `cargo package` of all of them together, with verification: each `.crate` is unpacked and
#      built alone, the crates of this workspace taken from the other `.crate`s just packaged
#      (a local registry overlay) instead of crates.io, where they are not published yet.
#
# The published crates are the workspace members without `publish = false`. Prints the time of
# each step. Usage: .ci/package.sh [--no-verify]   (--no-verify: steps 1 and 2 only, seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

verify=1
case "${1:-}" in
  --no-verify) verify=0 ;;
  "") ;;
  *) echo "usage: $0 [--no-verify]" >&2; exit 2 ;;
esac

# A developer's checkout may hold uncommitted work; CI's never does. The check is the same.
dirty=(--allow-dirty)

mapfile -t crates < <(cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
root = meta["workspace_root"]
members = set(meta["workspace_members"])
for p in meta["packages"]:
    if p["id"] in members and p.get("publish") != []:
        print(p["name"], os.path.relpath(os.path.dirname(p["manifest_path"]), root))
')
[ "${#crates[@]}" -gt 0 ] || { echo "no published crate found" >&2; exit 1; }
echo "published crates: $(printf '%s, ' "${crates[@]%% *}" | sed 's/, $//')"

failures=0
fail() { echo "error: $*" >&2; failures=$((failures + 1)); }

# Steps 1 and 2: the paths the sources of each crate name, resolved against the file naming them.
start=$SECONDS
for entry in "${crates[@]}"; do
  name=${entry%% *} dir=${entry#* }
  crate_root=$(realpath "$dir")
  list=$(cargo package --list --locked "${dirty[@]}" -p "$name" 2>/dev/null) \
    || { fail "$name: cargo package --list failed"; cargo package --list --locked "${dirty[@]}" -p "$name" >/dev/null; continue; }
  while IFS= read -r file; do
    case "$file" in *.rs) ;; *) continue ;; esac
    src="$dir/$file"
    [ -f "$src" ] || continue   # Cargo.toml.orig and other files cargo writes itself
    # include!/include_str!/include_bytes! and #[path]: relative to the file's folder (a
    # #[path] inside an inline `mod { }` block is relative to a deeper folder, so a path this
    # check accepts may be refused by rustc, but one it refuses does climb out).
    while IFS=: read -r line ref; do
      target=$(realpath -m "$(dirname "$src")/$ref")
      case "$target/" in
        "$crate_root"/*) ;;
        *) fail "$src:$line refers to $ref, outside the crate $name ($dir/): a published crate has nothing beside it; copy the file into the crate (as \`cargo xtask generate\` does for dbss-mock/openapi/dbss.json)"; continue ;;
      esac
      rel=${target#"$crate_root"/}
      grep -qxF "$rel" <<<"$list" \
        || fail "$src:$line refers to $ref, which the package of $name leaves out (cargo package --list -p $name): check \`include\`/\`exclude\` in $dir/Cargo.toml and .gitignore"
    done < <(grep -noE '(include!|include_str!|include_bytes!)\("[^"]+"\)|#\[path *= *"[^"]+"\]' "$src" \
               | sed -E 's/^([0-9]+):.*"([^"]+)".*$/\1:\2/')
    # Reads at run time that climb out of the crate: a literal starting with ../ given to
    # std::fs, or CARGO_MANIFEST_DIR followed by /.. on the same line.
    while IFS= read -r hit; do
      fail "$src:${hit%%:*} reads a file outside the crate $name: ${hit#*:}"
    done < <(grep -nE '(fs::[a-z_]+|File::open|read_to_string)\("\.\./|CARGO_MANIFEST_DIR.*"/?\.\.(/|")' "$src" || true)
  done <<<"$list"
done
echo "sources checked against the package file lists in $((SECONDS - start)) s"
[ "$failures" = 0 ] || { echo "$failures problem(s) in the published crates' files" >&2; exit 1; }

[ "$verify" = 1 ] || exit 0

# Step 3. Verification builds each crate as downloaded (debug profile, its own lock file taken
# from Cargo.lock), in target/package/.
#
# Cargo unpacks the overlay's crates under $CARGO_HOME/registry/src/-<hash of the overlay's
# path>/ and reuses an unpacked folder of the same name and version without looking at the new
# .crate: a second run from the same checkout path would build the dependents against the first
# run's sources. Our crates' unpacked folders of the local overlays (the folders whose name
# starts with '-'; crates.io's never does) go first.
for entry in "${crates[@]}"; do
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"${entry%% *}"-[0-9]*
done
# Likewise their builds: a crate from a registry is taken to never change, so the verification
# of a dependent reuses what an earlier run compiled of the same version. The fingerprints of
# our crates built from an overlay (their dep-info names a registry folder) go too.
deps_dir="${CARGO_TARGET_DIR:-target}/debug/deps"
for depinfo in "$deps_dir"/dbss_*.d; do
  [ -f "$depinfo" ] && grep -q '/registry/src/-' "$depinfo" || continue
  base=$(basename "$depinfo" .d)
  rm -rf "${deps_dir%/deps}/.fingerprint/${base%-*}-${base##*-}" \
    "${deps_dir%/deps}/.fingerprint/$(echo "${base%-*}" | tr _ -)-${base##*-}"
done
start=$SECONDS
packages=()
for entry in "${crates[@]}"; do packages+=(-p "${entry%% *}"); done
cargo package --locked "${dirty[@]}" "${packages[@]}"
echo "packaged and verified ${#crates[@]} crates in $((SECONDS - start)) s"
ls -l "${CARGO_TARGET_DIR:-target}"/package/*.crate
