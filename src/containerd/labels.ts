import { ANNOTATION } from '../connect/annotations';

export const DEFAULT_NETWORK_LABEL = 'io.circuit.network';
export const RESTART_LABEL = 'io.circuit.restart';

export type RestartPolicy = { kind: 'no' } | { kind: 'always' } | { kind: 'on-failure'; max?: number };

/** io.circuit.restart: always | on-failure | on-failure:N; absent or "" = no. */
export function restartPolicy(labels: Record<string, string>): RestartPolicy | { error: string } {
  const v = (labels[RESTART_LABEL] ?? '').trim();
  if (v === '' || v === 'no') return { kind: 'no' };
  if (v === 'always') return { kind: 'always' };
  const m = /^on-failure(?::(\d{1,6}))?$/.exec(v);
  if (m) return m[1] === undefined ? { kind: 'on-failure' } : { kind: 'on-failure', max: Number(m[1]) };
  return { error: `${RESTART_LABEL}=${JSON.stringify(v)}: expected always, on-failure or on-failure:N` };
}

/** True when the container asks for networks. */
export function wantsNetworks(labels: Record<string, string>, key: string): boolean {
  return (labels[key] ?? '').trim() !== '';
}

/** The labels as the io.circuit.* annotations the hook reads (the network label may be renamed). */
export function annotationsFromLabels(labels: Record<string, string>, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  const net = labels[key];
  if (net !== undefined) out[ANNOTATION.network] = net;
  for (const k of [ANNOTATION.ip, ANNOTATION.mac, ANNOTATION.ports]) {
    const v = labels[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The state-dir record id of a containerd container (CNI container id of its attachments). */
export function recordId(namespace: string, name: string): string {
  return `ctrd.${namespace}.${name}`;
}
