import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IptBackend, IptChain, IptMatch, IptOption, IptRule, IptTable, IptValue, IptablesDump } from '../../../../core/common/model/iptables';
import { printIptablesSave } from '../../../../core/common/parse/iptablesPrint';
import { parseIptablesSave } from '../../../../core/common/parse/iptablesSave';

const CORPUS = join(__dirname, '../../../fixtures/corpus/iptables');
const corpusLines = readdirSync(CORPUS)
  .filter((f) => f !== 'README.md')
  .flatMap((f) => readFileSync(join(CORPUS, f), 'utf8').split('\n'));

/** Invariants every parse must keep, whatever the input. */
function expectConsistent(text: string, dump: IptablesDump): void {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  expect(dump.lineCount).toBe(lines.length);
  let rules = 0;
  for (const table of dump.tables.values()) {
    for (const chain of table.chains.values()) {
      for (const r of chain.rules) {
        rules++;
        expect(r.table).toBe(table.name);
        expect(r.chain).toBe(chain.name);
        expect(r.raw).toBe(lines[r.line - 1].replace(/\r$/, ''));
      }
    }
  }
  expect(dump.ruleCount).toBe(rules);
  for (const m of dump.malformed) {
    expect(m.reason).not.toMatch(/internal/);
    expect(m.line).toBeGreaterThanOrEqual(1);
    expect(m.line).toBeLessThanOrEqual(lines.length);
  }
}

// Damage seen in pasted dumps: lines cut short, stray quotes/backslashes/`!`, CRLF.
const corpusLine = fc.constantFrom(...corpusLines);
const damagedLine = fc.oneof(
  corpusLine,
  fc.tuple(corpusLine, fc.nat()).map(([l, n]) => l.slice(0, n % (l.length + 1))),
  fc.tuple(corpusLine, fc.nat(), fc.constantFrom('"', '\\', '!', ' ! ', '\t', '[', ':', '*', ' -m', ' -j', ' --', '"a b"', '\r')).map(
    ([l, n, ins]) => l.slice(0, n % (l.length + 1)) + ins + l.slice(n % (l.length + 1)),
  ),
  fc.string({ maxLength: 40 }),
);

describe('parseIptablesSave never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expectConsistent(text, parseIptablesSave(text));
      }),
      { numRuns: 500 },
    );
  });

  it('on soups of real, cut and damaged dump lines', () => {
    fc.assert(
      fc.property(fc.array(damagedLine, { maxLength: 60 }), fc.constantFrom('\n', '\r\n'), fc.option(fc.constantFrom('nat', 'filter')), (lines, eol, defaultTable) => {
        const text = lines.join(eol);
        expectConsistent(text, parseIptablesSave(text, defaultTable === null ? undefined : { defaultTable }));
      }),
      { numRuns: 500 },
    );
  });

  it('on soups of real lines, and printing then parsing again gives the same rules', () => {
    fc.assert(
      fc.property(fc.array(corpusLine, { maxLength: 60 }), (lines) => {
        const once = parseIptablesSave(lines.join('\n'), { defaultTable: 'nat' });
        const twice = parseIptablesSave(printIptablesSave(once));
        expect(twice.malformed).toEqual([]);
        expect(semanticDump(twice)).toEqual(semanticDump(once));
      }),
      { numRuns: 300 },
    );
  });
});

// ---- print -> parse round trip on generated dumps ----

/** A dump without line numbers and raw text: what printing must preserve. */
function semanticDump(d: IptablesDump) {
  return [...d.tables.values()].map((t) => ({
    name: t.name,
    chains: [...t.chains.values()].map((c) => ({
      name: c.name,
      policy: c.policy,
      counters: c.counters ?? { packets: 0, bytes: 0 },
      rules: c.rules.map((r) => ({
        chain: r.chain,
        counters: r.counters,
        source: r.source,
        destination: r.destination,
        protocol: r.protocol,
        inInterface: r.inInterface,
        outInterface: r.outInterface,
        matches: r.matches,
        comment: r.comment,
        target: r.target,
        goto: r.goto,
        targetOptions: r.targetOptions,
      })),
    })),
  }));
}

// Any text that fits on one line: quotes, backslashes, spaces, `!`, leading dashes, unicode.
const anyWord = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', ' ', '!', '-', "'", '\t', ':', '/'), fc.string({ minLength: 1, maxLength: 1 }), fc.constantFrom('é', '→')), maxLength: 24 });
const chainName = fc.stringMatching(/^[A-Z][A-Z0-9_-]{0,20}$/);
const counters = fc.record({ packets: fc.nat(), bytes: fc.nat() });
const value: fc.Arbitrary<IptValue> = fc.record({ value: anyWord, negated: fc.boolean() });
// Prefixed so they can never be a generic parameter or a free-text option like --comment.
const option: fc.Arbitrary<IptOption> = fc.record({
  name: fc.stringMatching(/^--x-[a-z0-9-]{0,10}$/),
  negated: fc.boolean(),
  values: fc.array(anyWord, { maxLength: 3 }),
});
const match: fc.Arbitrary<IptMatch> = fc.oneof(
  fc.record({ module: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), options: fc.array(option, { maxLength: 3 }) }),
  anyWord.map((c) => ({ module: 'comment', options: [{ name: '--comment', negated: false, values: [c] }] })),
);

const rule: fc.Arbitrary<Omit<IptRule, 'table' | 'chain' | 'line' | 'raw'>> = fc
  .record({
    counters: fc.option(counters, { nil: undefined }),
    source: fc.option(value, { nil: undefined }),
    destination: fc.option(value, { nil: undefined }),
    protocol: fc.option(value, { nil: undefined }),
    inInterface: fc.option(value, { nil: undefined }),
    outInterface: fc.option(value, { nil: undefined }),
    matches: fc.array(match, { maxLength: 4 }),
    target: fc.option(chainName, { nil: undefined }),
    goto: fc.boolean(),
    targetOptions: fc.array(option, { maxLength: 3 }),
  })
  .map((r) => ({
    ...r,
    goto: r.target !== undefined && r.goto,
    targetOptions: r.target === undefined ? [] : r.targetOptions,
    comment: r.matches.find((m) => m.module === 'comment' && m.options.some((o) => o.name === '--comment'))?.options.find((o) => o.name === '--comment')?.values[0],
  }));

const chain = fc.record({ name: chainName, policy: fc.option(fc.constantFrom('ACCEPT', 'DROP'), { nil: null }), counters: fc.option(counters, { nil: undefined }), rules: fc.array(rule, { maxLength: 5 }) });

const generator = fc.option(
  fc.constantFrom<{ tool: string; backend: IptBackend }>(
    { tool: 'iptables-save', backend: 'nf_tables' },
    { tool: 'iptables-save', backend: 'legacy' },
    { tool: 'ip6tables-save', backend: 'nf_tables' },
    { tool: 'xtables-save', backend: 'nf_tables' },
  ),
  { nil: undefined },
);

const dump: fc.Arbitrary<IptablesDump> = fc
  .record({
    tables: fc.uniqueArray(fc.record({ name: fc.constantFrom('filter', 'nat', 'mangle', 'raw'), chains: fc.uniqueArray(chain, { selector: (c) => c.name, maxLength: 5 }) }), { selector: (t) => t.name, maxLength: 3 }),
    generator,
    warning: fc.boolean(),
  })
  .map(({ tables, generator: g, warning }) => {
    const out: IptablesDump = { family: 4, tables: new Map(), ruleCount: 0, lineCount: 0, malformed: [] };
    if (g) out.generator = { ...g, version: '1.8.9', line: 1 };
    if (warning) out.legacyTablesWarning = { line: 1, raw: '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them' };
    for (const t of tables) {
      const table: IptTable = { name: t.name, line: 0, chains: new Map(), committed: true };
      for (const c of t.chains) {
        const ch: IptChain = { name: c.name, policy: c.policy, counters: c.counters, line: 0, rules: [] };
        ch.rules = c.rules.map((r) => ({ ...r, table: t.name, chain: c.name, line: 0, raw: '' }));
        out.ruleCount += ch.rules.length;
        table.chains.set(c.name, ch);
      }
      out.tables.set(t.name, table);
    }
    return out;
  });

describe('printIptablesSave', () => {
  it('prints dumps that parse back to the same tables, chains and rules', () => {
    fc.assert(
      fc.property(dump, (d) => {
        const parsed = parseIptablesSave(printIptablesSave(d));
        expect(parsed.malformed).toEqual([]);
        expect(semanticDump(parsed)).toEqual(semanticDump(d));
        expect(parsed.ruleCount).toBe(d.ruleCount);
        expect(parsed.generator && { tool: parsed.generator.tool, backend: parsed.generator.backend }).toEqual(d.generator && { tool: d.generator.tool, backend: d.generator.backend });
        expect(parsed.legacyTablesWarning !== undefined).toBe(d.legacyTablesWarning !== undefined);
        for (const t of parsed.tables.values()) expect(t.committed).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('quotes a comment only when it has to, escaping quotes and backslashes', () => {
    const d = parseIptablesSave('*nat\n-A X -m comment --comment ns1/svc1:p80 -m comment --comment "a \\"b\\" \\\\c" -j Y\nCOMMIT\n');
    expect(printIptablesSave(d)).toContain('-A X -m comment --comment ns1/svc1:p80 -m comment --comment "a \\"b\\" \\\\c" -j Y');
  });
});
