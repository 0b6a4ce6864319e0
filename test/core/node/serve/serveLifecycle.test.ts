import { afterEach, describe, expect, it } from 'vitest';
import { startServe } from '../../../../core/node/serve/startServe';
import type { ServeHandle } from '../../../../core/node/serve/serveTypes';
import { fakeBackend, fakePty, makeStaticDir, nextMessage, openSocket, rawRequest } from './serveKit';

// Terminals with --allow-terminals (a stand-in pty host), start-up errors, and shutdown.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(withPty: boolean) {
  const fx = await makeStaticDir();
  cleanups.push(fx.cleanup);
  const backend = fakeBackend();
  const pty = fakePty();
  const server: ServeHandle = await startServe({
    backend,
    staticDir: fx.staticDir,
    version: '1.0.0',
    ...(withPty ? { ptyHost: pty.factory } : {}),
  });
  cleanups.push(() => server.close());
  const headers = {
    host: `127.0.0.1:${server.port}`,
    cookie: `proxyscope_token=${server.token}`,
    'x-proxyscope-token': server.token,
  };
  const api = async (method: string, arg?: unknown): Promise<unknown> => {
    const r = await rawRequest(server.port, { method: 'POST', path: `/api/${method}`, headers, ...(arg !== undefined ? { body: JSON.stringify(arg) } : {}) });
    expect(r.status).toBe(200);
    return JSON.parse(r.body) as unknown;
  };
  return { fx, backend, pty, server, headers, api };
}

describe('serve with terminals allowed', () => {
  it('reports terminals in appInfo', async () => {
    const { api } = await start(true);
    expect(await api('appInfo')).toMatchObject({ ok: true, value: { runtime: 'browser', terminals: true } });
  });

  it('opens a terminal on the backend target and streams its output to the event socket', async () => {
    const { api, pty, server, headers } = await start(true);
    const ws = await openSocket(server.port, `/api/events?token=${server.token}`, { host: headers.host, cookie: headers.cookie });
    if (ws.kind !== 'open') throw new Error(`refused ${ws.status}`);
    const message = nextMessage(ws.ws);
    expect(await api('openTerminal', { node: 'n1', cols: 80, rows: 24 })).toEqual({ ok: true, value: { terminalId: 't1' } });
    expect(pty.host().opened).toEqual([{ target: { host: '10.0.0.1', port: 22 }, cols: 80, rows: 24 }]);
    expect(await message).toEqual({ type: 'terminal-data', terminalId: 't1', data: 'welcome' });
    expect(await api('terminalInput', { terminalId: 't1', data: 'ls\n' })).toEqual({ ok: true, value: true });
    expect(await api('terminalResize', { terminalId: 't1', cols: 100, rows: 40 })).toEqual({ ok: true, value: true });
    expect(await api('closeTerminal', { terminalId: 't1' })).toEqual({ ok: true, value: true });
    ws.ws.terminate();
  });

  it('passes the backend refusal through when the node has no target', async () => {
    const { api, pty } = await start(true);
    expect(await api('openTerminal', { node: 'unknown', cols: 80, rows: 24 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(pty.host().opened).toEqual([]);
  });
});

describe('serve shutdown', () => {
  it('closes terminals, sockets and the backend, and stops listening', async () => {
    const { backend, pty, server, headers } = await start(true);
    const ws = await openSocket(server.port, `/api/events?token=${server.token}`, { host: headers.host, cookie: headers.cookie });
    if (ws.kind !== 'open') throw new Error(`refused ${ws.status}`);
    const closed = new Promise((done) => ws.ws.once('close', done));
    expect(backend.listeners()).toBe(1);
    await server.close();
    await closed;
    expect(pty.host().closedAll).toBe(1);
    expect(backend.disposed).toBe(1);
    expect(backend.listeners()).toBe(0);
    await expect(rawRequest(server.port, { path: '/', headers })).rejects.toThrow(/ECONNREFUSED/);
    await server.close();
    expect(backend.disposed).toBe(1);
  });

  it('refuses to start without index.html in the static folder', async () => {
    const fx = await makeStaticDir();
    cleanups.push(fx.cleanup);
    await expect(startServe({ backend: fakeBackend(), staticDir: fx.tmp + '/missing', version: '1' })).rejects.toThrow(/no index.html/);
  });
});
