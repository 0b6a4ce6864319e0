// One timed scan for bench/scan.mjs (bundled by scripts/run-ts.mjs, run with
// `node --require bench/rssHook.cjs scanOnce.cjs <setup.json> <nodes> <parallelism>`): the real
// scanCluster over SSH against the first <nodes> simulated nodes of bench/scanSetup.ts, as
// `proxyscope scan --nodes ...` would run it. The process does nothing else, so its peak RSS
// (printed by rssHook.cjs) is the scan's. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { scanCluster } from '../core/node/collect/scan';
import type { ScanBenchSetup } from './scanSetup';

async function main(): Promise<void> {
  const [setupFile, count, parallelism] = process.argv.slice(2);
  const setup = JSON.parse(readFileSync(setupFile, 'utf8')) as ScanBenchSetup;
  const nodes = setup.nodes.slice(0, Number(count)).map((n) => n.name);
  let listedAt = NaN;
  const t0 = performance.now();
  const result = await scanCluster({
    kubeconfig: setup.kubeconfig,
    nodes,
    ssh: { knownHostsFiles: [setup.knownHosts], identityFiles: [setup.clientKey], user: setup.user, agentSocket: null, home: setup.home },
    parallelism: Number(parallelism),
    onProgress: (e) => {
      if (e.type === 'api-listed') listedAt = performance.now();
    },
  });
  const wallMs = performance.now() - t0;
  const commandBytes = result.nodes.reduce((sum, n) => sum + n.commands.reduce((s, c) => s + c.bytes, 0), 0);
  const nodeMs = result.nodes.reduce((sum, n) => sum + n.durationMs, 0);
  const bad = result.nodes.filter((n) => n.status !== 'ok').map((n) => `${n.node}: ${n.status} (${n.message})`);
  process.stdout.write(
    `${JSON.stringify({
      nodes: result.nodes.length,
      wallMs,
      listMs: listedAt - t0,
      commandBytes,
      apiBytes: Buffer.byteLength(result.clusterJson),
      nodeMs,
      maxNodeMs: Math.max(...result.nodes.map((n) => n.durationMs)),
      // The first node's commands: where one node's time and bytes go.
      commands: (result.nodes[0]?.commands ?? []).map((c) => ({ id: c.id, status: c.status, bytes: c.bytes, durationMs: c.durationMs })),
      bad,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`scanOnce failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
