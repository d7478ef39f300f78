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
