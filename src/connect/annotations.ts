import { UsageError } from '../errors';

export const ANNOTATION = {
  network: 'io.circuit.network',
  ip: 'io.circuit.ip',
  mac: 'io.circuit.mac',
  ports: 'io.circuit.ports',
  topology: 'io.circuit.topology',
} as const;

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Comma list that keeps empty positions (io.circuit.ip=",198.18.0.9" targets the 2nd network). */
function positional(v: string | undefined): string[] {
  return v === undefined ? [] : v.split(',').map((s) => s.trim());
}

function port(s: string, what: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 65535)
    throw new UsageError(`${what}: invalid port ${JSON.stringify(s)}`);
  return n;
}

/** "8080:80/tcp", "80", "127.0.0.1:8080:80/udp" → CNI portMappings entries. */
export function parsePorts(value: string | undefined): PortMapping[] {
  return list(value).map((spec) => {
    const slash = spec.lastIndexOf('/');
    const proto = slash >= 0 ? spec.slice(slash + 1) : 'tcp';
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') {
      throw new UsageError(
        `${ANNOTATION.ports}: invalid protocol in ${JSON.stringify(spec)} (tcp, udp or sctp)`,
      );
    }
    const parts = (slash >= 0 ? spec.slice(0, slash) : spec).split(':');
    const containerPort = port(parts.pop() ?? '', ANNOTATION.ports);
    const hostPortText = parts.pop();
    const hostIP = parts.join(':').replace(/^\[(.*)\]$/, '$1');
    const out: PortMapping = {
      hostPort: hostPortText === undefined ? containerPort : port(hostPortText, ANNOTATION.ports),
      containerPort,
      protocol: proto,
    };
    if (hostIP) {
      if (!/^[0-9a-fA-F.:]+$/.test(hostIP))
        throw new UsageError(`${ANNOTATION.ports}: invalid host IP in ${JSON.stringify(spec)}`);
      out.hostIP = hostIP;
    }
    return out;
  });
}

export interface ContainerNetworking {
  networks: string[];
  ips: string[];
  macs: string[];
  ports: PortMapping[];
}

const V4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/([12]?\d|3[0-2]))?$/;
const V6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*(\/(12[0-8]|1[01]\d|\d?\d))?$/;
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/** Cheap shape checks (no parser on the hook path): a bad value is refused before any plugin runs. */
function checked(values: string[], re: RegExp[], what: string, example: string): string[] {
  for (const v of values)
    if (v !== '' && !re.some((r) => r.test(v)))
      throw new UsageError(`${what}: invalid value ${JSON.stringify(v)} (e.g. ${example})`);
  return values;
}

export function parseAnnotations(a: Record<string, string>): ContainerNetworking {
  return {
    networks: list(a[ANNOTATION.network]),
    ips: checked(positional(a[ANNOTATION.ip]), [V4, V6], ANNOTATION.ip, '198.18.7.20/24'),
    macs: checked(positional(a[ANNOTATION.mac]), [MAC], ANNOTATION.mac, '02:42:c6:12:07:14'),
    ports: parsePorts(a[ANNOTATION.ports]),
  };
}

/** CNI capability args for the i-th network of a container. */
export function capabilityArgsFor(cn: ContainerNetworking, i: number): Record<string, unknown> {
  const caps: Record<string, unknown> = {};
  const ip = cn.ips[i];
  if (ip) caps.ips = [ip];
  const mac = cn.macs[i];
  if (mac) caps.mac = mac;
  if (cn.ports.length > 0) caps.portMappings = cn.ports;
  return caps;
}

/** CNI_ARGS "K=V;K2=V2" → pairs. */
export function parseCniArgs(value: string | undefined): [string, string][] {
  if (!value) return [];
  return value
    .split(';')
    .filter((p) => p.length > 0)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`CNI_ARGS: ${JSON.stringify(pair)} is not KEY=VALUE`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    });
}
