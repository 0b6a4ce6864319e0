// Generates one benchmark cluster: N Services x E endpoints spread over 4 nodes, written as
//   <out>/cluster.json            kubectl-style List (Services, EndpointSlices, Pods, Nodes)
//   <out>/rules-comments.txt      kube-proxy restore input for node-1, with per-endpoint comments
//   <out>/rules-nocomments.txt    the same in large-cluster mode (no per-endpoint comments)
// Run through scripts/run-ts.mjs (bench/run.mjs does): node scripts/run-ts.mjs bench/generate.ts --out DIR --services N
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clusterBuilder, toClusterJson } from '../test/helpers/scenario/clusterBuilder';
import { renderKubeProxyIptables } from '../test/helpers/scenario/kubeProxyIptables';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

const out = arg('out');
const services = Number(arg('services'));
const endpoints = Number(arg('endpoints', '5'));
const nodes = Number(arg('nodes', '4'));
const perNamespace = 100;

const clusterCIDR = '100.64.0.0/10';
const b = clusterBuilder({ clusterCIDR, nodeCIDRMaskSize: 14, serviceCIDR: '10.96.0.0/12', podDetail: 'lean' });
for (let i = 1; i <= nodes; i++) b.node(`node-${i}`);
b.service('default/kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], manualEndpoints: [{ ip: '172.18.0.2' }] });
for (let i = 0; i < services; i++) {
  const ref = `ns-${String(Math.floor(i / perNamespace)).padStart(4, '0')}/svc-${String(i).padStart(5, '0')}`;
  b.service(ref, { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods(ref, endpoints);
}
const state = b.build();
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'cluster.json'), toClusterJson(state, { indent: 0 }));
for (const comments of [true, false]) {
  const rules = renderKubeProxyIptables(state, 'node-1', { comments, clusterCIDR });
  writeFileSync(join(out, comments ? 'rules-comments.txt' : 'rules-nocomments.txt'), rules);
}
process.stdout.write(`${JSON.stringify({ services, endpoints, pods: state.pods.length })}\n`);
