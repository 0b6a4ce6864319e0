// Simulated cluster for the scan benchmark (bench/scan.mjs runs it, bundled by scripts/run-ts.mjs):
//   node scanSetup.cjs --nodes N --services S --dir DIR
// builds a cluster of S ClusterIP Services x 5 endpoints over N nodes, starts one network
// namespace + real sshd per node with that node's kube-proxy rules loaded into its real kernel
// tables (test/helpers/netnsNodes.ts), and the fixture API server serving the cluster with each
// Node's InternalIP set to its namespace's address. It writes kubeconfig, known_hosts and
// setup.json (what scanOnce.ts needs) into DIR, prints `READY <setup.json>` and then holds
// everything up until its stdin closes or it gets SIGINT/SIGTERM; then it removes the
// namespaces and processes. A parent that dies closes the pipe, so nothing outlives the run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ClusterState } from '../core/common/model';
import { startFakeApiServer } from '../test/helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../test/helpers/fakeApiServer/fakeApiServer';
import type { NetnsCluster } from '../test/helpers/netnsNodes';
import { canUseIpNetns, startNetnsNodes } from '../test/helpers/netnsNodes';
import { clusterBuilder } from '../test/helpers/scenario/clusterBuilder';
import { renderKubeProxyIptables } from '../test/helpers/scenario/kubeProxyIptables';

export interface ScanBenchSetup {
  kubeconfig: string;
  knownHosts: string;
  clientKey: string;
  user: string;
  home: string;
  /** Node names in scan order (sorted), with their namespaces. */
  nodes: { name: string; netns: string; address: string }[];
  services: number;
  /** iptables-restore input of the first node: lines and bytes. */
  rulesLines: number;
  rulesBytes: number;
  setupMs: number;
}

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

const log = (msg: string): void => {
  process.stderr.write(`[bench:scan:setup] ${msg}\n`);
};

const CLUSTER_CIDR = '100.64.0.0/10';

/** bench/generate.ts's workload: N ClusterIP Services with 5 ready endpoints each, plus default/kubernetes. */
function buildCluster(nodes: number, services: number): ClusterState {
  const b = clusterBuilder({ clusterCIDR: CLUSTER_CIDR, nodeCIDRMaskSize: 16, serviceCIDR: '10.96.0.0/12' });
  for (let i = 1; i <= nodes; i++) b.node(`node-${String(i).padStart(2, '0')}`);
  b.service('default/kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], manualEndpoints: [{ ip: '172.18.0.2' }] });
  for (let i = 0; i < services; i++) {
    const ref = `ns-${String(Math.floor(i / 100)).padStart(4, '0')}/svc-${String(i).padStart(5, '0')}`;
    b.service(ref, { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods(ref, 5);
  }
  return b.build();
}

async function main(): Promise<void> {
  const nodeCount = Number(arg('nodes'));
  const services = Number(arg('services', '1000'));
  const dir = arg('dir');
  const check = canUseIpNetns();
  if (!check.ok) throw new Error(check.reason);

  const t0 = performance.now();
  const state = buildCluster(nodeCount, services);
  const names = state.nodes.map((n) => n.metadata.name).sort();
  log(`${services} Services, ${state.pods.length} Pods; rendering kube-proxy's rules for ${names.length} nodes`);
  const specs = names.map((name) => ({ name, rules: renderKubeProxyIptables(state, name, { comments: true, clusterCIDR: CLUSTER_CIDR }) }));
  const first = specs[0].rules;

  let starting: Promise<NetnsCluster> | undefined;
  let api: FakeApiServer | undefined;
  let stopping: Promise<void> | undefined;
  // A signal during the start waits for it to finish (a failed start cleans up after itself),
  // so no namespace is left half made.
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await api?.close().catch(() => undefined);
      const cluster = await starting?.catch(() => undefined);
      await cluster?.stop().catch(() => undefined);
    })());
  const exitAfterStop = (code: number) => (): void => {
    void stop().then(() => process.exit(code));
  };
  process.once('SIGINT', exitAfterStop(130));
  process.once('SIGTERM', exitAfterStop(143));
  process.stdin.on('end', exitAfterStop(0));
  process.stdin.resume();

  try {
    log(`starting ${names.length} namespaces with sshd and iptables-restore`);
    starting = startNetnsNodes(specs);
    const sim = await starting;
    const withAddresses = structuredClone(state);
    for (const n of withAddresses.nodes) {
      const node = sim.nodes.find((x) => x.name === n.metadata.name);
      if (n.status && node) n.status.addresses = [{ type: 'InternalIP', address: node.address }, { type: 'Hostname', address: n.metadata.name }];
    }
    api = await startFakeApiServer({ cluster: withAddresses });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('bench'), { mode: 0o600 });
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${sim.nodes.map((n) => n.knownHostsLine).join('\n')}\n`);
    const setup: ScanBenchSetup = {
      kubeconfig,
      knownHosts,
      clientKey: sim.clientKey.path,
      user: sim.user,
      home: dir,
      nodes: sim.nodes.map((n) => ({ name: n.name, netns: n.netns, address: n.address })),
      services,
      rulesLines: first.split('\n').length - 1,
      rulesBytes: Buffer.byteLength(first),
      setupMs: performance.now() - t0,
    };
    const file = join(dir, 'setup.json');
    writeFileSync(file, JSON.stringify(setup, null, 2));
    log(`ready in ${Math.round(setup.setupMs)} ms`);
    process.stdout.write(`READY ${file}\n`);
  } catch (err) {
    await stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench:scan:setup] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
