import { hostname } from 'node:os';
import { DEFAULT_ADDRESS, parseAddress, type Target } from '../api/transport';
import { list, type ParsedArgs, str } from '../args';
import { checkRedisUrl } from '../cluster/redis-url';
import { DEFAULT_NETWORK_LABEL } from '../containerd/labels';
import { checkDomain, parseListen } from '../dns/server';
import { dockerSocket } from '../docker/engine';
import { checkPluginName } from '../docker/plugin-server';
import { UsageError } from '../errors';
import { LEVELS, type Level } from '../log';
import { parseDuration } from '../qos/units';
import { checkTls, type TlsFiles } from './listen';
import { parseHostPort } from './metrics';

export interface ServerOptions {
  address: string;
  target: Target;
  tls: TlsFiles;
  secure: boolean;
  level: Level;
  metrics?: { host: string; port: number; text: string };
  labelKey: string;
  nodeName: string;
  redisUrl?: string;
  clusterIntervalMs: number;
  dns: string[];
  dnsDomain: string;
  dnsUpstream?: string;
  /** Docker plugin name (socket /run/docker/plugins/NAME.sock). */
  dockerPlugin?: string;
  /** dockerd's API socket (names, members, labels of Docker networks and containers). */
  dockerHost: string;
}

const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,62})$/;

/** `circuit server` flags → validated options (pure, except the hostname default). */
export function serverOptions(args: ParsedArgs): ServerOptions {
  const level = (str(args.flags, 'log-level') ?? 'info') as Level;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}`);
  const address = str(args.flags, 'address') ?? (process.env.CIRCUIT_ADDRESS || DEFAULT_ADDRESS);
  const target = parseAddress(address);
  const tls: TlsFiles = {};
  for (const [flag, key] of [
    ['tls-cert', 'cert'],
    ['tls-key', 'key'],
    ['tls-ca', 'ca'],
  ] as const) {
    const v = str(args.flags, flag);
    if (v !== undefined) tls[key] = v;
  }
  const secure = checkTls(target, tls);
  const metricsText = str(args.flags, 'metrics');
  const labelKey = str(args.flags, 'network-label') ?? DEFAULT_NETWORK_LABEL;
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(labelKey))
    throw new UsageError(`--network-label: invalid label key ${JSON.stringify(labelKey)}`);
  if (str(args.flags, 'containerd-namespace') !== undefined && str(args.flags, 'containerd') === undefined)
    throw new UsageError('--containerd-namespace needs --containerd SOCK');
  const nodeName = str(args.flags, 'node-name') ?? hostname();
  if (!NODE_NAME.test(nodeName))
    throw new UsageError(`--node-name: invalid node name ${JSON.stringify(nodeName)}`);
  const redisUrl = str(args.flags, 'redis-url');
  const interval = str(args.flags, 'cluster-interval');
  const clusterIntervalMs =
    interval === undefined ? 2000 : Math.round(parseDuration(interval, 'cluster-interval') / 1000);
  if (clusterIntervalMs < 100 || clusterIntervalMs > 600_000)
    throw new UsageError('--cluster-interval: expected 100ms to 10m');
  const dns = list(args.flags, 'dns');
  const dnsDomain = str(args.flags, 'dns-domain') ?? 'circuit';
  const dnsUpstream = str(args.flags, 'dns-upstream');
  if (dns.length === 0 && (str(args.flags, 'dns-domain') !== undefined || dnsUpstream !== undefined))
    throw new UsageError('--dns-domain and --dns-upstream need --dns ADDR:PORT');
  for (const d of dns) parseListen(d, '--dns');
  if (dnsUpstream !== undefined) parseListen(dnsUpstream, '--dns-upstream');
  checkDomain(dnsDomain);
  if (redisUrl !== undefined) checkRedisUrl(redisUrl);
  const dockerPlugin = str(args.flags, 'docker-plugin');
  if (dockerPlugin !== undefined) checkPluginName(dockerPlugin || 'circuit');
  const dockerHost = str(args.flags, 'docker-host') ?? 'unix:///var/run/docker.sock';
  if (str(args.flags, 'docker-host') !== undefined && dockerPlugin === undefined)
    throw new UsageError('--docker-host needs --docker-plugin NAME');
  dockerSocket(dockerHost);
  return {
    address,
    target,
    tls,
    secure,
    level,
    ...(metricsText !== undefined ? { metrics: { ...parseHostPort(metricsText), text: metricsText } } : {}),
    labelKey,
    nodeName,
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    clusterIntervalMs,
    dns,
    dnsDomain,
    ...(dnsUpstream !== undefined ? { dnsUpstream } : {}),
    ...(dockerPlugin !== undefined ? { dockerPlugin: dockerPlugin || 'circuit' } : {}),
    dockerHost,
  };
}
