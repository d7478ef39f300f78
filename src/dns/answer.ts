/** DNS for containers (pure): CONTAINER.NETWORK[.DOMAIN] → the container's addresses. */

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  name: string;
  type: string;
}

export interface Addresses {
  v4: string[];
  v6: string[];
}

/**
 * Addresses of a container on a network, or undefined when no such container.network exists.
 * Injected by whoever runs the server (the daemon looks in its API); it throws when it cannot
 * tell (state dir unreadable), which is answered SERVFAIL: "no such name" would be a lie that
 * resolvers cache.
 */
export type Lookup = (container: string, network: string) => Promise<Addresses | undefined>;

export type Decision =
  | {
      kind: 'answer';
      rcode: number;
      answers: { name: string; type: 'A' | 'AAAA'; data: string }[];
      authoritative: boolean;
      /** Why the lookup failed (SERVFAIL). */
      error?: string;
    }
  | { kind: 'forward' };

/** Every (container, network) reading of a name: a container or a network name may contain dots. */
export function splits(name: string): [string, string][] {
  const labels = name.split('.');
  const out: [string, string][] = [];
  for (let i = 1; i < labels.length; i++) out.push([labels.slice(0, i).join('.'), labels.slice(i).join('.')]);
  return out;
}

/**
 * Decide the answer to one question. Names in the domain (`*.circuit`) are ours: A/AAAA of the
 * container (TTL 0), NODATA for other types, NXDOMAIN when unknown. Other names are answered when
 * they read as CONTAINER.NETWORK, else forwarded (with an upstream) or REFUSED. A lookup that
 * fails is SERVFAIL, never NXDOMAIN.
 */
export async function decide(
  q: Question,
  domain: string,
  lookup: Lookup,
  upstream: boolean,
): Promise<Decision> {
  const name = q.name.replace(/\.$/, '').toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  const inDomain = name.endsWith(suffix) || name === domain.toLowerCase();
  const bare = inDomain ? name.slice(0, -suffix.length) : name;
  let found: Addresses | undefined;
  for (const [container, network] of bare ? splits(bare) : []) {
    try {
      found = await lookup(container, network);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { kind: 'answer', rcode: RCODE.SERVFAIL, answers: [], authoritative: false, error };
    }
    if (found) break;
  }
  if (!found) {
    if (inDomain) return { kind: 'answer', rcode: RCODE.NXDOMAIN, answers: [], authoritative: true };
    return upstream
      ? { kind: 'forward' }
      : { kind: 'answer', rcode: RCODE.REFUSED, answers: [], authoritative: false };
  }
  const answers =
    q.type === 'A'
      ? found.v4.map((data) => ({ name: q.name, type: 'A' as const, data }))
      : q.type === 'AAAA'
        ? found.v6.map((data) => ({ name: q.name, type: 'AAAA' as const, data }))
        : [];
  return { kind: 'answer', rcode: RCODE.NOERROR, answers, authoritative: true };
}
