import { localNode } from '../cluster/local-node';
import { NotFoundError } from '../errors';
import { connect, containerIps, disconnect } from './containers';
import type { LocalContext } from './context';
import { lbAdd, lbClear, lbCreate, lbDelete, lbList, lbRemove, lbRestore, lbStats } from './lb';
import { check, gc } from './maintenance';
import { createNetwork, deleteNetwork, inspectNetwork, listNetworks } from './networks';
import { resetQos, setQos, showQos } from './qos';
import { topologyApply, topologyCheck, topologyDelete, topologyDot, topologyShow } from './topology';
import type { Api, IpRow, NodeInfo } from './types';

/** A cluster view (the Redis registry); undefined answers mean "not reachable: answer locally". */
export interface ClusterView {
  nodes(): Promise<NodeInfo[] | undefined>;
  ips(name: string): Promise<IpRow[] | undefined>;
}

/** The API on the state dir: what the CLI uses without --address and what the daemon serves. */
export class LocalApi implements Api {
  constructor(
    readonly ctx: LocalContext,
    private readonly node: { name?: string; address?: string; startedAt?: number } = {},
    /** Set when the daemon is part of a cluster. */
    private readonly cluster?: ClusterView,
  ) {}

  createNetwork: Api['createNetwork'] = (req) => createNetwork(this.ctx, req);
  listNetworks: Api['listNetworks'] = async () => listNetworks(this.ctx);
  inspectNetwork: Api['inspectNetwork'] = async (name) => inspectNetwork(this.ctx, name);
  deleteNetwork: Api['deleteNetwork'] = (name, force) => deleteNetwork(this.ctx, name, force);
  connect: Api['connect'] = (req) => connect(this.ctx, req);
  disconnect: Api['disconnect'] = (c, n) => disconnect(this.ctx, c, n);
  containerIps: Api['containerIps'] = async (c) => {
    if (!this.cluster) return containerIps(this.ctx, c);
    // this node's rows from the state dir (fresher than Redis), the others' from the registry
    const me = this.node.name ?? localNode(this.ctx.store, this.node).name;
    let local: IpRow[] = [];
    try {
      local = containerIps(this.ctx, c).map((r) => ({ ...r, node: me }));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const remote = ((await this.cluster.ips(c)) ?? []).filter((r) => r.node !== me);
    const rows = [...local, ...remote];
    if (rows.length === 0) throw new NotFoundError(`container ${c} has no circuit networks on any node`);
    return rows;
  };
  qosSet: Api['qosSet'] = (req) => setQos(this.ctx, req);
  qosReset: Api['qosReset'] = (n, c) => resetQos(this.ctx, n, c);
  qosShow: Api['qosShow'] = (n) => showQos(this.ctx, n);
  lbCreate: Api['lbCreate'] = (req) => lbCreate(this.ctx, req);
  lbList: Api['lbList'] = async () => lbList(this.ctx);
  lbAdd: Api['lbAdd'] = (n, t, w) => lbAdd(this.ctx, n, t, w);
  lbRemove: Api['lbRemove'] = (n, t) => lbRemove(this.ctx, n, t);
  lbDelete: Api['lbDelete'] = (n) => lbDelete(this.ctx, n);
  lbClear: Api['lbClear'] = () => lbClear(this.ctx);
  lbRestore: Api['lbRestore'] = () => lbRestore(this.ctx);
  lbStats: Api['lbStats'] = (n) => lbStats(this.ctx, n);
  check: Api['check'] = (c) => check(this.ctx, c);
  gc: Api['gc'] = () => gc(this.ctx);
  clusterNodes: Api['clusterNodes'] = async () => {
    const self = localNode(this.ctx.store, this.node);
    const nodes = (await this.cluster?.nodes()) ?? [];
    // this node is always part of its own answer (before its first heartbeat, or Redis away)
    return nodes.some((n) => n.name === self.name) ? nodes : [...nodes, self];
  };
  topologyCheck: Api['topologyCheck'] = async (req) => topologyCheck(req);
  topologyShow: Api['topologyShow'] = async (req) => topologyShow(req);
  topologyApply: Api['topologyApply'] = (req) => topologyApply(this.ctx, req);
  topologyDelete: Api['topologyDelete'] = (req) => topologyDelete(this.ctx, req);
  topologyDot: Api['topologyDot'] = async (req) => topologyDot(req);
}
