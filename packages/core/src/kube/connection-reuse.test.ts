import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '@lockstep/sandbox';
import { reuseConnections } from './connection-reuse.ts';

type ApiServer = Awaited<ReturnType<typeof startApiServer>>;

/** A TCP hop in front of the API server that counts the connections made through it. */
async function countingProxy(targetPort: number): Promise<{ server: Server; port: number; count: () => number }> {
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) s.on('error', () => {});
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, count: () => connections };
}

function kubeConfigVia(kubeconfig: string, port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const clusters = kc.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` }));
  kc.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  return kc;
}

describe('reuseConnections', () => {
  let api: ApiServer;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;

  before(async () => {
    api = await startApiServer({ port: 0 });
    proxy = await countingProxy(Number(new URL(api.url).port));
  });

  after(async () => {
    proxy?.server.close();
    await api?.stop();
  });

  async function connectionsFor(kc: KubeConfig, calls: number): Promise<number> {
    const before = proxy.count();
    const core = kc.makeApiClient(CoreV1Api);
    for (let i = 0; i < calls; i++) await core.listNamespace();
    return proxy.count() - before;
  }

  it('sends sequential API calls over a bounded number of connections', async () => {
    const kc = reuseConnections(kubeConfigVia(api.kubeconfig(), proxy.port));
    // undici's pool opens a second socket after the first response; from then on it reuses.
    assert.ok((await connectionsFor(kc, 30)) <= 2);
  });

  it('keeps separate dispatchers for different TLS options', () => {
    const kc = new KubeConfig();
    const made: unknown[] = [];
    (kc as unknown as { createDispatcher: (c: unknown, o: unknown) => unknown }).createDispatcher = (_c, o) => {
      made.push(o);
      return { n: made.length };
    };
    reuseConnections(kc);
    const dispatch = (kc as unknown as { createDispatcher: (c: unknown, o: unknown) => unknown }).createDispatcher;
    const cluster = { server: 'https://127.0.0.1:6443' };
    const a = dispatch(cluster, { ca: Buffer.from('ca-1'), cert: Buffer.from('cert-1') });
    assert.equal(dispatch(cluster, { ca: Buffer.from('ca-1'), cert: Buffer.from('cert-1') }), a, 'same contents');
    assert.notEqual(dispatch(cluster, { ca: Buffer.from('ca-1'), cert: Buffer.from('cert-2') }), a, 'rotated cert');
    assert.notEqual(dispatch({ server: 'https://127.0.0.1:7443' }, { ca: Buffer.from('ca-1') }), a, 'other server');
    assert.equal(made.length, 3);
  });

  it('is needed: an unmodified KubeConfig opens a connection per call', async () => {
    const kc = kubeConfigVia(api.kubeconfig(), proxy.port);
    assert.equal(await connectionsFor(kc, 10), 10);
  });
});
