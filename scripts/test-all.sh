#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine, as root:
# installs missing system packages (incl. the kernel lane's qemu + kernel), npm deps, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh kernel
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm test
