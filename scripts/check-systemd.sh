#!/usr/bin/env bash
# Checks examples/systemd/cpamp.service with `systemd-analyze verify` (CI installs the systemd package).
# Skips with a message when systemd-analyze is missing or cannot run here (some containers): a known-good
# unit is verified first, and only when that passes cleanly is a complaint about ours a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
unit=examples/systemd/cpamp.service
if ! command -v systemd-analyze >/dev/null; then
  echo "skip: systemd-analyze is not installed (apt-get install systemd) - $unit not verified"
  exit 0
fi
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' >"$probe_dir/probe.service"
if ! probe_out=$(systemd-analyze verify "$probe_dir/probe.service" 2>&1) || [ -n "$probe_out" ]; then
  echo "skip: systemd-analyze cannot verify units in this environment - $unit not verified"
  echo "$probe_out" | sed 's/^/  /'
  exit 0
fi
# Any output is a finding: systemd-analyze exits 0 on directives it ignores ("Unknown key name ...").
if ! out=$(systemd-analyze verify "$unit" 2>&1) || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify $unit" >&2
  echo "$out" >&2
  exit 1
fi
echo "ok   systemd-analyze verify $unit"
