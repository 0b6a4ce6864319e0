import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterBuilder, toClusterJson } from '../helpers/scenario/clusterBuilder';
import type { IptablesFault } from '../helpers/scenario/iptablesFaults';
import { renderKubeProxyIptables } from '../helpers/scenario/kubeProxyIptables';
import { IPTABLES_FILE } from '../helpers/scenario/scenarioSnapshot';
import { writeSnapshotDir } from '../helpers/scenario/snapshotFiles';

// A snapshot whose cluster data attacks the UI (scenario g): Service names, labels and rule
// comments carrying markup, script URLs, a bidi override, terminal escapes and a 10k-character
// name. The API server would reject most of these names; a hand-edited or hostile cluster.json
// (or a compromised node's dump) does not go through it. Faults make findings about them, so
// they show up in every view.

export const HOSTILE_NS = 'evil';
export const HOSTILE = {
  img: '<img src=x onerror=alert(1)>',
  svg: '<svg onload=alert(2)>',
  js: 'javascript:alert(3)',
  bidi: 'gnp\u202e.exe',
  escapes: '\u001b]0;pwned\u0007\u001b[31mred\u001b[0m',
  long: 'a'.repeat(10_000),
} as const;

/** A rule line added to the nat table with a hostile comment (what a compromised node could print). */
export const HOSTILE_RULE = `-A KUBE-SERVICES -m comment --comment "<img src=x onerror=alert(4)> javascript:alert(5) \u202e\u001b[2J" -j RETURN`;

export interface HostileSnapshot {
  dir: string;
  node: string;
  /** `ns/name` of each hostile Service. */
  services: Record<keyof typeof HOSTILE, string>;
  cleanup(): void;
}

export function writeHostileSnapshot(): HostileSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-hostile-'));
  const clusterCIDR = '10.244.0.0/16';
  const b = clusterBuilder({ clusterCIDR });
  b.node('node-1').node('node-2');
  const services = {} as Record<keyof typeof HOSTILE, string>;
  for (const [key, name] of Object.entries(HOSTILE) as [keyof typeof HOSTILE, string][]) {
    const ref = `${HOSTILE_NS}/${name}`;
    services[key] = ref;
    b.service(ref, {
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
      labels: { app: HOSTILE.img, link: '<a href="javascript:alert(6)">x</a>', dir: HOSTILE.bidi, esc: HOSTILE.escapes },
    }).pods(ref, 2);
  }
  const faults: IptablesFault[] = [
    { kind: 'extra-endpoint', service: services.img, ip: '10.244.200.9' },
    { kind: 'extra-endpoint', service: services.bidi, ip: '10.244.200.10' },
    { kind: 'drop-service-port', service: services.js },
    { kind: 'drop-endpoint', service: services.escapes, ip: b.podsOf(services.escapes)[0].ip },
    { kind: 'extra-endpoint', service: services.long, ip: '10.244.200.11' },
    { kind: 'extra-endpoint', service: services.svg, ip: '10.244.200.12' },
  ];
  const state = b.build();
  const nodes = ['node-1', 'node-2'].map((name) => {
    let rules = renderKubeProxyIptables(state, name, { comments: true, clusterCIDR, faults: name === 'node-1' ? faults : [] });
    // After the first KUBE-SERVICES rule of the nat table.
    rules = rules.replace(/^(-A KUBE-SERVICES .*)$/m, `$1\n${HOSTILE_RULE}`);
    return { name, files: { [IPTABLES_FILE]: rules } };
  });
  writeSnapshotDir(dir, { clusterJson: toClusterJson(state), nodes });
  return { dir, node: 'node-1', services, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
