/**
 * Redis key layout of a circuit cluster (every key under one prefix, default "circuit:"):
 *   <p>nodes                  ZSET  node name → expiry (ms since epoch): the live nodes
 *   <p>node:<node>            STRING JSON node info, EX ttl
 *   <p>node:<node>:names      SET   container names the node publishes, EX ttl (its own cleanup)
 *   <p>name:<container>       ZSET  node name → expiry: which nodes run a container of that name
 *   <p>att:<node>:<container> STRING JSON attachment rows of that container on that node, EX ttl
 * A query is two round trips (ZRANGEBYSCORE, then MGET), never a scan.
 */
export class Keys {
  constructor(readonly prefix = 'circuit:') {}
  nodes = () => `${this.prefix}nodes`;
  node = (node: string) => `${this.prefix}node:${node}`;
  nodeNames = (node: string) => `${this.prefix}node:${node}:names`;
  name = (container: string) => `${this.prefix}name:${container}`;
  att = (node: string, container: string) => `${this.prefix}att:${node}:${container}`;
}
