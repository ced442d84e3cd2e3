#!/usr/bin/env bash
# The official-SDK check (CI runs it): installs the pinned official DBSS SDK in a scratch venv,
# reads its wire surface (extract.py) and compares it with openapi/dbss.json (check.py), which
# fails on any difference not listed, with its reason, in openapi/sdk/deviations.json. First,
# without the network: the document's int32 formats and enums against the facts read from the
# official Go SDK (go_check.py, go-facts.json; go_facts.py says how to refresh them).
# To see what a new SDK version changes: SDK_VERSION=3.1.220 bash openapi/sdk/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 openapi/sdk/go_check.py

version="${SDK_VERSION:-3.1.219}"
venv="${TMPDIR:-/tmp}/dbss-sdk-check-venv-$version"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "huaweicloudsdkdbss==$version" "huaweicloudsdkcore==$version"
scratch_home=$(mktemp -d)   # the SDK's import writes $HOME/.huaweicloud/application_id
surface=$(mktemp)
trap 'rm -rf "$scratch_home" "$surface"' EXIT
HOME="$scratch_home" "$venv/bin/python" openapi/sdk/extract.py >"$surface"
python3 openapi/sdk/check.py "$surface"
