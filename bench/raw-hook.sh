#!/bin/sh
# The baseline: a minimal shell hook that calls the same plugin (bridge + host-local) directly.
#   raw-hook.sh add|del CONF   with the OCI state on stdin
state=$(cat)
id=$(printf '%s' "$state" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
pid=$(printf '%s' "$state" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
export CNI_CONTAINERID="$id" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni
if [ "$1" = add ]; then
  CNI_COMMAND=ADD CNI_NETNS="/proc/$pid/ns/net" /usr/lib/cni/bridge <"$2" >/dev/null
else
  CNI_COMMAND=DEL CNI_NETNS="" /usr/lib/cni/bridge <"$2" >/dev/null
fi
