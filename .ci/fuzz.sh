#!/usr/bin/env bash
# Fuzzing (issue 7, item 3): runs each cargo-fuzz target of fuzz/ for a bounded time, or, where
# cargo-fuzz cannot run, the same properties as proptest tests with a large case count.
#
#   .ci/fuzz.sh                      FUZZ_SECONDS (20) per target
#
# Environment:
#   FUZZ_SECONDS=20          libFuzzer time per target (-max_total_time)
#   FUZZ_MODE=auto           auto | libfuzzer | proptest
#   FUZZ_TOOLCHAIN=          rustup toolchain for cargo-fuzz; default: nightly if installed
#                            (AddressSanitizer), else the default toolchain (-s none: stable
#                            Rust builds libFuzzer targets without a sanitizer)
#   FUZZ_PROPTEST_CASES=20000  cases per property in proptest mode
#   FUZZ_CORPUS_DIR=         keep the corpus there (default: a temporary directory; the
#                            committed seeds in fuzz/seeds/ are always read)
#   CARGO_TARGET_DIR         build directory (default: target/fuzz)
#
# libFuzzer mode: cargo-fuzz $CARGO_FUZZ_VERSION is installed from crates.io when missing (40 s
# on an idle 2-core machine); if that fails the script falls back to proptest. A build failure
# is an error. Every step runs under `timeout`, so the script cannot hang; a crash, a
# per-input timeout (10 s) or an out-of-memory (2 GiB) fails the target, the reproducer is
# printed (base64) and kept in fuzz/artifacts/<target>/, and the script exits 1 after running
# the other targets.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(decode_responses canonical_request profile_file)
declare -A DICT=([decode_responses]=fuzz/dicts/json.dict [profile_file]=fuzz/dicts/profile.dict)

secs=${FUZZ_SECONDS:-20}
mode=${FUZZ_MODE:-auto}
cases=${FUZZ_PROPTEST_CASES:-20000}
target_dir=${CARGO_TARGET_DIR:-$PWD/target/fuzz}
build_timeout=3600

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The profile target writes its input to a file: keep that out of the tree and clean it up.
export DBSS_FUZZ_SCRATCH="$work/scratch"
mkdir -p "$DBSS_FUZZ_SCRATCH"

# fuzz/ is its own workspace. Its lock file starts from the root one, so the dependencies it
# shares with the SDK are exactly the versions the workspace builds and tests; cargo resolves
# only the fuzz-only crates (libfuzzer-sys, arbitrary, cc...).
cp Cargo.lock fuzz/Cargo.lock

have_cargo_fuzz() { cargo fuzz --version >/dev/null 2>&1; }

if [[ "$mode" != proptest ]] && ! have_cargo_fuzz; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
    started=$SECONDS
    if timeout 1800 cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked; then
        echo "cargo-fuzz installed in $((SECONDS - started))s"
    else
        echo "cargo-fuzz could not be installed"
    fi
fi
if [[ "$mode" == auto ]]; then
    if have_cargo_fuzz; then mode=libfuzzer; else mode=proptest; fi
fi

run_proptest() {
    echo "== proptest fallback: PROPTEST_CASES=$cases per property (fuzz/tests/fallback.rs)"
    local started=$SECONDS
    PROPTEST_CASES=$cases timeout --kill-after=30 3600 \
        cargo test --manifest-path fuzz/Cargo.toml --target-dir "$target_dir" \
        --no-default-features --test fallback
    echo "proptest fallback passed in $((SECONDS - started))s"
}

if [[ "$mode" == proptest ]]; then
    run_proptest
    exit 0
fi

# libFuzzer mode: pick the toolchain and sanitizer.
if [[ -n "${FUZZ_TOOLCHAIN:-}" ]]; then
    toolchain=(+"$FUZZ_TOOLCHAIN")
elif cargo +nightly --version >/dev/null 2>&1; then
    toolchain=(+nightly)
else
    toolchain=()
fi
# AddressSanitizer needs a nightly compiler; stable builds the targets with -s none.
if rustc "${toolchain[@]}" --version 2>/dev/null | grep -q nightly; then
    san=address
else
    san=none
fi

build() {
    echo "== cargo ${toolchain[*]} fuzz build -s $san (all targets)"
    local started=$SECONDS
    timeout --kill-after=30 "$build_timeout" \
        cargo "${toolchain[@]}" fuzz build -s "$san" -a --target-dir "$target_dir" &&
        echo "built in $((SECONDS - started))s"
}
if ! build; then
    if [[ "$san" == address ]]; then
        echo "the nightly build failed; trying the default toolchain without a sanitizer"
        toolchain=()
        san=none
        build
    else
        exit 1
    fi
fi

failed=()
corpus_root=${FUZZ_CORPUS_DIR:-$work/corpus}
for target in "${TARGETS[@]}"; do
    corpus="$corpus_root/$target"
    mkdir -p "$corpus"
    artifacts="$work/artifacts/$target"
    mkdir -p "$artifacts"
    args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
    if [[ -n "${DICT[$target]:-}" ]]; then
        args+=(-dict="$PWD/${DICT[$target]}")
    fi
    echo "== fuzz $target for ${secs}s (sanitizer: $san)"
    log="$work/$target.log"
    if timeout --kill-after=30 $((secs + 300)) \
        cargo "${toolchain[@]}" fuzz run -s "$san" -a --target-dir "$target_dir" \
        "$target" "$corpus" "fuzz/seeds/$target" -- "${args[@]}" >"$log" 2>&1; then
        grep -E '^Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb|cov: ' "$log" |
            tail -n 4 || true
    else
        status=$?
        failed+=("$target")
        echo "FAILED: $target (exit $status$([[ $status == 124 ]] && echo ': timed out'))"
        tail -n 80 "$log"
        mkdir -p "fuzz/artifacts/$target"
        for artifact in "$artifacts"/*; do
            [[ -f "$artifact" ]] || continue
            kept="fuzz/artifacts/$target/$(basename "$artifact")"
            cp "$artifact" "$kept"
            echo "-- reproducer $kept (base64 below); replay with:"
            echo "   cargo ${toolchain[*]} fuzz run -s $san $target $kept"
            base64 "$artifact" | head -c 20000
            echo
        done
    fi
done

if ((${#failed[@]})); then
    echo "fuzzing failed: ${failed[*]}"
    exit 1
fi
echo "fuzzing passed: ${TARGETS[*]}, ${secs}s each"
