#!/usr/bin/env bash
# Interop check (CI runs it): the example `dbss-client/examples/create_report.rs`, configured from
# the environment only, sends CreateReport to a loopback server that verifies AK/SK signatures
# with the official Huawei Cloud Python SDK's own signer (huaweicloudsdkcore, pinned), and, with a
# token, that X-Auth-Token is sent and Authorization is not. Then credential_requests.py runs the
# official SDK's DbssClient and the same example side by side from each temporary-credential
# source (OIDC, federated id token, ECS metadata, CCE pod identity) and compares the requests
# each sends to STS, IAM, the metadata service and the pod agent byte for byte. Last,
# mock_lifecycle.py drives the stateful dbss-mock through resource lifecycles with the official
# SDK (databases, an instance stopped and started, whitelists, a risk rule, tags, the journal).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${TMPDIR:-/tmp}/dbss-interop-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "huaweicloudsdkcore==3.1.219" \
  "huaweicloudsdkdbss==3.1.219"
scratch_home=$(mktemp -d)   # the SDK's import writes $HOME/.huaweicloud/application_id
log=$(mktemp)

export VERIFIER_AK="AKINTEROPEXAMPLE0001"
export VERIFIER_SK="SKinteropExampleSecretKey0123456789abcdef"
export VERIFIER_TOKEN="MIIinterop-token-example"
HOME="$scratch_home" "$venv/bin/python" -u interop/official_verifier.py >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$scratch_home" "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on' "$log" && break
  sleep 0.1
done
port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$log")
[ -n "$port" ] || { echo "verifier did not start:"; cat "$log"; exit 1; }

cargo build --quiet --example create_report -p dbss-client
example=target/debug/examples/create_report
common=(DBSS_ENDPOINT="http://127.0.0.1:$port" HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef
        DBSS_INSTANCE_ID=3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7 DBSS_TEMPLATE_ID=t8g7LJgBTpKZyZbbeTgS
        DBSS_START="2025-08-20 16:00:00" DBSS_END="2025-08-21 07:03:31" DBSS_DB_IDS="db-1,db-2"
        HUAWEICLOUD_SDK_CREDENTIALS_FILE=/nonexistent)

echo "== AK/SK, verified by the official signer"
env -i PATH="$PATH" "${common[@]}" HUAWEICLOUD_SDK_AK="$VERIFIER_AK" HUAWEICLOUD_SDK_SK="$VERIFIER_SK" "$example"
echo "== AK/SK with a wrong SK is refused"
if env -i PATH="$PATH" "${common[@]}" HUAWEICLOUD_SDK_AK="$VERIFIER_AK" HUAWEICLOUD_SDK_SK="wrong" "$example" 2>/dev/null; then
  echo "a request signed with the wrong SK was accepted"; exit 1
fi
echo "== token: X-Auth-Token and no Authorization"
env -i PATH="$PATH" "${common[@]}" DBSS_AUTH_TOKEN="$VERIFIER_TOKEN" "$example"

verdicts=$(grep -E '^(ACCEPT|REFUSE)' "$log")
echo "$verdicts"
[ "$(echo "$verdicts" | sed -n 1p)" = "ACCEPT aksk" ] || { echo "AK/SK request not accepted"; exit 1; }
echo "$verdicts" | sed -n 2p | grep -q '^REFUSE signature mismatch' || { echo "wrong SK not detected"; exit 1; }
[ "$(echo "$verdicts" | sed -n 3p)" = "ACCEPT token" ] || { echo "token request not accepted"; exit 1; }
echo "interop: 3 passed, 0 failed"

echo "== credential sources: the official SDK's requests and ours, byte for byte"
cred_home=$(mktemp -d)
HOME="$cred_home" "$venv/bin/python" -u interop/credential_requests.py "$example"
rm -rf "$cred_home"

echo "== lifecycles on the stateful mock, driven by the official SDK"
cargo build --quiet -p dbss-mock
life_home=$(mktemp -d)
HOME="$life_home" "$venv/bin/python" -u interop/mock_lifecycle.py target/debug/dbss-mock
rm -rf "$life_home"
