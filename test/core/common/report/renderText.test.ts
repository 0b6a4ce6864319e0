import { describe, expect, it } from 'vitest';
import { renderText, table, wrap } from '../../../../core/common/report/renderText';
import { finding, hostileResult, sampleResult } from './sampleResult';

const OWN_SGR = /\u001b\[[0-9;]*m/g;

describe('renderText', () => {
  it('prints no escape sequence at all without colour', () => {
    expect(renderText(hostileResult(), { color: false })).not.toContain('\u001b');
  });

  it('with colour, emits only its own SGR colour codes, never one from the data', () => {
    const text = renderText(hostileResult(), { color: true });
    expect(text).toMatch(OWN_SGR);
    expect(text.replace(OWN_SGR, '')).not.toContain('\u001b');
  });

  it('makes bidi overrides and carriage returns in names visible', () => {
    const text = renderText(sampleResult([finding('high', { node: 'a\u202Eb\rc' })]));
    expect(text).toContain('a<U+202E>b<U+000D>c');
    expect(text).not.toMatch(/[\u202e\r]/);
  });

  it('shows the node table, counts, each finding with evidence and next steps, and limitations', () => {
    const text = renderText(sampleResult([finding('critical')]));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Proxyscope 0.1.0 · snapshot snap.tar.gz · 2025-01-02T03:04:05.000Z');
    expect(lines).toContain('NODE    STATUS    MODE                  RULES  SVC PORTS  BACKENDS  MALFORMED');
    expect(lines).toContain('node-a  analyzed  iptables (nf_tables)    120         12        20          0');
    expect(text).toContain('Findings: 1 critical, 0 high, 0 medium, 0 low, 0 info');
    expect(text).toContain('CRITICAL  Stale backend 10.244.1.9:8080 in shop/web:http on node-a');
    expect(text).toContain('          stale-backend · node node-a · service shop/web:http/tcp · endpoint 10.244.1.9:8080 · pod shop/web-7d9f');
    expect(text).toContain('evidence  nodes/node-a/iptables-save.txt:42\n            -A KUBE-SEP-ABCDEFGHIJKLMNOP');
    expect(text).toContain('next      Check kube-proxy logs on node-a for sync errors.');
    expect(text).toContain('Limitations\n  - node-b has no iptables-save.txt');
  });

  it('says "none" when there are no findings', () => {
    expect(renderText(sampleResult([]))).toContain('Findings: none');
  });

  it('caps info findings and says how many more there are', () => {
    const infos = Array.from({ length: 15 }, (_, i) => finding('info', { title: `info ${i}` }));
    const text = renderText(sampleResult(infos), { maxInfo: 10 });
    expect(text).toContain('info 9');
    expect(text).not.toContain('info 10');
    expect(text).toContain('… 5 more info finding(s)');
  });

  it('caps evidence lines per finding', () => {
    const ev = Array.from({ length: 5 }, (_, i) => ({ node: 'n', file: 'f', line: i + 1, raw: `r${i}` }));
    const text = renderText(sampleResult([finding('high', { evidence: ev })]), { maxEvidence: 2 });
    expect(text).toContain('(+3 more evidence lines)');
    expect(text).not.toContain('r2');
  });
});

describe('text layout helpers', () => {
  const wraps: [string, string, number, string[]][] = [
    ['keeps a short line whole', 'a b c', 20, ['> a b c']],
    ['breaks between words at the width', 'aaa bbb ccc', 9, ['> aaa bbb', '  ccc']],
    ['keeps a word longer than the line whole', 'x'.repeat(30), 10, ['> ' + 'x'.repeat(30)]],
  ];
  it.each(wraps)('wrap %s', (_n, text, width, expected) => {
    expect(wrap(text, width, '> ', '  ')).toEqual(expected);
  });

  it('aligns table columns, numbers to the right', () => {
    expect(table(['A', 'N'], [['xx', '1'], ['y', '22']], [false, true])).toEqual(['A    N', 'xx   1', 'y   22']);
  });
});
