import type { CommandDef } from './command';

const network = () => import('./network');
const connect = () => import('./connect');
const maintenance = () => import('./maintenance');
const qos = () => import('./qos');
const lb = () => import('./lb');
const completion = () => import('./completion');
const topology = () => import('./topology');
const hooks = () => import('./hooks');

const CONTAINERD_FLAGS = ['containerd', 'containerd-namespace'];

const QOS_FLAGS = [
  'container',
  'direction',
  'rate',
  'ceiling',
  'burst',
  'cburst',
  'priority',
  'delay',
  'jitter',
  'loss',
  'duplicate',
  'corrupt',
  'reorder',
];

/** Every CLI command, keyed by its words. Aliases point at the same definition. */
export const COMMANDS: Record<string, CommandDef> = {
  'network create': {
    usage:
      'circuit network create NAME --subnet CIDR [--subnet CIDR6] [--gateway IP] [--ip-range CIDR] [--driver bridge|macvlan|ipvlan|ptp] [--parent DEV] [--bridge IFNAME] [--mtu N] [--internal] [--ipmasq] [--label K=V] [--allow-overlap] [--dry-run]\n  circuit network create [NAME] FILE [--skip-plugin-check] [--allow-overlap]',
    summary:
      'create a network from flags (a generated conflist: bridge+portmap+firewall+tuning, host-local IPAM) or store a CNI .conf/.conflist; plugins are asked VERSION first',
    flags: {
      string: ['driver', 'parent', 'bridge', 'mtu'],
      multi: ['subnet', 'gateway', 'ip-range', 'label'],
      boolean: ['skip-plugin-check', 'internal', 'ipmasq', 'dry-run', 'allow-overlap'],
    },
    run: async (c, a) => (await network()).networkCreate(c, a),
  },
  'network list': {
    usage: 'circuit network list [--json]',
    summary: 'list networks with their attached containers (alias: ls)',
    flags: {},
    run: async (c, a) => (await network()).networkList(c, a),
  },
  'network inspect': {
    usage: 'circuit network inspect NAME',
    summary: 'print a network and its attachments as JSON',
    flags: {},
    run: async (c, a) => (await network()).networkInspect(c, a),
  },
  'network delete': {
    usage: 'circuit network delete NAME [--force]',
    summary: 'delete a network; --force disconnects attached containers first (alias: rm)',
    flags: { boolean: ['force'] },
    run: async (c, a) => (await network()).networkDelete(c, a),
  },
  'network connect': {
    usage:
      'circuit network connect CONTAINER|PID NETWORK [--ifname IF] [--ip IP] [--mac MAC] [--runc-root DIR] [--containerd SOCK [--containerd-namespace NS]]',
    summary: 'attach a running container (runc id, containerd name with --containerd, or pid) to a network',
    flags: { string: ['ifname', 'ip', 'mac', ...CONTAINERD_FLAGS] },
    run: async (c, a) => (await connect()).networkConnect(c, a),
  },
  'network disconnect': {
    usage: 'circuit network disconnect CONTAINER|PID NETWORK',
    summary: 'detach a container from a network (no-op when not attached)',
    flags: { string: CONTAINERD_FLAGS },
    run: async (c, a) => (await connect()).networkDisconnect(c, a),
  },
  'network ips': {
    usage: 'circuit network ips CONTAINER|PID [--json]',
    summary: "show a container's addresses per network (runc id, containerd name, or pid)",
    flags: { string: CONTAINERD_FLAGS },
    run: async (c, a) => (await connect()).networkIps(c, a),
  },
  'network qos set': {
    usage:
      'circuit network qos set NETWORK [--container ID] [--direction ingress|egress|both] [--rate R] [--ceiling R] [--burst B] [--cburst B] [--priority N] [--delay D] [--jitter D] [--loss P%] [--duplicate P%] [--corrupt P%] [--reorder P%]',
    summary:
      'shape (HTB) and impair (netem) traffic of every attachment on a network, or one container; replaces earlier settings',
    flags: { string: QOS_FLAGS },
    run: async (c, a) => (await qos()).set(c, a),
  },
  'network qos reset': {
    usage: 'circuit network qos reset NETWORK [--container ID]',
    summary: 'remove QoS settings (of the network, or one container) from state and kernel',
    flags: { string: ['container'] },
    run: async (c, a) => (await qos()).reset(c, a),
  },
  'network qos show': {
    usage: 'circuit network qos show [NETWORK] [--json]',
    summary: 'stored QoS next to what the kernel has, with drift',
    flags: {},
    run: async (c, a) => (await qos()).show(c, a),
  },
  'lb create': {
    usage:
      'circuit lb create NAME VIP:PORT [--scheduler rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|mh] [--protocol tcp|udp] [--persistent SECONDS] [--forward masq|route|tunnel] [--backend auto|ipvs|nftables]',
    summary: 'create a load-balanced service (IPVS, or nftables where the kernel has no IPVS)',
    flags: { string: ['scheduler', 'protocol', 'persistent', 'forward', 'backend'] },
    run: async (c, a) => (await lb()).create(c, a),
  },
  'lb list': {
    usage: 'circuit lb list [--details] [--json]',
    summary: 'list services (NAME ADDR PROTOCOL SCHEDULER), with --details their targets',
    flags: { boolean: ['details'] },
    run: async (c, a) => (await lb()).list(c, a),
  },
  'lb add': {
    usage: 'circuit lb add NAME TARGET:PORT... [--weight N]',
    summary: 'add targets (or change their weight; 0 drains) in one transaction',
    flags: { string: ['weight'] },
    run: async (c, a) => (await lb()).add(c, a),
  },
  'lb remove': {
    usage: 'circuit lb remove NAME TARGET:PORT...',
    summary: 'remove targets (missing ones are fine)',
    flags: {},
    run: async (c, a) => (await lb()).remove(c, a),
  },
  'lb delete': {
    usage: 'circuit lb delete NAME',
    summary: 'delete a service (no-op when it does not exist)',
    flags: {},
    run: async (c, a) => (await lb()).del(c, a),
  },
  'lb clear': {
    usage: 'circuit lb clear',
    summary: 'delete every service',
    flags: {},
    run: async (c, a) => (await lb()).clear(c, a),
  },
  'lb restore': {
    usage: 'circuit lb restore',
    summary: 're-program every service and target from the state dir (after a reboot or a flush)',
    flags: {},
    run: async (c, a) => (await lb()).restore(c, a),
  },
  'lb stats': {
    usage: 'circuit lb stats [NAME] [--json]',
    summary: 'connections/packets/bytes per target, from the kernel',
    flags: {},
    run: async (c, a) => (await lb()).stats(c, a),
  },
  check: {
    usage: 'circuit check CONTAINER [--json]',
    summary: "run CNI CHECK on a container's attachments",
    flags: {},
    run: async (c, a) => (await maintenance()).check(c, a),
  },
  gc: {
    usage: 'circuit gc [--json]',
    summary: 'release attachments of containers that no longer exist, then CNI GC (1.1.0 networks)',
    flags: {},
    run: async (c, a) => (await maintenance()).gc(c, a),
  },
  'topology check': {
    usage: 'circuit topology check FILE...',
    summary: 'validate topology files (YAML or JSON, merged in order); every error with its path',
    flags: {},
    run: async (c, a) => (await topology()).check(c, a),
  },
  'topology show': {
    usage: 'circuit topology show FILE... [--json]',
    summary: 'print the merged topology with defaults and generated names',
    flags: {},
    run: async (c, a) => (await topology()).show(c, a),
  },
  'topology apply': {
    usage: 'circuit topology apply FILE... [--runc-root DIR] [--containerd SOCK [--containerd-namespace NS]]',
    summary:
      'create the links, bridges, tunnels and rules of running containers, then run their commands (idempotent)',
    flags: { string: CONTAINERD_FLAGS },
    run: async (c, a) => (await topology()).apply(c, a),
  },
  'topology delete': {
    usage: 'circuit topology delete FILE...',
    summary: 'remove what apply made for the containers in the files (idempotent; alias: rm)',
    flags: {},
    run: async (c, a) => (await topology()).del(c, a),
  },
  'topology dot': {
    usage: 'circuit topology dot FILE... [--svg] [--output FILE]',
    summary: 'draw the topology as GraphViz DOT, or as SVG without a system graphviz',
    flags: { string: ['output'], boolean: ['svg'] },
    run: async (c, a) => (await topology()).dot(c, a),
  },
  'hooks install': {
    usage: 'circuit hooks install [--dir DIR] [--state-dir DIR] [--cni-path DIRS] [--bin PATH] [--force]',
    summary:
      "write circuit's OCI hooks.d files for podman and CRI-O (default dir /usr/share/containers/oci/hooks.d; idempotent; --force replaces files of the same name circuit did not write)",
    flags: { string: ['dir', 'bin'], boolean: ['force'] },
    local: true,
    run: async (c, a) => (await hooks()).install(c, a),
  },
  'hooks uninstall': {
    usage: 'circuit hooks uninstall [--dir DIR] [--force]',
    summary: "remove circuit's hooks.d files (idempotent; others' files of the same name need --force)",
    flags: { string: ['dir'], boolean: ['force'] },
    local: true,
    run: async (c, a) => (await hooks()).uninstall(c, a),
  },
  'hooks show': {
    usage: 'circuit hooks show [--dir DIR] [--json]',
    summary: "circuit's hooks.d files: who wrote each, the binary and state dir they run",
    flags: { string: ['dir'] },
    local: true,
    run: async (c, a) => (await hooks()).show(c, a),
  },
  'cluster nodes': {
    usage: 'circuit cluster nodes [--json]',
    summary: 'the nodes of the cluster (this node alone when the daemon is not clustered)',
    flags: {},
    run: async (c, a) => (await maintenance()).clusterNodes(c, a),
  },
  server: {
    usage:
      'circuit server [--address unix:///run/circuit/circuit.sock|tcp://HOST:PORT] [--state-dir DIR] [--metrics HOST:PORT] [--log-level debug|info|warn|error] [--tls-cert F --tls-key F [--tls-ca F]] [--containerd SOCK [--containerd-namespace NS] [--network-label KEY]] [--redis-url redis://HOST:PORT [--node-name NAME] [--cluster-interval 2s]] [--dns ADDR:PORT... [--dns-domain circuit] [--dns-upstream ADDR:PORT]] [--docker-plugin NAME [--docker-host unix:///var/run/docker.sock]]',
    summary:
      'run the daemon: the gRPC API (health, reflection); optional Prometheus /metrics, containerd integration (label-driven connect, restart label), a cluster over Redis, DNS for containers, a Docker network and IPAM driver',
    flags: {
      string: [
        'metrics',
        'log-level',
        'tls-cert',
        'tls-key',
        'tls-ca',
        ...CONTAINERD_FLAGS,
        'network-label',
        'redis-url',
        'node-name',
        'cluster-interval',
        'dns-domain',
        'dns-upstream',
        'docker-plugin',
        'docker-host',
      ],
      multi: ['dns'],
    },
    local: true,
    run: (c, a) => c.host.server(a),
  },
  completion: {
    usage: 'circuit completion bash|zsh|fish',
    summary: 'print a shell completion script (commands, flags, network and LB service names)',
    flags: {},
    local: true,
    run: async (c, a) => (await completion()).completion(c, a, { commands: COMMANDS, aliases: ALIASES }),
  },
  __complete: {
    usage: 'circuit __complete networks|services',
    summary: 'names for the completion scripts',
    flags: {},
    hidden: true,
    run: async (c, a) => (await completion()).names(c, a),
  },
  hook: {
    usage: 'circuit hook [createRuntime|prestart|poststart|poststop]   (OCI state on stdin)',
    summary: 'run as an OCI hook (also the default when stdin is not a terminal and no command is given)',
    flags: {},
    run: async () => undefined,
  },
};

export const ALIASES: Record<string, string> = {
  'network ls': 'network list',
  'network rm': 'network delete',
  'topology rm': 'topology delete',
};
