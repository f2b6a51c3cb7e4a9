// The raw baseline's client, run as its own process like the controller: N Secret creates,
// `concurrency` at a time, as fast as the API server answers. Two clients:
// - `client-node`: the path the controller writes with (core's clientSecretApi over
//   @kubernetes/client-node 2.0.1, which opens a new TLS connection for every request);
// - `keep-alive`: one HTTPS keep-alive agent, what the API server itself allows.
// Usage: node bench/src/raw-client.ts MODE COUNT CONCURRENCY NAMESPACE
// (client-node reads KUBECONFIG; keep-alive reads BENCH_API_URL, BENCH_API_CA, BENCH_API_TOKEN)

import dc from 'node:diagnostics_channel';
import { clientSecretApi } from '@lockstep/core';
import { kubeConfigFromEnv } from '@lockstep/sandbox';
import { KubeHttp } from './kube-http.ts';

const [mode = 'client-node', count = '1000', concurrency = '10', namespace = 'bench-raw'] = process.argv.slice(2);
let connections = 0;
dc.subscribe('undici:client:connected', () => {
  connections++;
});

type Create = (name: string, value: string) => Promise<unknown>;
let create: Create;
if (mode === 'client-node') {
  const api = clientSecretApi(kubeConfigFromEnv());
  create = (name, value) =>
    api.create(namespace, {
      metadata: { name, labels: { 'bench.lockstep.dev/raw': 'true' } },
      data: { value: Buffer.from(value).toString('base64') },
    });
} else if (mode === 'keep-alive') {
  const kube = new KubeHttp({
    url: process.env.BENCH_API_URL ?? '',
    caPem: process.env.BENCH_API_CA ?? '',
    token: process.env.BENCH_API_TOKEN ?? '',
    maxSockets: Number(concurrency),
  });
  create = (name, value) =>
    kube.create(`/api/v1/namespaces/${namespace}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, labels: { 'bench.lockstep.dev/raw': 'true' } },
      data: { value: Buffer.from(value).toString('base64') },
    });
} else {
  throw new Error(`mode "${mode}" must be client-node or keep-alive`);
}

const total = Number(count);
// Warm the connections and the server's code paths, outside the measurement.
for (let i = 0; i < 20; i++) await create(`${mode}-warmup-${i}`, `warmup-${i}`);
connections = 0;
let next = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < total) {
      const i = next++;
      await create(`${mode}-${i}`, `raw-value-${i}`);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({
    mode,
    creates: total,
    concurrency: Number(concurrency),
    seconds,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    // undici connections opened (client-node only; the keep-alive client uses node:https).
    newConnections: mode === 'client-node' ? connections : null,
  })}\n`,
);
process.exit(0);
