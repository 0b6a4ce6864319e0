import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { hashPrefix, hashPrefixIs, hashPut, hashPutInt, hashReset, sha256String } from '../../../../core/common/kube/sha256Short';
import { base32Encode } from '../../../../core/common/kube/base32';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('sha256String', () => {
  it.each([
    { input: '', want: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    { input: 'abc', want: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
    {
      input: 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      want: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    },
  ])('matches the FIPS 180 vector for "$input"', ({ input, want }) => {
    expect(hex(sha256String(input))).toBe(want);
  });

  it('agrees with @noble/hashes for any string, including block-boundary lengths and non-ASCII', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 80 })), (s) => {
        expect(hex(sha256String(s))).toBe(hex(sha256(utf8ToBytes(s))));
      }),
      { numRuns: 500 },
    );
    for (let n = 50; n < 140; n++) {
      const s = 'x'.repeat(n);
      expect(hex(sha256String(s))).toBe(hex(sha256(utf8ToBytes(s))));
    }
  });

  it('returns a fresh digest per call', () => {
    const a = sha256String('a');
    sha256String('b');
    expect(hex(a)).toBe(hex(sha256(utf8ToBytes('a'))));
  });
});

describe('base32Encode', () => {
  it.each([
    { input: '', want: '' },
    { input: 'f', want: 'MY======' },
    { input: 'fo', want: 'MZXQ====' },
    { input: 'foo', want: 'MZXW6===' },
    { input: 'foob', want: 'MZXW6YQ=' },
    { input: 'fooba', want: 'MZXW6YTB' },
    { input: 'foobar', want: 'MZXW6YTBOI======' },
  ])('encodes "$input" as RFC 4648 "$want"', ({ input, want }) => {
    expect(base32Encode(utf8ToBytes(input))).toBe(want);
  });

  it('returns prefixes of the full encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(80), (bytes, n) => {
        const full = base32Encode(bytes).replace(/=+$/, '');
        expect(base32Encode(bytes, n)).toBe(full.slice(0, n));
      }),
    );
  });

  it('hashPrefix is base32(sha256(x)) cut to length', () => {
    expect(hashPrefix('default/kubernetes:httpstcp', 16)).toBe('NPX46M4PTMTKRN6Y');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 150 }), fc.string({ unit: 'grapheme', maxLength: 20 })), fc.integer({ min: 0, max: 52 }), (s, n) => {
        expect(hashPrefix(s, n)).toBe(base32Encode(sha256(utf8ToBytes(s))).slice(0, n));
      }),
      { numRuns: 500 },
    );
  });
});

describe('hashPrefixIs (incremental message, compared in place)', () => {
  const check = (parts: (string | number)[], name: string, from: number, chars: number): boolean | null => {
    hashReset();
    for (const p of parts) if (typeof p === 'number') hashPutInt(p); else hashPut(p);
    return hashPrefixIs(name, from, chars);
  };

  it('matches hashPrefix of the concatenated pieces, at any offset and across block boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.nat()), { maxLength: 6 }), fc.integer({ min: 1, max: 48 }), fc.nat(5), (parts, chars, from) => {
        const ascii = parts.map((p) => (typeof p === 'string' ? p.replace(/[^\x00-\x7f]/g, '?') : p));
        const want = hashPrefix(ascii.join(''), chars);
        const pad = 'P'.repeat(from);
        expect(check(ascii, pad + want, from, chars)).toBe(true);
        const flipped = want.slice(0, -1) + (want.endsWith('A') ? 'B' : 'A');
        expect(check(ascii, pad + flipped, from, chars)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('prints integers the way String() does', () => {
    for (const n of [0, 7, 10, 99, 100, 65535, 1234567890]) expect(check(['x', n], hashPrefix(`x${n}`, 16), 0, 16)).toBe(true);
  });

  it('is false for a name too short to hold the prefix', () => {
    expect(check(['abc'], hashPrefix('abc', 16).slice(0, 15), 0, 16)).toBe(false);
  });

  it('answers null for a message that is not ASCII (the caller compares built strings then)', () => {
    expect(check(['ns/ümlaut'], hashPrefix('ns/ümlaut', 16), 0, 16)).toBeNull();
  });
});
