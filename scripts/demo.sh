#!/usr/bin/env bash
# circuit demo (root): a bridge network, two busybox runc containers wired by circuit's
# createRuntime/poststop hooks, their IPs, a ping from one to the other, then teardown.
# Traffic stays on 198.18.100.0/24 between the two containers.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
bash scripts/install-deps.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
[[ -x dist/circuit.js ]] || npm run build --silent
echo "using $( [[ -x dist/circuit-bin ]] && echo dist/circuit-bin || echo dist/circuit.js ) as hook and CLI"

WORK=$(mktemp -d /tmp/circuit-demo.XXXXXX)
STATE=$WORK/state
ROOT=$WORK/runc
NODE_DIR=$(dirname "$(command -v node)")
# the standalone executable when it was built, else the node bundle
BIN=$REPO/dist/circuit-bin
[[ -x "$BIN" ]] || BIN=$REPO/dist/circuit.js
CIRCUIT="$BIN --state-dir $STATE"
IDS=(demo-a demo-b)

cleanup() {
  for id in "${IDS[@]}"; do runc --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true; done
  $CIRCUIT network delete demo --force >/dev/null 2>&1 || true
  ip link del circuit-demo0 >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

cat >"$WORK/demo.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "demo",
  "plugins": [
    { "type": "bridge", "bridge": "circuit-demo0", "isGateway": true, "ipMasq": false,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "198.18.100.0/24" }]], "dataDir": "$WORK/ipam" } }
  ]
}
JSON

step circuit network create "$WORK/demo.conflist"
$CIRCUIT network create "$WORK/demo.conflist"

# A read-only busybox rootfs shared by both containers.
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/proc" "$WORK/rootfs/sys" "$WORK/rootfs/dev" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh sleep ping ip; do ln -s busybox "$WORK/rootfs/bin/$a"; done

for id in "${IDS[@]}"; do
  mkdir -p "$WORK/$id"
  runc spec --bundle "$WORK/$id"
  hook_env='["PATH='"$NODE_DIR"':/usr/sbin:/usr/bin:/sbin:/bin","CNI_PATH=/usr/lib/cni","CNI_CONF=demo"]'
  node -e '
    const fs = require("fs"); const [file, rootfs, bin, state, env] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(file, "utf8"));
    c.root = { path: rootfs, readonly: true };
    c.process.terminal = false; c.process.args = ["/bin/sleep", "600"];
    for (const k of Object.keys(c.process.capabilities)) c.process.capabilities[k].push("CAP_NET_RAW");
    const hook = (stage) => [{ path: bin, args: ["circuit", "hook", stage, "--state-dir", state], env: JSON.parse(env) }];
    c.hooks = { createRuntime: hook("createRuntime"), poststop: hook("poststop") };
    fs.writeFileSync(file, JSON.stringify(c, null, 2));
  ' "$WORK/$id/config.json" "$WORK/rootfs" "$BIN" "$STATE" "$hook_env"
  step runc run -d "$id"
  runc --root "$ROOT" run -d --bundle "$WORK/$id" "$id" </dev/null >/dev/null 2>"$WORK/$id.err" || { cat "$WORK/$id.err"; exit 1; }
done

step runc list
runc --root "$ROOT" list
for id in "${IDS[@]}"; do
  step circuit network ips "$id"
  $CIRCUIT network ips "$id"
done
step circuit network list
$CIRCUIT network list

B_IP=$($CIRCUIT network ips demo-b --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].ip))')
step runc exec demo-a ping -c 3 "$B_IP"
runc --root "$ROOT" exec demo-a ping -c 3 -W 2 "$B_IP"

step "runc delete --force demo-a demo-b   (poststop hooks release the addresses)"
for id in "${IDS[@]}"; do runc --root "$ROOT" delete --force "$id"; done
step circuit network list
$CIRCUIT network list
step "tail -n 4 $STATE/hook.log"
tail -n 4 "$STATE/hook.log"
echo
echo "demo finished: everything it created is being removed"
