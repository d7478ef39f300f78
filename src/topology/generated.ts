import { createHash } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The outer end of a veth when the file names none: stable for a container and dev, 12 characters. */
export function outerDevName(container: string, dev: string): string {
  return `tp${digest(`${container}/${dev}`).toString('hex').slice(0, 10)}`;
}

/** A stable, locally administered unicast MAC for a container's dev (02:xx:xx:xx:xx:xx). */
export function stableMac(container: string, dev: string): string {
  const b = digest(`mac/${container}/${dev}`);
  return ['02', ...[...b.subarray(0, 5)].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** A tunnel's device name: the type and its VNI (vx42, gn42). */
export function tunnelDevName(type: 'vxlan' | 'geneve', vni: number): string {
  return `${type === 'vxlan' ? 'vx' : 'gn'}${vni}`;
}

/** One nftables table per container and outer namespace for its nat and forward rules. */
export function natTableName(container: string): string {
  return `circuit_topo_${digest(container).toString('hex').slice(0, 12)}`;
}
