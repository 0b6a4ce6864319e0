import { describe, expect, it } from 'vitest';
import { checkDumpMalformed } from '../../../../core/common/checks/dumpMalformed';
import type { IptablesDump } from '../../../../core/common/model';

function dump(malformed: number): IptablesDump {
  return {
    family: 4,
    tables: new Map(),
    ruleCount: 0,
    lineCount: 100,
    malformed: Array.from({ length: malformed }, (_, i) => ({ line: i + 1, raw: `garbage ${i}`, reason: 'unknown command' })),
  };
}

describe('checkDumpMalformed', () => {
  it.each([
    { name: 'a clean dump gives no finding', counts: [0], expect: [] as number[] },
    { name: 'one finding per file, citing up to 10 lines', counts: [25, 0, 3], expect: [10, 3] },
  ])('$name', (c) => {
    const files = c.counts.map((n, i) => ({ file: `nodes/n1/f${i}.txt`, name: i === 0 ? 'iptables-save.txt' : 'ip6tables-save.txt', dump: dump(n) }));
    const findings = checkDumpMalformed('n1', files);
    expect(findings.map((f) => f.evidence.length)).toEqual(c.expect);
    for (const f of findings) {
      expect(f).toMatchObject({ check: 'dump-malformed', severity: 'low', node: 'n1' });
      expect(f.evidence[0]).toMatchObject({ node: 'n1', line: 1, raw: 'garbage 0' });
    }
  });
});
