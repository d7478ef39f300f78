import { CircuitError, ExitCode } from '../errors';
import { decode, encode, ProtoTypes } from '../proto-codec';
import { protoJson } from '../proto-json';
import { fromWire } from './client-wire';
import { CallError, UnaryChannel } from './grpc-client';
import { Status } from './status';
import { PROTO_FILE, parseAddress } from './transport';
import type { Api } from './types';

type Wire = Record<string, unknown>;

const DEADLINE_MS = 120_000;

/** The API through a circuit daemon (gRPC). */
export class RemoteApi implements Api {
  private constructor(
    private readonly address: string,
    private readonly channel: UnaryChannel,
    private readonly types: ProtoTypes,
  ) {}

  static async connect(address: string): Promise<RemoteApi> {
    const target = parseAddress(address);
    const types = new ProtoTypes(protoJson([PROTO_FILE], new URL('./proto/', import.meta.url)));
    const channel = new UnaryChannel(target, () => (target.tls ? target.clientTls() : undefined));
    return new RemoteApi(address, channel, types);
  }

  close(): void {
    this.channel.close();
  }

  private async call(service: string, rpc: string, req: Wire): Promise<Wire> {
    const m = this.types.method(`circuit.v1.${service}`, rpc);
    try {
      return decode(m.response, await this.channel.call(m.path, encode(m.request, req), DEADLINE_MS));
    } catch (err) {
      if (!(err instanceof CallError)) throw err;
      const fromDaemon = err.metadata['circuit-exit-code'];
      if (fromDaemon !== undefined) throw new CircuitError(err.details, Number(fromDaemon) as ExitCode);
      if (err.code === Status.UNAVAILABLE || err.code === Status.DEADLINE_EXCEEDED)
        throw new CircuitError(
          `cannot reach the circuit daemon at ${this.address}: ${err.details}`,
          ExitCode.failure,
        );
      const usage = err.code === Status.RESOURCE_EXHAUSTED || err.code === Status.INVALID_ARGUMENT;
      throw new CircuitError(err.details || err.message, usage ? ExitCode.usage : ExitCode.failure);
    }
  }

  createNetwork: Api['createNetwork'] = async (req) => {
    const r = await this.call('NetworkService', 'CreateNetwork', {
      ...req,
      config: undefined,
      ...(req.config !== undefined ? { configJson: JSON.stringify(req.config) } : {}),
    });
    return { name: String(r.name), created: r.created === true, config: JSON.parse(String(r.configJson)) };
  };
  listNetworks: Api['listNetworks'] = async () =>
    ((await this.call('NetworkService', 'ListNetworks', {})).networks as Wire[]).map(fromWire.summary);
  inspectNetwork: Api['inspectNetwork'] = async (name) =>
    fromWire.detail(await this.call('NetworkService', 'GetNetwork', { name }));
  deleteNetwork: Api['deleteNetwork'] = async (name, force) => ({
    deleted: (await this.call('NetworkService', 'DeleteNetwork', { name, force })).deleted === true,
  });
  connect: Api['connect'] = async (req) => {
    const r = await this.call('NetworkService', 'Connect', { ...req });
    return { already: r.already === true, network: String(r.network), ips: (r.ips as string[]) ?? [] };
  };
  disconnect: Api['disconnect'] = async (container, network) => ({
    released: (await this.call('NetworkService', 'Disconnect', { container, network })).released === true,
  });
  containerIps: Api['containerIps'] = async (container) =>
    ((await this.call('NetworkService', 'ContainerIps', { container })).ips as Wire[]).map(fromWire.ip);
  qosSet: Api['qosSet'] = async (req) => {
    await this.call('QosService', 'SetQos', { ...req });
  };
  qosReset: Api['qosReset'] = async (network, container) => {
    await this.call('QosService', 'ResetQos', { network, container });
  };
  qosShow: Api['qosShow'] = async (network) =>
    ((await this.call('QosService', 'ShowQos', { network })).rows as Wire[]).map(fromWire.qosRow);
  lbCreate: Api['lbCreate'] = async (req) => {
    const r = await this.call('LoadBalancerService', 'CreateService', { ...req });
    return { created: r.created === true, ...(typeof r.note === 'string' && r.note ? { note: r.note } : {}) };
  };
  lbList: Api['lbList'] = async () =>
    ((await this.call('LoadBalancerService', 'ListServices', {})).services as Wire[]).map(fromWire.service);
  lbAdd: Api['lbAdd'] = async (name, targets, weight) => {
    await this.call('LoadBalancerService', 'AddTargets', { name, targets, weight });
  };
  lbRemove: Api['lbRemove'] = async (name, targets) => {
    await this.call('LoadBalancerService', 'RemoveTargets', { name, targets });
  };
  lbDelete: Api['lbDelete'] = async (name) => ({
    deleted: (await this.call('LoadBalancerService', 'DeleteService', { name })).deleted === true,
  });
  lbClear: Api['lbClear'] = async () => ({
    count: Number((await this.call('LoadBalancerService', 'ClearServices', {})).count ?? 0),
  });
  lbRestore: Api['lbRestore'] = async () => ({
    count: Number((await this.call('LoadBalancerService', 'RestoreServices', {})).count ?? 0),
  });
  lbStats: Api['lbStats'] = async (name) =>
    ((await this.call('LoadBalancerService', 'Stats', { name })).stats as Wire[]).map(fromWire.stats);
  check: Api['check'] = async (container) =>
    ((await this.call('MaintenanceService', 'Check', { container })).results as Wire[]).map(fromWire.check);
  gc: Api['gc'] = async () => fromWire.gc(await this.call('MaintenanceService', 'Gc', {}));
  clusterNodes: Api['clusterNodes'] = async () =>
    ((await this.call('ClusterService', 'ListNodes', {})).nodes as Wire[]).map(fromWire.node);
  topologyCheck: Api['topologyCheck'] = async (req) => {
    const r = await this.call('TopologyService', 'CheckTopology', { ...req });
    return {
      errors: ((r.errors as unknown[]) ?? []).map(String),
      links: Number(r.links ?? 0),
      bridges: Number(r.bridges ?? 0),
      tunnels: Number(r.tunnels ?? 0),
      commands: Number(r.commands ?? 0),
    };
  };
  topologyShow: Api['topologyShow'] = async (req) =>
    JSON.parse(
      String((await this.call('TopologyService', 'ShowTopology', { ...req })).topologyJson),
    ) as Record<string, unknown>;
  topologyApply: Api['topologyApply'] = async (req) =>
    ((await this.call('TopologyService', 'ApplyTopology', { ...req })).reports as Wire[]).map(
      fromWire.report,
    );
  topologyDelete: Api['topologyDelete'] = async (req) =>
    ((await this.call('TopologyService', 'DeleteTopology', { ...req })).reports as Wire[]).map(
      fromWire.report,
    );
  topologyDot: Api['topologyDot'] = async (req) =>
    String((await this.call('TopologyService', 'DotTopology', { ...req })).dot ?? '');
}
