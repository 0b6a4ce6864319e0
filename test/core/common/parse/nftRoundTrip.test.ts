import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NftRuleset } from '../../../../core/common/model/nft';
import { parseNftJson } from '../../../../core/common/parse/nftJson';
import { parseNftText } from '../../../../core/common/parse/nftText';
import { describeWithTools } from '../../../helpers/requireTool';

// The three forms of one kube-proxy table (the `nft -f` transaction kube-proxy writes, `nft list`
// output and `nft -j` output) must parse to the same data plane: chains with hooks and
// priorities, rule verdicts, vmaps, numgen arms, dnat targets, set references and updates, and
// map elements with their keys, verdicts and comments. Only what nft itself re-renders is left
// out: chain/table comments (nft 1.0.6 JSON drops them), set flags (JSON drops `dynamic`),
// policies and sizes (only in listings).

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/corpus/nftables');
const read = (file: string): string => readFileSync(join(corpus, file), 'utf8');

/** The data plane of a ruleset in a form that compares across the three syntaxes. */
function dataPlane(rs: NftRuleset): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of rs.tables) {
    const at = `${t.family} ${t.name}`;
    for (const c of t.chains.values()) {
      out[`${at} chain ${c.name}`] = {
        type: c.type,
        hook: c.hook,
        priority: c.priority,
        rules: c.rules.map((r) => ({
          verdict: r.verdict,
          comment: r.comment,
          matches: r.matches.map((m) => [m.left, m.op, m.set, m.values]),
          vmap: r.vmap && { key: r.vmap.key, map: r.vmap.map, entries: r.vmap.entries?.map((e) => [e.key, e.verdict]) },
          numgen: r.numgen,
          dnat: r.dnat && [r.dnat.addr, r.dnat.port],
          masquerade: r.masquerade,
          setRefs: r.setRefs,
          setUpdates: r.setUpdates,
        })),
      };
    }
    for (const s of [...t.sets.values(), ...t.maps.values()]) {
      out[`${at} ${s.kind} ${s.name}`] = {
        type: s.type,
        timeout: s.timeout,
        comment: s.comment,
        // nft lists elements in its own order
        elements: s.elements.map((e) => JSON.stringify([e.key, e.verdict, e.value, e.comment])).sort(),
      };
    }
  }
  return out;
}

/**
 * The upstream fixture is sorted by object and adds rules that jump to chains declared further
 * down, which `nft -f` rejects. Declarations first, then rules, then elements (file order kept
 * inside each group) is what kube-proxy itself sends.
 */
function loadable(transaction: string): string {
  const lines = transaction.split('\n');
  const pick = (re: RegExp): string[] => lines.filter((l) => re.test(l));
  return [...pick(/^add table /), ...pick(/^add (chain|set|map) /), ...pick(/^add rule /), ...pick(/^add element /)].join('\n') + '\n';
}

function nftInNetns(input: string, listArgs: string[]): string {
  return execFileSync('unshare', ['-rn', 'sh', '-c', 'nft -f - && exec nft "$@" list ruleset', 'sh', ...listArgs], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 30_000,
  });
}

const fixtures = [
  {
    name: 'TestOverallNFTablesRules (IPv4)',
    transaction: 'k8s-test-overall-nft-transaction.nft',
    list: 'derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft',
    json: 'derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json',
    // spot checks that the comparison is not vacuous
    chains: 32, elements: 24, numgen: 5, dnat: 6,
  },
  {
    name: 'knftables IPv6 example',
    transaction: 'knftables-fake-test-kube-proxy-ipv6-transaction.nft',
    list: 'derived-nft-1.0.6-a-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.nft',
    json: 'derived-nft-1.0.6-j-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.json',
    chains: 20, elements: 5, numgen: 1, dnat: 2,
  },
];

function counts(rs: NftRuleset): { chains: number; elements: number; numgen: number; dnat: number } {
  let chains = 0;
  let numgen = 0;
  let dnat = 0;
  for (const t of rs.tables) {
    for (const c of t.chains.values()) {
      chains++;
      for (const r of c.rules) {
        if (r.numgen) numgen++;
        if (r.dnat) dnat++;
      }
    }
  }
  return { chains, elements: rs.elementCount, numgen, dnat };
}

describe('one kube-proxy table in three syntaxes (captured nft 1.0.6 output)', () => {
  it.each(fixtures)('$name: transaction, nft -a list and nft -j parse to the same data plane', ({ transaction, list, json, chains, elements, numgen, dnat }) => {
    const tx = parseNftText(read(transaction));
    const ls = parseNftText(read(list));
    const js = parseNftJson(read(json));
    for (const rs of [tx, ls, js]) expect(rs.malformed).toEqual([]);
    expect([tx.syntax, ls.syntax, js.syntax]).toEqual(['transaction', 'list', 'json']);
    expect(counts(tx)).toEqual({ chains, elements, numgen, dnat });
    expect(dataPlane(ls)).toEqual(dataPlane(tx));
    expect(dataPlane(js)).toEqual(dataPlane(tx));
  });

  it('the listing carries nft handles, the transaction none', () => {
    const ls = parseNftText(read(fixtures[0].list));
    const tx = parseNftText(read(fixtures[0].transaction));
    const handles = (rs: NftRuleset): (number | undefined)[] => [...rs.tables[0].chains.values()].flatMap((c) => c.rules.map((r) => r.handle));
    expect(handles(ls).every((h) => typeof h === 'number')).toBe(true);
    expect(handles(tx).every((h) => h === undefined)).toBe(true);
  });
});

describeWithTools(['nft', 'netns'], 'one kube-proxy table in three syntaxes (live nft in a private network namespace)', () => {
  it.each(fixtures)('$name: nft reads back the transaction as the same data plane, in text and JSON', ({ transaction }) => {
    const input = loadable(read(transaction));
    const listing = nftInNetns(input, ['-a']);
    const json = nftInNetns(input, ['-j']);
    const tx = parseNftText(read(transaction));
    const ls = parseNftText(listing);
    const js = parseNftJson(json);
    expect(ls.malformed).toEqual([]);
    expect(js.malformed).toEqual([]);
    expect(ls.syntax).toBe('list');
    expect(js.syntax).toBe('json');
    expect(dataPlane(ls)).toEqual(dataPlane(tx));
    expect(dataPlane(js)).toEqual(dataPlane(tx));
    // every listed rule has its handle, and the JSON rule with the same handle is the same rule
    const jsByHandle = new Map(js.tables.flatMap((t) => [...t.chains.values()].flatMap((c) => c.rules.map((r) => [r.handle, r] as const))));
    for (const t of ls.tables) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) {
          expect(r.handle).toBeTypeOf('number');
          expect(jsByHandle.get(r.handle)?.chain).toBe(c.name);
          expect(jsByHandle.get(r.handle)?.verdict).toEqual(r.verdict);
        }
      }
    }
  });
});
