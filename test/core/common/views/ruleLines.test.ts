import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLines, ruleLines, splitLines } from '../../../../core/common/views/ruleLines';

describe('ruleLines', () => {
  it.each([
    { name: 'an empty file has no lines', text: '', want: [] },
    { name: 'a final newline adds no empty line', text: 'a\nb\n', want: ['a', 'b'] },
    { name: 'a file without a final newline keeps its last line', text: 'a\nb', want: ['a', 'b'] },
    { name: 'blank lines inside are kept', text: 'a\n\nb\n', want: ['a', '', 'b'] },
  ])('$name', ({ text, want }) => {
    expect(splitLines(text)).toEqual(want);
    expect(countLines(text)).toBe(want.length);
  });

  it('counts lines exactly as it splits them, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '\n', ' ', 'x') }), (text) => countLines(text) === splitLines(text).length));
  });

  it('shows nft.json one object per line, numbered like the nft JSON parser numbers evidence', () => {
    const doc = { nftables: [{ metainfo: { version: '1' } }, { table: { family: 'ip', name: 'kube-proxy' } }, { chain: { family: 'ip', table: 'kube-proxy', name: 'services' } }] };
    const lines = ruleLines(JSON.stringify(doc), 'nft-json');
    expect(lines).toEqual(doc.nftables.map((o) => JSON.stringify(o)));
  });

  it('shows an nft.json that is not nft JSON as plain lines', () => {
    expect(ruleLines('not json\nat all\n', 'nft-json')).toEqual(['not json', 'at all']);
  });
});
