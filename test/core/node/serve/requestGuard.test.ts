import { describe, expect, it } from 'vitest';
import { cookieHasToken, cookieValues, hostAllowed, originAllowed, tokenCookie, tokenMatches } from '../../../../core/node/serve/requestGuard';

describe('hostAllowed (port 8080)', () => {
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['LocalHost:8080', true],
    ['127.0.0.1', false],
    ['localhost', false],
    ['127.0.0.1:80', false],
    ['[::1]:8080', false],
    ['evil.example:8080', false],
    ['127.0.0.1.nip.io:8080', false],
    ['localhost.:8080', false],
    ['127.0.0.1:8080.evil.example', false],
    ['', false],
    [undefined, false],
  ])('%s -> %s', (host, allowed) => {
    expect(hostAllowed(host, 8080)).toBe(allowed);
  });
});

describe('originAllowed (port 8080)', () => {
  it.each([
    [undefined, true],
    ['http://127.0.0.1:8080', true],
    ['http://localhost:8080', true],
    ['null', false],
    ['http://evil.example', false],
    ['https://127.0.0.1:8080', false],
    ['http://127.0.0.1:8081', false],
    ['http://127.0.0.1', false],
    ['http://127.0.0.1:8080/', false],
    ['', false],
  ])('%s -> %s', (origin, allowed) => {
    expect(originAllowed(origin, 8080)).toBe(allowed);
  });
});

describe('token cookie and comparison', () => {
  it.each([
    ['proxyscope_token=abc', ['abc']],
    ['a=1; proxyscope_token=abc; b=2', ['abc']],
    ['proxyscope_token=old; proxyscope_token=new', ['old', 'new']],
    ['xproxyscope_token=abc', []],
    ['proxyscope_token', []],
  ])('reads %s', (cookie, values) => {
    expect(cookieValues({ cookie }, 'proxyscope_token')).toEqual(values);
  });

  it.each([
    ['abc', 'abc', true],
    ['abd', 'abc', false],
    ['ab', 'abc', false],
    ['abcd', 'abc', false],
    [undefined, 'abc', false],
  ])('tokenMatches(%s, %s) -> %s', (candidate, token, match) => {
    expect(tokenMatches(candidate, token)).toBe(match);
  });
});

describe('cookieHasToken', () => {
  const token = 'T'.repeat(43);
  it.each([
    ['its own port-named cookie', `proxyscope_token_8080=${token}`, true],
    ["beside another serve run's cookie (cookies ignore ports)", `proxyscope_token_9090=${'X'.repeat(43)}; proxyscope_token_8080=${token}`, true],
    ['the plain name', `proxyscope_token=${token}`, true],
    ["only another run's token", `proxyscope_token_9090=${'X'.repeat(43)}`, false],
    ['the token under a foreign name', `other_token=${token}; xproxyscope_token=${token}`, false],
    ['no cookie at all', undefined, false],
  ] as const)('accepts %s: %s', (_name, cookie, expected) => {
    expect(cookieHasToken(cookie === undefined ? {} : { cookie }, token)).toBe(expected);
  });

  it('names the cookie after the port, so two runs do not overwrite each other', () => {
    expect(tokenCookie(token, 8080)).toBe(`proxyscope_token_8080=${token}; HttpOnly; SameSite=Strict; Path=/`);
    expect(tokenCookie(token, 9090).split('=')[0]).not.toBe(tokenCookie(token, 8080).split('=')[0]);
  });
});
