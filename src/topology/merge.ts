import type { RawCommand, RawLink, RawTopology, RawTunnel } from './spec';

export interface Sourced<T> {
  value: T;
  /** `FILE: links[N]`: where the (last) definition was written. */
  origin: string;
}

export interface MergedTopology {
  namespace?: Sourced<string>;
  links: Sourced<RawLink>[];
  bridges: Record<string, Sourced<RawTopology['bridges'][string]>>;
  tunnels: Sourced<RawTunnel>[];
  commands: Sourced<RawCommand>[];
}

const linkKey = (l: RawLink) => `${l.container ?? l.service ?? ''}\u0000${l.dev ?? 'eth0'}`;

/**
 * Several files become one (conlink's rule): maps merge, lists concatenate, later scalars win;
 * links with the same container and dev are one link whose later fields win.
 */
export function mergeFiles(files: readonly { file: string; raw: RawTopology }[]): MergedTopology {
  const out: MergedTopology = { links: [], bridges: {}, tunnels: [], commands: [] };
  const byKey = new Map<string, Sourced<RawLink>>();
  for (const { file, raw } of files) {
    if (raw.namespace !== undefined) out.namespace = { value: raw.namespace, origin: `${file}: namespace` };
    raw.links.forEach((l, i) => {
      const origin = `${file}: links[${i}]`;
      const prev = byKey.get(linkKey(l));
      if (prev) {
        prev.value = { ...prev.value, ...l };
        prev.origin = origin;
      } else {
        const s = { value: { ...l }, origin };
        byKey.set(linkKey(l), s);
        out.links.push(s);
      }
    });
    for (const [name, b] of Object.entries(raw.bridges)) {
      const prev = out.bridges[name]?.value ?? {};
      out.bridges[name] = { value: { ...prev, ...b }, origin: `${file}: bridges.${name}` };
    }
    raw.tunnels.forEach((t, i) => {
      out.tunnels.push({ value: t, origin: `${file}: tunnels[${i}]` });
    });
    raw.commands.forEach((c, i) => {
      out.commands.push({ value: c, origin: `${file}: commands[${i}]` });
    });
  }
  return out;
}
