import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../../../core/node/serve/startServe';
import type { ServeHandle } from '../../../../core/node/serve/serveTypes';
import { fakeBackend, makeStaticDir, rawRequest, rendererMetaCsp, SESSION, type FakeBackend, type RawRequest } from './serveKit';

// `proxyscope serve` over real loopback HTTP: every refusal of ISSUE5 decision 4 (Host, Origin,
// token cookie + header, size limits, traversal), then the happy paths. Each case changes ONE
// thing from a request that would otherwise succeed.

let fx: Awaited<ReturnType<typeof makeStaticDir>>;
let server: ServeHandle;
let backend: FakeBackend;
let port: number;
let token: string;

beforeAll(async () => {
  fx = await makeStaticDir();
  backend = fakeBackend();
  server = await startServe({ backend, staticDir: fx.staticDir, port: 0, version: '9.9.9' });
  port = server.port;
  token = server.token;
});
afterAll(async () => {
  await server?.close();
  await fx?.cleanup();
});

const host = () => `127.0.0.1:${port}`;
const cookie = () => `proxyscope_token=${token}`;
/** A page request that succeeds. */
const page = (over: Record<string, string | null> = {}, path = '/'): RawRequest => ({
  path,
  headers: { host: host(), cookie: cookie(), ...over },
});
/** An API call that succeeds. */
const call = (over: Record<string, string | null> = {}, path = '/api/openDemo', body?: string): RawRequest => ({
  method: 'POST',
  path,
  headers: { host: host(), cookie: cookie(), 'x-proxyscope-token': token, 'content-type': 'application/json', ...over },
  ...(body !== undefined ? { body } : {}),
});

describe('startServe refuses', () => {
  type Case = [string, number, () => RawRequest];
  const cases: Case[] = [
    // token
    ['a page without the cookie', 401, () => page({ cookie: null })],
    ['a page with a wrong cookie', 401, () => page({ cookie: 'proxyscope_token=' + 'A'.repeat(43) })],
    ['a page with the token under another cookie name', 401, () => page({ cookie: `other=${token}` })],
    ['an asset without the cookie', 401, () => page({ cookie: null }, '/assets/app.js')],
    ['a wrong ?token= in the URL', 401, () => page({ cookie: null }, '/?token=wrong')],
    ['a ?token= that is a prefix of the token', 401, () => page({ cookie: null }, `/?token=${token.slice(0, 20)}`)],
    ['an API call with neither cookie nor header', 401, () => call({ cookie: null, 'x-proxyscope-token': null })],
    ['an API call with the cookie but no header', 401, () => call({ 'x-proxyscope-token': null })],
    ['an API call with the header but no cookie', 401, () => call({ cookie: null })],
    ['an API call with a wrong header', 401, () => call({ 'x-proxyscope-token': token.slice(1) + 'x' })],
    ['an API call with the token only in the query', 401, () => call({ cookie: null, 'x-proxyscope-token': null }, `/api/openDemo?token=${token}`)],
    ['an API call with cookie and query token but no header', 401, () => call({ 'x-proxyscope-token': null }, `/api/openDemo?token=${token}`)],
    // Host (DNS rebinding)
    ['a page for Host evil.example', 403, () => page({ host: `evil.example:${port}` })],
    ['a page for Host 127.0.0.1.nip.io', 403, () => page({ host: `127.0.0.1.nip.io:${port}` })],
    ['a page without a Host header', 403, () => page({ host: null })],
    ['a page for Host 127.0.0.1 on another port', 403, () => page({ host: `127.0.0.1:${port + 1}` })],
    ['a page for Host 127.0.0.1 without a port', 403, () => page({ host: '127.0.0.1' })],
    ['the token URL for a foreign Host', 403, () => page({ host: `evil.example:${port}`, cookie: null }, `/?token=${token}`)],
    ['an API call for Host evil.example', 403, () => call({ host: `evil.example:${port}` })],
    ['an API call for Host 127.0.0.1.nip.io', 403, () => call({ host: `127.0.0.1.nip.io:${port}` })],
    ['an API call without a Host header', 403, () => call({ host: null })],
    // Origin (cross-site requests)
    ['an API call from Origin http://evil.example', 403, () => call({ origin: 'http://evil.example' })],
    ['an API call from Origin null', 403, () => call({ origin: 'null' })],
    ['an API call from our host on another port', 403, () => call({ origin: `http://127.0.0.1:${port + 1}` })],
    ['an API call from https on our port', 403, () => call({ origin: `https://127.0.0.1:${port}` })],
    ['an API call from a look-alike origin', 403, () => call({ origin: `http://127.0.0.1:${port}.evil.example` })],
    ['a page requested from Origin http://evil.example', 403, () => page({ origin: 'http://evil.example' })],
    // routing and bodies
    ['GET on an API path', 405, () => ({ ...call({}, '/api/x'), method: 'GET' })],
    ['GET on a real API method', 405, () => ({ ...call(), method: 'GET' })],
    ['POST on a page', 405, () => ({ ...page(), method: 'POST' })],
    ['an unknown API method', 404, () => call({}, '/api/nope')],
    ['an Object.prototype name as API method', 404, () => call({}, '/api/constructor')],
    ['__proto__ as API method', 404, () => call({}, '/api/__proto__')],
    ['a body that is not JSON', 400, () => call({}, '/api/analysis', '{"sessionId": ')],
    ['a body over 1 MiB (declared)', 413, () => call({}, '/api/analysis', JSON.stringify({ sessionId: 'x'.repeat(1024 * 1024) }))],
    ['a chunked body over 1 MiB', 413, () => ({ ...call({}, '/api/analysis', JSON.stringify({ sessionId: 'x'.repeat(1024 * 1024) })), chunked: true })],
    // static files: traversal and things that are not files of the folder
    ['/../package.json', 404, () => page({}, '/../package.json')],
    ['/../secret.txt', 404, () => page({}, '/../secret.txt')],
    ['/%2e%2e/package.json', 404, () => page({}, '/%2e%2e/package.json')],
    ['/%2E%2E%2Fpackage.json', 404, () => page({}, '/%2E%2E%2Fpackage.json')],
    ['/assets/..%2f..%2fsecret.txt', 404, () => page({}, '/assets/..%2f..%2fsecret.txt')],
    ['/..%5csecret.txt (encoded backslash)', 404, () => page({}, '/..%5csecret.txt')],
    ['/%5c..%5cpackage.json', 404, () => page({}, '/%5c..%5cpackage.json')],
    ['/assets%5c..%5c..%5csecret.txt', 404, () => page({}, '/assets%5c..%5c..%5csecret.txt')],
    ['//etc/passwd', 404, () => page({}, '//etc/passwd')],
    ['/%2fetc%2fpasswd', 404, () => page({}, '/%2fetc%2fpasswd')],
    ['a symlink to a file outside the folder', 404, () => page({}, '/link-out.txt')],
    ['a file under a symlink to a folder outside', 404, () => page({}, '/dir-out/secret.txt')],
    ['a NUL byte in the path', 404, () => page({}, '/index.html%00.js')],
    ['a malformed percent escape', 404, () => page({}, '/%E0%A4%A')],
    ['a folder', 404, () => page({}, '/empty')],
    ['a file that does not exist', 404, () => page({}, '/nope.js')],
  ];

  it.each(cases)('%s (status %i)', async (_name, status, make) => {
    const r = await rawRequest(port, make());
    expect(r.status).toBe(status);
    expect(r.body).not.toContain('SECRET');
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(backend.calls).toEqual([]);
  });
});

describe('startServe answers', () => {
  it('binds 127.0.0.1 only: another loopback address is refused', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    await expect(rawRequest(port, { ...page(), address: '127.0.0.2' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('makes a 43-character base64url token', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('turns the printed URL into an HttpOnly, SameSite=Strict cookie and redirects to /', async () => {
    const r = await rawRequest(port, page({ cookie: null }, `/?token=${token}`));
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(r.headers['set-cookie']).toEqual([`proxyscope_token_${port}=${token}; HttpOnly; SameSite=Strict; Path=/`]);
  });

  it.each([['127.0.0.1'], ['localhost'], ['LOCALHOST']])('serves index.html for Host %s with the token meta tag', async (name) => {
    const r = await rawRequest(port, page({ host: `${name}:${port}` }));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain(`<meta name="proxyscope-token" content="${token}" />`);
    expect(r.body.indexOf('proxyscope-token')).toBeLessThan(r.body.indexOf('</head>'));
  });

  it('sends the security headers, with the CSP of renderer/index.html', async () => {
    const r = await rawRequest(port, page());
    const csp = await rendererMetaCsp();
    // The meta tag cannot carry frame-ancestors (browsers ignore it there); the header adds it.
    expect(r.headers['content-security-policy']).toBe(`${csp}; frame-ancestors 'none'`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });

  it.each([['a refusal', () => page({ cookie: null })], ['an API answer', () => call({}, '/api/appInfo')], ['a 404', () => page({}, '/nope')]] as const)(
    'sends nosniff and no-store on %s too',
    async (_name, req) => {
      const r = await rawRequest(port, req());
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['cache-control']).toBe('no-store');
    },
  );

  it('serves an asset with its content type, and HEAD without a body', async () => {
    const r = await rawRequest(port, page({}, '/assets/app.js'));
    expect([r.status, r.headers['content-type'], r.body]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log("app");\n']);
    const h = await rawRequest(port, { ...page({}, '/assets/app.js'), method: 'HEAD' });
    expect([h.status, h.body]).toEqual([200, '']);
  });

  it('accepts an API call from our own Origin and passes an empty body as no argument', async () => {
    const r = await rawRequest(port, call({ origin: `http://localhost:${port}` }));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: SESSION });
    expect(backend.calls.splice(0)).toEqual([{ method: 'openDemo', arg: undefined }]);
  });

  it('answers an argument that fails its schema with bad-request (status 200)', async () => {
    const r = await rawRequest(port, call({}, '/api/analysis', JSON.stringify({ sessionId: 's1', extra: 1 })));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(backend.calls).toEqual([]);
  });

  it('accepts an importSnapshot body over 1 MiB', async () => {
    const dataBase64 = 'A'.repeat(2 * 1024 * 1024);
    const r = await rawRequest(port, call({}, '/api/importSnapshot', JSON.stringify({ fileName: 'big.tar.gz', dataBase64 })));
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { source: 'big.tar.gz' } });
    expect(backend.calls.splice(0)).toEqual([{ method: 'importSnapshot', arg: { fileName: 'big.tar.gz', bytes: dataBase64.length } }]);
  });

  it('reports a browser runtime without terminals or native dialogs', async () => {
    const r = await rawRequest(port, call({}, '/api/appInfo'));
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: { version: '9.9.9', runtime: 'browser', terminals: false, nativeDialogs: false } });
  });

  type Refused = [string, string, unknown];
  const refused: Refused[] = [
    ['openSnapshotDialog', 'unsupported', undefined],
    ['saveFileDialog', 'unsupported', { file: { fileName: 'a.html', mime: 'text/html', data: 'x', encoding: 'utf8' } }],
    ['exportPdf', 'unsupported', { sessionId: 's1' }],
    ['openExternal', 'unsupported', { url: 'https://example.com/' }],
    // The browser version never stores a key passphrase, so there is none to forget.
    ['forgetPassphrase', 'unsupported', { identityFile: '/home/u/.ssh/id_ed25519' }],
    ['openTerminal', 'forbidden', { node: 'n1', cols: 80, rows: 24 }],
    ['terminalInput', 'forbidden', { terminalId: 't1', data: 'ls\n' }],
    ['terminalResize', 'forbidden', { terminalId: 't1', cols: 100, rows: 30 }],
    ['closeTerminal', 'forbidden', { terminalId: 't1' }],
  ];
  it.each(refused)('answers %s with %s (as a value, status 200)', async (method, code, arg) => {
    const r = await rawRequest(port, call({}, `/api/${method}`, arg === undefined ? undefined : JSON.stringify(arg)));
    expect(r.status).toBe(200);
    const result = JSON.parse(r.body) as { ok: boolean; error: { code: string; message: string } };
    expect(result).toMatchObject({ ok: false, error: { code } });
    if (code === 'forbidden') expect(result.error.message).toContain('--allow-terminals');
  });
});

describe('startServe body limits', () => {
  it('answers 413 from the declared Content-Length before the body is sent', async () => {
    const status = await new Promise<number>((done, failed) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/analysis',
          agent: false,
          headers: { host: host(), cookie: cookie(), 'x-proxyscope-token': token, 'content-length': String(2 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', failed);
      // A few bytes of the promised 2 MiB, and the request is never finished: only a server that
      // trusts the declared length answers.
      req.write('{"sessionId":"');
    });
    expect(status).toBe(413);
    expect(backend.calls).toEqual([]);
  }, 15_000);
});
