// `make sandbox`: runs the Kubernetes control plane (etcd, kube-apiserver, controller-manager,
// scheduler, kwok), OpenBao, PostgreSQL, moto and the webhook server in the
// foreground until Ctrl-C, and writes <dir>/kubeconfig and <dir>/env for other shells.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_PEERS, type PeerName, startSandbox } from './sandbox.ts';

const USAGE =
  'usage: node packages/sandbox/src/cli.ts [--dir .sandbox] [--peers apiserver,openbao,postgres,moto,webhook] [--no-seed]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: '.sandbox' },
      peers: { type: 'string' },
      'no-seed': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const peers = values.peers ? values.peers.split(',').map((p) => p.trim()) : [...ALL_PEERS];
  const unknown = peers.filter((p) => !ALL_PEERS.includes(p as PeerName));
  if (unknown.length > 0) {
    console.error(`unknown peer(s): ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const dir = resolve(values.dir);

  console.log(`starting the sandbox in ${dir} ...`);
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({ dir, peers: peers as PeerName[], seed: !values['no-seed'] });
  } catch (err) {
    console.error(`\nthe sandbox could not start:\n${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }

  const env = sandbox.env();
  const rows: [string, string | undefined][] = [
    ['Kubernetes API', sandbox.apiServer?.url],
    ['OpenBao', sandbox.openBao?.addr],
    ['PostgreSQL', sandbox.postgres ? `${env.PGHOST}:${env.PGPORT} (database ${env.PGDATABASE})` : undefined],
    ['moto (AWS)', sandbox.moto?.endpoint],
    ['webhook', sandbox.webhook ? `${sandbox.webhook.url} (CA ${sandbox.webhook.caFile})` : undefined],
    ['kubeconfig', sandbox.kubeconfigPath],
    ['env file', `${sandbox.envPath} (holds the tokens and passwords: source it)`],
    ['logs', `${dir}/*.log, ${dir}/control-plane/*.log`],
  ];
  console.log('the sandbox is up:');
  for (const [name, value] of rows) if (value) console.log(`  ${name.padEnd(15)} ${value}`);
  console.log(`\nin another shell: source ${sandbox.envPath} && kubectl get namespaces`);
  console.log('press Ctrl-C to stop');

  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
    process.once('SIGHUP', resolveSignal);
  });
  console.log(`\n${signal}: stopping the sandbox ...`);
  await sandbox.stop();
  console.log('stopped');
  return 0;
}

process.exitCode = await main();
