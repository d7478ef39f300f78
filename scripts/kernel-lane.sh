#!/usr/bin/env bash
# Kernel lane: boot Debian's kernel (linux-image-amd64) in QEMU (TCG) with the host's root shared
# read-only over 9p under a tmpfs overlay, run the given test files inside as root, stream their
# output, and exit with their status. One boot per run. A hung guest is killed by the timeout.
#
#   scripts/kernel-lane.sh test/kernel/smoke.kernel.test.ts ...
# env: KERNEL_LANE_TIMEOUT (seconds, default 900), KERNEL_LANE_MEM (MiB, default 2048)
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
TESTS=("$@")
TIMEOUT=${KERNEL_LANE_TIMEOUT:-900}

not_run() {
  echo "kernel lane: NOT RUN: $1"
  echo "kernel lane: these tests did not run: ${TESTS[*]}"
  if [[ "${CI:-}" == "true" ]]; then
    echo "kernel lane: failing because CI=true (install with: scripts/install-deps.sh kernel)"
    exit 1
  fi
  echo "kernel lane: (not a failure outside CI; install with: scripts/install-deps.sh kernel)"
  exit 0
}

((${#TESTS[@]})) || { echo "kernel lane: no test files given"; exit 2; }
command -v qemu-system-x86_64 >/dev/null || not_run "qemu-system-x86_64 is missing (Debian package qemu-system-x86)"
KVER=$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n 1)
[[ -n "$KVER" && -f "/boot/vmlinuz-$KVER" ]] || not_run "no Debian kernel in /boot (Debian package linux-image-amd64)"
command -v busybox >/dev/null || not_run "busybox is missing (Debian package busybox-static)"

WORK=$(mktemp -d /tmp/circuit-kernel-lane.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# --- initramfs: static busybox, the virtio/9p/overlay modules, and /init -----------------------
INITRD=$WORK/initrd
mkdir -p "$INITRD"/{bin,proc,sys,dev,modules,lower,upper,newroot}
cp "$(command -v busybox)" "$INITRD/bin/busybox"
: >"$INITRD/modules.order"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay; do
  ko=$(modinfo -k "$KVER" -n "$m" 2>/dev/null || true)
  [[ -z "$ko" || "$ko" == "(builtin)" ]] && continue
  case "$ko" in
    *.ko) cp "$ko" "$INITRD/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$ko" >"$INITRD/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$ko" >"$INITRD/modules/$m.ko" ;;
    *) echo "kernel lane: cannot use $ko"; exit 1 ;;
  esac
  echo "$m" >>"$INITRD/modules.order"
done
cat >"$INITRD/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod "/modules/$m.ko" 2>/dev/null || echo "init: insmod $m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /lower || { echo "init: 9p mount failed"; poweroff -f; }
mount -t tmpfs -o size=1536m tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || { echo "init: overlay failed"; poweroff -f; }
plan=$(sed -n 's/.*circuit.plan=\([^ ]*\).*/\1/p' /proc/cmdline)
umount /proc /sys
exec switch_root /newroot /bin/bash "$(cat /newroot$plan.guest)" "$plan"
INIT
chmod +x "$INITRD/init"
(cd "$INITRD" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initrd.gz"

# --- the plan the guest runs (read through the shared root) -------------------------------------
PLAN=$WORK/plan
printf '%s\n' "$REPO" >"$PLAN"
printf '%s\n' "${TESTS[@]}" >>"$PLAN"
echo "$REPO/scripts/kernel-lane-guest.sh" >"$PLAN.guest"

echo "kernel lane: booting Debian kernel $KVER under QEMU (TCG), ${#TESTS[@]} test file(s), timeout ${TIMEOUT}s"
START=$(date +%s)
LOG=$WORK/console.log
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -m "${KERNEL_LANE_MEM:-2048}" -smp 2 \
  -nographic -no-reboot -nodefaults -serial stdio -monitor none \
  -kernel "/boot/vmlinuz-$KVER" -initrd "$WORK/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 circuit.plan=$PLAN" \
  -virtfs local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap \
  </dev/null 2>&1 | tee "$LOG" | grep --line-buffered -v '^CIRCUIT-KERNEL-LANE-EXIT='
QEMU_STATUS=${PIPESTATUS[0]}
ELAPSED=$(($(date +%s) - START))
CODE=$(sed -n 's/^CIRCUIT-KERNEL-LANE-EXIT=\([0-9]*\).*/\1/p' "$LOG" | tail -n 1)
if [[ -z "$CODE" ]]; then
  if [[ $QEMU_STATUS -eq 124 || $QEMU_STATUS -eq 137 ]]; then
    echo "kernel lane: FAILED: guest timed out after ${TIMEOUT}s"
  else
    echo "kernel lane: FAILED: guest ended without a result (qemu status $QEMU_STATUS)"
  fi
  exit 1
fi
echo "kernel lane: tests exited $CODE after ${ELAPSED}s (boot included)"
exit "$CODE"
