#!/usr/bin/env bash
# Regenerates package-lock.json so `npm ci` works on every platform, keeping the versions it already pins.
#
# Why a script: npm records other platforms' optional packages (rollup's @rollup/rollup-<os>-<cpu>, ...)
# only when it resolves the tree without a node_modules folder. Run in a checkout that has node_modules,
# `npm install` drops them, and `npm ci` on a fresh clone then fails with "package.json and
# package-lock.json are not in sync ... Missing: @rollup/rollup-android-arm-eabi". So this resolves the
# lockfile in a scratch folder that holds only the package.json files.
#
# After a merge with a conflicted lockfile: run it as is. A lockfile that is not valid JSON is replaced by
# the committed one (HEAD) before resolving, so versions stay pinned and only the merged package.json
# changes are resolved. `--fresh` resolves from no lockfile at all (newest versions in every range).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fresh=false
[ "${1:-}" = "--fresh" ] && fresh=true

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$root"
git ls-files -z --cached --others --exclude-standard -- '*package.json' .npmrc \
  | grep -zv node_modules \
  | xargs -0 -I{} sh -c 'mkdir -p "$1/$(dirname "$2")" && cp "$2" "$1/$2"' _ "$scratch" {}

if [ "$fresh" = false ]; then
  if node -e 'JSON.parse(require("fs").readFileSync("package-lock.json","utf8"))' 2>/dev/null; then
    cp package-lock.json "$scratch/"
  else
    echo "package-lock.json is not valid JSON (merge conflict?): starting from HEAD's lockfile" >&2
    git show HEAD:package-lock.json >"$scratch/package-lock.json"
  fi
fi

# The lockfile keeps no registry URLs (npm resolves against the configured registry), so a mirror works.
(cd "$scratch" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
  --omit-lockfile-registry-resolved --loglevel=error)
cp "$scratch/package-lock.json" "$root/package-lock.json"
echo "package-lock.json regenerated; check with: git diff --stat -- package-lock.json"
