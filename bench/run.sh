#!/usr/bin/env bash
# The DBSS SDK benchmarks, in one run against one loopback server (issue 6):
#
#   - load: N create-report calls at concurrency 1 and 32 through the SDK (AK/SK signing and
#     validation), through reqwest signing each request itself, through bare reqwest with
#     precomputed headers (the floor), through hyper-util's client with the same precomputed
#     request (what reqwest itself costs), and through the official Python SDK; then N/20 GETs
#     of a 1,000-row list page and N deletions, through the SDK, bare reqwest and Python;
#   - download: a report (1 GiB) streamed into a file by the SDK and by bare reqwest, with the
#     peak RSS of each process;
#   - signing: time per create-report signature, and callgrind instruction counts;
#   - throttle: 256 tasks sharing one client against a mock that refuses more than 200 requests
#     a second (429), with the adaptive rate limiter and without it.
#
# It prints the tables and writes them into BENCHMARKS.md (between its markers).
#
#   bench/run.sh                 full run (release build with line tables, the `profiling`
#                                profile; installs the official Python SDK into a scratch venv;
#                                a few minutes)
#   bench/run.sh --smoke         CI smoke test: debug build, tiny N, 8 MiB download, no Python
#                                unless --python; checks that everything runs, not the timings;
#                                compiles the criterion benches; writes no BENCHMARKS.md
#
# Options: --rounds R (default 5), --requests N (default 20000), --python-requests N
# (default 3000), --download-size BYTES (default 1 GiB), --no-python, --python, --out FILE.
#
# Only loopback addresses are used. The server is pinned to CPU 1 and every client to CPU 0
# (taskset) when the machine has two or more CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0 rounds=5 requests=20000 python_requests=3000 download_size=$((1 << 30))
python=auto out=BENCHMARKS.md
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --rounds) rounds=$2; shift ;;
    --requests) requests=$2; shift ;;
    --python-requests) python_requests=$2; shift ;;
    --download-size) download_size=$2; shift ;;
    --python) python=yes ;;
    --no-python) python=no ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$smoke" = 1 ]; then
  rounds=1 requests=200 python_requests=100 download_size=$((8 << 20))
  [ "$python" = auto ] && python=no
  [ "$out" = BENCHMARKS.md ] && out=""
fi
[ "$python" = auto ] && python=yes

target_dir=${CARGO_TARGET_DIR:-target}
if [ "$smoke" = 1 ]; then
  # The debug profile: CI has built it already for the tests, so this is quick.
  cargo build --quiet -p dbss-bench --bins
  # The criterion benches compile (their own workspace, bench/micro; this target dir, so that
  # our crates built for the tests are reused).
  cargo build --quiet --locked --manifest-path bench/micro/Cargo.toml --benches --target-dir "$target_dir"
  bin="$target_dir/debug/dbss-bench"
else
  # The release profile with line tables and symbols (Cargo.toml): callgrind_annotate and perf
  # name functions and lines. `release` itself is stripped, for `cargo install`.
  cargo build --quiet --profile profiling -p dbss-bench --bins
  bin="$target_dir/profiling/dbss-bench"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/dbss-bench.XXXXXX")
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
results="$scratch/results.jsonl"
: >"$results"

server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 1) client_cpu=(taskset -c 0)
  pinning="server on CPU 1, clients on CPU 0 (taskset)"
else
  pinning="none (fewer than 2 CPUs or no taskset)"
fi

"${server_cpu[@]}" "$bin" server --port 0 --report-size "$download_size" >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on' "$scratch/server.log" && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$scratch/server.log")
[ -n "$url" ] || { echo "server did not start:"; cat "$scratch/server.log"; exit 1; }
echo "server: $url ($pinning)"

run() { "${client_cpu[@]}" "$@" | tee -a "$results"; }

# The official Python SDK, in a scratch venv, with HOME pointed at a scratch folder (importing
# the SDK writes $HOME/.huaweicloud/application_id).
if [ "$python" = yes ]; then
  venv="${TMPDIR:-/tmp}/dbss-bench-venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "huaweicloudsdkdbss==3.1.219"
  mkdir -p "$scratch/home"
fi

echo "== signing"
if [ "$smoke" = 1 ]; then
  run "$bin" sign-time --iterations 2000 --rounds 1
else
  # Many short timed loops: the best one is the least disturbed by other work on the machine.
  run "$bin" sign-time --iterations 2000 --rounds 500
  if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
    # Two loop lengths; the difference divided by the extra iterations is exact per signature.
    # (awk reads to the end: an early exit would fail the pipeline under pipefail.)
    total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !n++ { gsub(",", "", $1); print $1 }'; }
    sha() { callgrind_annotate --inclusive=yes "$1" 2>/dev/null | awk '/sha256.rs:sha2::sha256::compress256 \[/ && !n++ { gsub(",", "", $1); print $1 }'; }
    for n in 1000 11000; do
      valgrind --tool=callgrind --callgrind-out-file="$scratch/cg.$n" "$bin" sign-loop --iterations $n >/dev/null 2>&1
    done
    all=$(( ($(total "$scratch/cg.11000") - $(total "$scratch/cg.1000")) / 10000 ))
    hashing=$(( ($(sha "$scratch/cg.11000") - $(sha "$scratch/cg.1000")) / 10000 ))
    echo "{\"kind\":\"sign-callgrind\",\"instructions\":$all,\"instructions_without_sha256\":$((all - hashing))}" | tee -a "$results"
  fi
fi

echo "== load"
# Every round runs every client once, back to back: the report compares clients within a round,
# so that the machine's drift between rounds cancels out. The list page (1,000 databases, about
# 600 KB of JSON to decode) gets a twentieth of the requests.
for round in $(seq 1 "$rounds"); do
  for op in create list delete; do
    n=$requests pn=$python_requests clients="sdk bare"
    [ "$op" = create ] && clients="sdk signed bare hyper"
    [ "$op" = list ] && n=$(( (requests + 19) / 20 )) pn=$(( (python_requests + 19) / 20 ))
    for client in $clients; do
      run "$bin" load --url "$url" --client "$client" --op "$op" --requests "$n" --concurrency 1,32
    done
    if [ "$python" = yes ]; then
      HOME="$scratch/home" run "$venv/bin/python" bench/python/official_load.py \
        "$url" "$pn" 1,32 "$op"
    fi
  done
done

echo "== download"
for round in $(seq 1 "$rounds"); do
  for client in sdk bare; do
    run "$bin" download --url "$url" --client "$client" --out "$scratch/report-$client.pdf"
    rm -f "$scratch/report-$client.pdf"
  done
done

echo "== throttle"
# 256 tasks share one client against a dbss-mock refusing more than N requests a second, with the
# adaptive rate limiter and without it (the mock runs inside the benchmark's process).
if [ "$smoke" = 1 ]; then
  throttle_args=(--limit 50 --tasks 16 --warmup 1 --seconds 2)
else
  throttle_args=(--limit 200 --tasks 256 --warmup 10 --seconds 30)
fi
for mode in adaptive off; do
  run "$bin" throttle --rate-limit "$mode" "${throttle_args[@]}"
done

cpu=$(awk -F': ' '/^model name/ && !n++ { print $2 }' /proc/cpuinfo)
machine=(
  --machine "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  --machine "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(free -g | awk '/^Mem:/ { print $2 }') GiB, Linux $(uname -r)"
  --machine "rustc: $(rustc --version)"
  --machine "load average at the end (other work on the machine skews the numbers): $(cut -d' ' -f1-3 /proc/loadavg)"
  --machine "build: $([ "$smoke" = 1 ] && echo "debug (smoke test: the numbers mean nothing)" || echo "release, with line tables (the profiling profile)")"
  --machine "pinning: $pinning"
  --machine "load: $requests requests per client and concurrency for create and delete, $(( (requests + 19) / 20 )) for the list ($python_requests and $(( (python_requests + 19) / 20 )) for Python), after a 10 % warm-up, $rounds round(s)"
  --machine "command: bench/run.sh$([ "$smoke" = 1 ] && echo " --smoke" || true)"
)
report_out="${out:-$scratch/BENCHMARKS.md}"
echo "== report"
"$bin" report --results "$results" --out "$report_out" "${machine[@]/: /=}" >/dev/null
sed -n '/generated tables begin/,/generated tables end/p' "$report_out"
[ -n "$out" ] && echo "written into $out"
# Every client must have produced its results (what the smoke test checks).
for op in list delete; do
  for client in sdk bare; do
    grep -q "\"client\":\"$client\",\"concurrency\":32,.*\"op\":\"$op\"" "$results" \
      || { echo "no $op load result for $client"; exit 1; }
  done
done
for client in sdk signed bare hyper; do
  grep -q "\"client\":\"$client\",\"concurrency\":32" "$results" || { echo "no load result for $client"; exit 1; }
  [ "$client" = signed ] || [ "$client" = hyper ] || grep -q "\"client\":\"$client\",\"kind\":\"download\"" "$results" \
    || { echo "no download result for $client"; exit 1; }
done
for mode in adaptive off; do
  grep -q "\"kind\":\"throttle\",.*\"rate_limit\":\"$mode\"" "$results" \
    || { echo "no throttle result for $mode"; exit 1; }
done
[ "$smoke" = 1 ] && echo "bench smoke: 1 passed, 0 failed"
exit 0
