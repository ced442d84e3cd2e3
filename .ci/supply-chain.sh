#!/usr/bin/env bash
# Supply chain (issue 7, item 5): cargo-deny with the policy in deny.toml.
#
#   licenses, bans, sources   always (crates.io only; no OpenSSL/native-tls/aws-lc; the
#                             licenses deny.toml lists)
#   advisories                when a RustSec database is available: one already under
#                             $CARGO_HOME/advisory-dbs (used offline), or one `cargo deny fetch`
#                             can clone from GitHub. Neither is possible on the CI machine
#                             (no GitHub), so there the step says SKIPPED and passes, unless
#                             REQUIRE_ADVISORIES=1, which makes a missing database an error.
#
# Installs cargo-deny (pinned) from crates.io when it is missing: measured 3m24s wall (270 s
# CPU) on an idle 2-core machine, 8m04s on a busy one.
# Exit status: non-zero when a check fails (or cargo-deny cannot be installed).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2
cargo_home="${CARGO_HOME:-$HOME/.cargo}"

if ! cargo deny --version 2>/dev/null | grep -qF "$CARGO_DENY_VERSION"; then
    echo "installing cargo-deny $CARGO_DENY_VERSION from crates.io"
    started=$SECONDS
    timeout 2400 cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
    echo "cargo-deny installed in $((SECONDS - started))s"
fi
cargo deny --version

echo "== cargo deny check licenses bans sources"
cargo deny --locked check --hide-inclusion-graph licenses bans sources

echo "== cargo deny check advisories"
have_db() {
    compgen -G "$cargo_home/advisory-dbs/advisory-db-*/crates" >/dev/null
}
if have_db; then
    echo "using the advisory database in $cargo_home/advisory-dbs (no fetch)"
    cargo deny --offline --locked check advisories
elif timeout 300 cargo deny fetch db >/dev/null 2>&1 && have_db; then
    echo "fetched the advisory database"
    cargo deny --offline --locked check advisories
elif [[ "${REQUIRE_ADVISORIES:-0}" == 1 ]]; then
    echo "advisories: no advisory database, and it cannot be fetched (github.com unreachable)" >&2
    exit 1
else
    # `cargo deny fetch db` leaves an empty directory with a lock file behind on failure.
    rm -f "$cargo_home/advisory-dbs/db.lock"
    rmdir "$cargo_home/advisory-dbs" 2>/dev/null || true
    echo "advisories: SKIPPED - no advisory database under $cargo_home/advisory-dbs and" \
        "github.com/rustsec/advisory-db cannot be reached from here"
fi
