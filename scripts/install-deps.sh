#!/usr/bin/env bash
# Install the Debian packages circuit's demo and tests need (idempotent; root).
#   scripts/install-deps.sh          host packages (runc, CNI plugins, busybox, iproute2, nft, iptables, iperf3)
#   scripts/install-deps.sh kernel   also the kernel-lane packages (qemu, Debian kernel)
set -euo pipefail
pkgs=(runc containernetworking-plugins busybox-static iproute2 iputils-ping nftables iptables iperf3 ipvsadm procps kmod
  containerd python3-grpcio python3-grpc-tools openssl util-linux redis-server redis-tools docker.io graphviz ethtool podman)
if [[ "${1:-}" == "kernel" ]]; then
  pkgs+=(qemu-system-x86 linux-image-amd64)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # no service may start from a package's postinst (docker.io, containerd, redis-server, podman): tests
  # run their own private instances, and a system dockerd would program the host's firewall
  policy=/usr/sbin/policy-rc.d
  had_policy=0
  [[ -e $policy ]] && had_policy=1
  if ((!had_policy)); then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ((had_policy)) || rm -f "$policy"
fi
