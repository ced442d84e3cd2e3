#!/usr/bin/env bash
# Issue 25: `dbss reports create` over a fleet, at scale. Two dbss-mock processes stand in for
# two regions (each region's endpoint from HUAWEICLOUD_SDK_REGION_DBSS_<REGION>), each with
# INSTANCES instances, reports that take REPORT_DURATION, and the gateway's throttle at
# THROTTLE requests a second (whole-second windows, 429 beyond). Prints the wall time, the
# floor the throttle and the report time set, their ratio, and the CLI's peak RSS.
#
#   cargo build --release -p dbss-cli -p dbss-mock
#   bench/fleet.sh                                  # 2 x 250 instances, 5 s, 50/s, 64 KiB
#   REPORT_SIZE=1GiB INSTANCES=2 bench/fleet.sh     # memory with 1 GiB reports
#
# The floor: a report costs at least 5 requests (its template list, the list of matching
# reports before the create, the create, one list that finds it finished, the download), and
# each region lists its instances (pages of up to 100); the regions run side by side. The last
# create comes after at least 3 requests per instance, and its report takes REPORT_DURATION, so
# floor = max((5 * INSTANCES + pages) / THROTTLE, (3 * INSTANCES + pages) / THROTTLE + REPORT_DURATION).
set -euo pipefail

INSTANCES=${INSTANCES:-250}
REPORT_DURATION=${REPORT_DURATION:-5}
THROTTLE=${THROTTLE:-50}
REPORT_SIZE=${REPORT_SIZE:-64KiB}
CONCURRENCY=${CONCURRENCY:-250}
BIN=${BIN:-target/release}

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

start_mock() {
    local out=$work/$1.out
    "$BIN/dbss-mock" --port 0 --instances "$INSTANCES" --report-duration "${REPORT_DURATION}s" \
        --throttle "$THROTTLE" --report-size "$REPORT_SIZE" --no-seed-reports >"$out" 2>"$work/$1.log" &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q '^auth=' "$out" 2>/dev/null && break
        sleep 0.1
    done
    sed -n 's/^listening on //p' "$out"
}

one=$(start_mock one)
two=$(start_mock two)
export HUAWEICLOUD_SDK_REGION_DBSS_R_ONE=$one HUAWEICLOUD_SDK_REGION_DBSS_R_TWO=$two
export HUAWEICLOUD_SDK_PROJECT_ID=$(sed -n 's/^project_id=//p' "$work/one.out")
export HUAWEICLOUD_SDK_AK=$(sed -n 's/^ak=//p' "$work/one.out")
export HUAWEICLOUD_SDK_SK=$(sed -n 's/^sk=//p' "$work/one.out")
export DBSS_METADATA_DISABLED=true
unset DBSS_ENDPOINT DBSS_REGION HUAWEICLOUD_SDK_REGION

start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" "$BIN/dbss" reports create --region r-one --region r-two \
    --all-instances --template "Database security compliance report" --previous month \
    --timezone UTC --out-dir "$work/out" --concurrency "$CONCURRENCY" --output json \
    >"$work/summary.json" || true
end=$(date +%s.%N)
# The errors of the instances that failed, if any.
grep '"error"' "$work/summary.json" | sort | uniq -c | sort -rn | head -5 >&2 || true

if [ -n "${MOCK_LOG:-}" ]; then cp "$work/one.log" "$MOCK_LOG"; fi
failed=$(sed -n 's/^  "failed": \([0-9]*\),*$/\1/p' "$work/summary.json")
files=$(find "$work/out" -name '*.pdf' | wc -l)
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
pages=$(((INSTANCES + 99) / 100))
awk -v s="$start" -v e="$end" -v n="$INSTANCES" -v p="$pages" -v t="$THROTTLE" \
    -v d="$REPORT_DURATION" -v f="$failed" -v files="$files" -v rss="$rss" 'BEGIN {
    wall = e - s
    floor = (5 * n + p) / t
    if ((3 * n + p) / t + d > floor) floor = (3 * n + p) / t + d
    printf "instances %d (2 regions x %d), reports %ss, throttle %d/s per region\n", 2 * n, n, d, t
    printf "wall %.2f s, floor %.2f s, ratio %.3f\n", wall, floor, wall / floor
    printf "files %d, failed %s, peak RSS %.1f MiB\n", files, f, rss / 1024
}'
