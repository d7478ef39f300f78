import { z } from 'zod';

/** Docker's plugin protocol bodies (libnetwork remote driver and IPAM APIs); unknown fields pass. */
const id = z.string().regex(/^[0-9a-f]{12,64}$/, 'expected a Docker id (hex)');
const ipamData = z.looseObject({
  AddressSpace: z.string().optional(),
  Pool: z.string(),
  Gateway: z.string().optional(),
  AuxAddresses: z.record(z.string(), z.string()).nullish(),
});

export const requests = {
  CreateNetwork: z.looseObject({
    NetworkID: id,
    Options: z.record(z.string(), z.unknown()).nullish(),
    IPv4Data: z.array(ipamData).nullish(),
    IPv6Data: z.array(ipamData).nullish(),
  }),
  DeleteNetwork: z.looseObject({ NetworkID: id }),
  CreateEndpoint: z.looseObject({
    NetworkID: id,
    EndpointID: id,
    Interface: z
      .looseObject({
        Address: z.string().optional(),
        AddressIPv6: z.string().optional(),
        MacAddress: z.string().optional(),
      })
      .nullish(),
    Options: z.record(z.string(), z.unknown()).nullish(),
  }),
  Endpoint: z.looseObject({ NetworkID: id, EndpointID: id }),
  Connectivity: z.looseObject({
    NetworkID: id,
    EndpointID: id,
    Options: z.record(z.string(), z.unknown()).nullish(),
  }),
  Join: z.looseObject({
    NetworkID: id,
    EndpointID: id,
    SandboxKey: z.string().optional(),
    Options: z.record(z.string(), z.unknown()).nullish(),
  }),
  RequestPool: z.looseObject({
    AddressSpace: z.string().optional(),
    Pool: z.string().optional(),
    SubPool: z.string().optional(),
    Options: z.record(z.string(), z.string()).nullish(),
    V6: z.boolean().optional(),
  }),
  ReleasePool: z.looseObject({ PoolID: z.string().min(1) }),
  RequestAddress: z.looseObject({
    PoolID: z.string().min(1),
    Address: z.string().optional(),
    Options: z.record(z.string(), z.string()).nullish(),
  }),
  ReleaseAddress: z.looseObject({ PoolID: z.string().min(1), Address: z.string() }),
};

export const poolSchema = z.object({
  id: z.string(),
  pool: z.string(),
  subPool: z.string().optional(),
  v6: z.boolean(),
  allocated: z.array(z.string()),
});

const family = z.object({ pool: z.string(), gateway: z.string() }).optional();
export const dockerNetSchema = z.object({
  id: z.string(),
  bridge: z.string(),
  ownBridge: z.boolean(),
  internal: z.boolean(),
  mtu: z.number().int().positive().optional(),
  v4: family,
  v6: family,
  createdAt: z.string(),
});

export const dockerEndpointSchema = z.object({
  id: z.string(),
  networkId: z.string(),
  host: z.string(),
  peer: z.string(),
  mac: z.string(),
  address: z.string().optional(),
  addressV6: z.string().optional(),
  sandbox: z.string().optional(),
  ports: z
    .array(
      z.object({
        proto: z.enum(['tcp', 'udp']),
        hostIp: z.string().optional(),
        hostPort: z.number().int(),
        port: z.number().int(),
      }),
    )
    .optional(),
  createdAt: z.string(),
});
