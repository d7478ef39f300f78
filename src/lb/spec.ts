import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors';
import {
  SCHEDULERS,
  type Scheduler,
  type Service,
  serviceSchema,
  type Target,
  targetSchema,
} from '../state/lb';

export { SCHEDULERS, type Scheduler, type Service, serviceSchema, type Target, targetSchema };
export const NFT_SCHEDULERS: readonly Scheduler[] = ['rr', 'wrr', 'sh', 'dh'];

export interface Endpoint {
  addr: string;
  port: number;
  family: 4 | 6;
}

/** "198.18.0.1:80" or "[fd00::1]:80" → normalised endpoint. */
export function parseEndpoint(text: string, what = 'address'): Endpoint {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`invalid ${what} ${JSON.stringify(text)} (want IP:PORT or [IPv6]:PORT)`);
  const [, host = '', portText = ''] = m;
  if (!ipaddr.isValid(host))
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: ${host} is not an IP address`);
  const port = Number(portText);
  if (port < 1 || port > 65535)
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: port out of range`);
  const ip = ipaddr.process(host);
  return { addr: ip.toString(), port, family: ip.kind() === 'ipv6' ? 6 : 4 };
}

export function familyOf(addr: string): 4 | 6 {
  return ipaddr.process(addr).kind() === 'ipv6' ? 6 : 4;
}

export function formatEndpoint(addr: string, port: number): string {
  return familyOf(addr) === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function sameService(a: Service, b: Service): boolean {
  return (
    a.addr === b.addr &&
    a.port === b.port &&
    a.protocol === b.protocol &&
    a.scheduler === b.scheduler &&
    a.persistent === b.persistent &&
    a.forward === b.forward &&
    a.backend === b.backend
  );
}

/** Backend capability check; throws UsageError naming what is supported. */
export function checkBackendSupport(
  s: Pick<Service, 'backend' | 'scheduler' | 'forward' | 'persistent'>,
): void {
  if (s.backend !== 'nftables') return;
  if (!NFT_SCHEDULERS.includes(s.scheduler)) {
    throw new UsageError(
      `scheduler ${s.scheduler} is not supported by the nftables backend (supported: ${NFT_SCHEDULERS.join(', ')}; all schedulers with --backend ipvs)`,
    );
  }
  if (s.forward === 'tunnel') throw new UsageError('--forward tunnel needs the ipvs backend');
  if (s.persistent !== undefined) throw new UsageError('--persistent needs the ipvs backend');
}
