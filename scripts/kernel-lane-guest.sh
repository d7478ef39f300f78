#!/bin/bash
# Runs as PID 1 inside the kernel-lane VM (see kernel-lane.sh): mount the basics, load the
# kernel features the tests need, run the planned test files, print the result marker, power off.
PLAN=$1
finish() {
  echo "CIRCUIT-KERNEL-LANE-EXIT=$1"
  sync
  /bin/busybox poweroff -f 2>/dev/null
  echo o >/proc/sysrq-trigger 2>/dev/null
  sleep 5
}
# Read the plan first: it lives on the shared root (often under /tmp).
mapfile -t LINES <"$PLAN" || { echo "guest: cannot read plan $PLAN"; finish 1; }
REPO=${LINES[0]:-}
TESTS=("${LINES[@]:1}")
[[ -n "$REPO" && ${#TESTS[@]} -gt 0 ]] || { echo "guest: empty plan"; finish 1; }
/bin/busybox mount -t proc proc /proc || echo "guest: mount /proc failed"
/bin/busybox mount -t sysfs sys /sys || echo "guest: mount /sys failed"
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
# / is a tmpfs-backed overlay: writable everywhere; /run gets a clean tmpfs (no host netns names).
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /run/lock
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
echo 1 >/proc/sys/kernel/sysrq
ip link set lo up
for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh sch_netem sch_htb sch_tbf ifb act_mirred cls_u32 ipvlan 8021q dummy geneve vxlan veth bridge macvlan nf_tables nft_numgen nft_hash nft_nat nft_masq nft_ct nf_conntrack br_netfilter; do
  modprobe "$m" 2>/dev/null || echo "guest: modprobe $m failed"
done
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true CIRCUIT_KERNEL_LANE=1
cd "$REPO" || finish 1
echo "guest: kernel $(uname -r), running ${TESTS[*]}"
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${TESTS[@]}"
finish $?
