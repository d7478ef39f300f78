import { localNode } from '../cluster/local-node';
import { connect, containerIps, disconnect } from './containers';
import type { LocalContext } from './context';
import { lbAdd, lbClear, lbCreate, lbDelete, lbList, lbRemove, lbRestore, lbStats } from './lb';
import { check, gc } from './maintenance';
import { createNetwork, deleteNetwork, inspectNetwork, listNetworks } from './networks';
import { resetQos, setQos, showQos } from './qos';
import type { Api, NodeInfo } from './types';

/** The API on the state dir: what the CLI uses without --address and what the daemon serves. */
export class LocalApi implements Api {
  constructor(
    readonly ctx: LocalContext,
    private readonly node: { name?: string; address?: string; startedAt?: number } = {},
    /** Replaced by the cluster registry when the daemon joins one. */
    private readonly nodes?: () => Promise<NodeInfo[]>,
  ) {}

  createNetwork: Api['createNetwork'] = (req) => createNetwork(this.ctx, req);
  listNetworks: Api['listNetworks'] = async () => listNetworks(this.ctx);
  inspectNetwork: Api['inspectNetwork'] = async (name) => inspectNetwork(this.ctx, name);
  deleteNetwork: Api['deleteNetwork'] = (name, force) => deleteNetwork(this.ctx, name, force);
  connect: Api['connect'] = (req) => connect(this.ctx, req);
  disconnect: Api['disconnect'] = (c, n) => disconnect(this.ctx, c, n);
  containerIps: Api['containerIps'] = async (c) => containerIps(this.ctx, c);
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
  clusterNodes: Api['clusterNodes'] = async () =>
    this.nodes ? this.nodes() : [localNode(this.ctx.store, this.node)];
}
