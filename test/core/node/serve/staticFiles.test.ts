import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { injectTokenMeta, resolveStaticFile } from '../../../../core/node/serve/staticFiles';
import { INDEX_HTML, makeStaticDir } from './serveKit';

// Which URL paths name a file of the renderer folder (the HTTP tests cover the same through a
// real server; these name the layer that refuses each one).

let fx: Awaited<ReturnType<typeof makeStaticDir>>;
beforeAll(async () => {
  fx = await makeStaticDir();
});
afterAll(async () => {
  await fx?.cleanup();
});

describe('resolveStaticFile', () => {
  it.each([
    ['/', 'index.html'],
    ['/index.html', 'index.html'],
    ['/assets/app.js', 'assets/app.js'],
    ['/assets/%61pp.js', 'assets/app.js'],
  ])('maps %s to %s', async (path, rel) => {
    expect(await resolveStaticFile(fx.staticDir, path)).toBe(join(fx.staticDir, rel));
  });

  it.each([
    ['a dot-dot segment', '/../package.json'],
    ['an encoded dot-dot segment', '/%2e%2e/package.json'],
    ['an encoded slash after dot-dot', '/assets/..%2F..%2Fsecret.txt'],
    ['a single dot segment', '/./index.html'],
    ['an empty segment', '//index.html'],
    ['a backslash', '/assets%5capp.js'],
    ['a NUL byte', '/index.html%00'],
    ['a malformed escape', '/%zz'],
    ['a path without a leading slash', 'index.html'],
    ['a symlink out of the folder', '/link-out.txt'],
    ['a path through a symlinked folder outside', '/dir-out/secret.txt'],
    ['a folder', '/assets'],
    ['a missing file', '/missing.js'],
  ])('refuses %s (%s)', async (_name, path) => {
    expect(await resolveStaticFile(fx.staticDir, path)).toBeNull();
  });
});

describe('injectTokenMeta', () => {
  it('puts the meta tag first in <head>', () => {
    const out = injectTokenMeta(INDEX_HTML, 'tok_EN-1');
    expect(out).toContain('<head>\n    <meta name="proxyscope-token" content="tok_EN-1" />\n    <meta charset');
  });

  it('prepends the tag when there is no <head>', () => {
    expect(injectTokenMeta('<p>x</p>', 't')).toBe('<meta name="proxyscope-token" content="t" /><p>x</p>');
  });
});
