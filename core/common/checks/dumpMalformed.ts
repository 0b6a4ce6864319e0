import type { Finding } from '../model';
import type { NodeDumpFile } from './context';
import { makeFinding, plural } from './makeFinding';

// dump-malformed: lines the parser could not read. One finding per file, quoting up to 10, so a
// truncated or hand-edited dump is visible instead of silently missing rules.

export function checkDumpMalformed(node: string, files: NodeDumpFile[]): Finding[] {
  const out: Finding[] = [];
  for (const f of files) {
    const bad = f.dump.malformed;
    if (bad.length === 0) continue;
    const reasons = [...new Set(bad.map((m) => m.reason))].slice(0, 3).join('; ');
    out.push(
      makeFinding({
        check: 'dump-malformed',
        severity: 'low',
        node,
        title: `${plural(bad.length, 'unreadable line')} in ${f.file}`,
        message:
          `${f.file} has ${plural(bad.length, 'line')} the parser could not read (${reasons}). Rules on those lines are not part of ` +
          'the analysis, so findings about them may be missing. A dump cut short, edited by hand or saved by an unusual iptables version causes this.',
        nextSteps: [`re-capture on ${node}: ${f.name.startsWith('ip6') ? 'ip6tables' : 'iptables'}${f.name.includes('legacy') ? '-legacy' : ''}-save > ${f.name}`],
        evidence: bad.slice(0, 10).map((m) => ({ node, file: f.file, line: m.line, raw: m.raw })),
      }),
    );
  }
  return out;
}
