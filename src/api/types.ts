/**
 * The management API: one interface, two implementations. LocalApi works on the state dir (the
 * CLI without --address, and the daemon behind its gRPC handlers); RemoteApi speaks gRPC to a
 * daemon. The CLI renders the same results either way, so its output does not depend on the path.
 * Requests carry the CLI's own words (flag values as typed); the implementation validates them.
 */
import type { GcReport } from '../attach/gc';
import type { NodeInfo } from '../cluster/schemas';
import type { NetworkSpec } from '../cni/generate';
import type { Service } from '../lb/spec';
import type { TargetStats } from '../lb/stats';
import type { QosRow } from '../qos/service';
import type { TopologySource } from '../topology/load';
import type { ContainerReport } from '../topology/service';

export interface CreateNetworkRequest {
  name?: string;
  /** A CNI .conf/.conflist document (JSON-decoded); or `spec` to generate one. */
  config?: unknown;
  source?: string;
  spec?: NetworkSpec;
  labels: Record<string, string>;
  skipPluginCheck: boolean;
  allowOverlap: boolean;
  dryRun: boolean;
}

export interface CreateNetworkResult {
  name: string;
  created: boolean;
  config: Record<string, unknown>;
}

export interface Peer {
  container: string;
  pid?: number;
  ifName: string;
  status: string;
  ips: string[];
  /** The runtime's name for the container (containerd, podman), when it has one. */
  name?: string;
  /** runc, containerd, docker or podman. */
  runtime?: string;
}

export interface NetworkSummary {
  name: string;
  type: string;
  plugins: string[];
  version: string;
  peers: Peer[];
}

export interface NetworkDetail {
  name: string;
  config: Record<string, unknown>;
  source?: string;
  createdAt: string;
  labels?: Record<string, string>;
  attachments: Peer[];
}

export interface ConnectRequest {
  container: string;
  network: string;
  ifName?: string;
  ip?: string;
  mac?: string;
  runcRoot?: string;
}

export interface IpRow {
  network: string;
  ip: string;
  cidr: string;
  interface: string;
  status: string;
  node?: string;
}

export interface QosSetRequest {
  network: string;
  container?: string;
  /** Flag values as typed on the CLI (rate, delay, loss, direction, ...). */
  options: Record<string, string>;
}

export interface LbCreateRequest {
  name: string;
  vip: string;
  scheduler?: string;
  protocol?: string;
  persistent?: string;
  forward?: string;
  backend?: string;
}

export interface CheckResult {
  network: string;
  ifName: string;
  status: string;
  detail?: string;
}

/** A node of the cluster (the registry's record of it). */
export type { NodeInfo };

/**
 * Topology files as the client read them, and the values of the environment variables they
 * name (only those that are set): the API never reads a path or an environment of its own.
 */
export interface TopologyRequest {
  files: TopologySource[];
  env: Record<string, string>;
}

export interface TopologyCheckResult {
  /** Every problem, each `FILE: path: what`; empty when valid. */
  errors: string[];
  links: number;
  bridges: number;
  tunnels: number;
  commands: number;
}

export interface Api {
  createNetwork(req: CreateNetworkRequest): Promise<CreateNetworkResult>;
  listNetworks(): Promise<NetworkSummary[]>;
  inspectNetwork(name: string): Promise<NetworkDetail>;
  deleteNetwork(name: string, force: boolean): Promise<{ deleted: boolean }>;
  connect(req: ConnectRequest): Promise<{ already: boolean; network: string; ips: string[] }>;
  disconnect(container: string, network: string): Promise<{ released: boolean }>;
  containerIps(container: string): Promise<IpRow[]>;
  qosSet(req: QosSetRequest): Promise<void>;
  qosReset(network: string, container?: string): Promise<void>;
  qosShow(network?: string): Promise<QosRow[]>;
  lbCreate(req: LbCreateRequest): Promise<{ created: boolean; note?: string }>;
  lbList(): Promise<Service[]>;
  lbAdd(name: string, targets: string[], weight?: string): Promise<void>;
  lbRemove(name: string, targets: string[]): Promise<void>;
  lbDelete(name: string): Promise<{ deleted: boolean }>;
  lbClear(): Promise<{ count: number }>;
  lbRestore(): Promise<{ count: number }>;
  lbStats(name?: string): Promise<TargetStats[]>;
  check(container: string): Promise<CheckResult[]>;
  gc(): Promise<GcReport>;
  clusterNodes(): Promise<NodeInfo[]>;
  topologyCheck(req: TopologyRequest): Promise<TopologyCheckResult>;
  /** The merged topology with defaults and generated names (a JSON document). */
  topologyShow(req: TopologyRequest): Promise<Record<string, unknown>>;
  topologyApply(req: TopologyRequest & { runcRoot?: string }): Promise<ContainerReport[]>;
  topologyDelete(req: TopologyRequest): Promise<ContainerReport[]>;
  /** GraphViz DOT text. */
  topologyDot(req: TopologyRequest): Promise<string>;
}
