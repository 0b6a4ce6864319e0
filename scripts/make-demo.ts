// Regenerates assets/demo (the snapshot `proxyscope demo` analyses). Needs the real iptables, nft, ipset and
// unprivileged user namespaces (see test/helpers/netns.ts).
//   node scripts/run-ts.mjs scripts/make-demo.ts [--out assets/demo]
import { resolve } from 'node:path';
import { writeDemo } from '../test/helpers/demo/makeDemo';

const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = resolve(outIdx >= 0 ? args[outIdx + 1] : 'assets/demo');
writeDemo(out);
process.stdout.write(`wrote the demo snapshot to ${out}\n`);
