import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { NODE_COMMANDS, WATCH_SCRIPT } from '../../../core/node/collect/commands';
import type { FakeNodeHost, KubeObject } from './fakePods';

// pods/exec for the fixture API server: the WebSocket upgrade with the channel protocol
// (v5.channel.k8s.io or v4.channel.k8s.io, chosen from what the client offers; byte 1 stdout,
// 2 stderr, 3 the final metav1.Status, stdin 0), authorised like any request (bearer token,
// scripted 403 naming `create` on pods/exec). The fixture "runs" the command by reading the argv
// the client sent, refusing anything that is not the debug pod's exact wrapper around an
// allowlisted command, and answering with the pod's node's fixture output for that program;
// a program the node lacks exits 127 with GNU timeout's message. A hanging program stays open
// until the client closes the stream, which is recorded (stdin EOF is what stops it on a node).
// With tty=true it is the debug-pod terminal (core/node/terminal/podTerminal.ts): only the exact
// nsenter login-shell argv is served, by a REAL local /bin/sh with piped stdin/stdout (no pty
// here, so no echo and no prompt; stderr folded into stdout as a tty does), stdin from channel 0,
// every resize message (channel 4) recorded, the exit code on channel 3; a client that closes
// the stream kills the shell.

export interface ExecLog {
  namespace: string;
  pod: string;
  node?: string;
  argv: string[];
  protocol: string;
  /** What happened: ran to an exit code, refused (argv not allowlisted), or closed by the client while running. */
  outcome: 'exit' | 'refused' | 'closed-by-client';
  exitCode?: number;
  refusal?: string;
  /** tty=true: an interactive shell session. */
  tty?: boolean;
  /** Resize messages (channel 4) as the client sent them. */
  resizes?: unknown[];
  /** What arrived on stdin (channel 0), for tty sessions. */
  stdin?: string;
}

export interface ExecDeps {
  authorized(req: IncomingMessage): boolean;
  /** A scripted fault for this path ('forbidden' answers 403). */
  forbidden(path: string): boolean;
  forbiddenBody(path: string): unknown;
  findPod(namespace: string, name: string): KubeObject | undefined;
  hosts: Map<string, FakeNodeHost>;
  execs: ExecLog[];
  log(method: string, path: string, status: number): void;
}

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CHUNK = 64 * 1024;

/** The debug pod's wrapper, written out here on purpose (not imported): a change on the client side must show up as a refusal. */
const PREFIX = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh', '-c', WATCH_SCRIPT, 'proxyscope', 'env', 'LC_ALL=C', 'timeout', '-k', '5'];

/** The debug-pod terminal's shell, written out here for the same reason as PREFIX. */
export const TTY_SHELL = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', '/bin/sh', '-l'];

/** The allowlisted argv inside the wrapper, or why it is refused. */
export function allowlistedTail(argv: string[]): { tail: string[] } | { refusal: string } {
  for (let i = 0; i < PREFIX.length; i++) if (argv[i] !== PREFIX[i]) return { refusal: `argv[${i}] is ${JSON.stringify(argv[i])}, expected ${JSON.stringify(PREFIX[i])}` };
  const t = argv[PREFIX.length];
  if (!/^[1-9]\d{0,4}$/.test(t ?? '') || Number(t) > 86_400) return { refusal: `timeout ${JSON.stringify(t)} is not 1..86400` };
  const tail = argv.slice(PREFIX.length + 1);
  const ok = NODE_COMMANDS.some((c) => c.variants.some((v) => v.length === tail.length && v.every((w, i) => w === tail[i])));
  return ok ? { tail } : { refusal: `not an allowlisted command: ${JSON.stringify(tail)}` };
}

function statusFrame(code: number, argv: string[]): Buffer {
  const st =
    code === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {},
          status: 'Failure',
          message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
        };
  return Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(st))]);
}

function rawResponse(socket: Duplex, code: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

export function attachExec(server: Server, deps: ExecDeps): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  const open = new Set<WebSocket>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const m = EXEC_PATH.exec(url.pathname);
    const fail = (code: number, reason: string, body: unknown): void => {
      deps.log('GET', url.pathname, code);
      rawResponse(socket, code, reason, body);
    };
    if (!m) return fail(404, 'Not Found', { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    if (!deps.authorized(req)) return fail(401, 'Unauthorized', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    if (deps.forbidden(url.pathname)) return fail(403, 'Forbidden', deps.forbiddenBody(url.pathname));
    const ns = decodeURIComponent(m[1]);
    const name = decodeURIComponent(m[2]);
    const pod = deps.findPod(ns, name);
    if (!pod) return fail(404, 'Not Found', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `pods "${name}" not found`, reason: 'NotFound', code: 404 });
    if ((pod.status as { phase?: string } | undefined)?.phase !== 'Running') {
      return fail(400, 'Bad Request', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `pod ${name} is not running`, reason: 'BadRequest', code: 400 });
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!PROTOCOLS.some((p) => offered.includes(p))) return fail(400, 'Bad Request', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'only v4/v5.channel.k8s.io are served', code: 400 });
    deps.log('GET', url.pathname, 101);
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.add(ws);
      ws.on('close', () => open.delete(ws));
      run(ws, url, ns, name, pod);
    });
  };

  const run = (ws: WebSocket, url: URL, ns: string, name: string, pod: KubeObject): void => {
    const argv = url.searchParams.getAll('command');
    const node = pod.spec?.nodeName;
    const entry: ExecLog = { namespace: ns, pod: name, ...(node ? { node } : {}), argv, protocol: ws.protocol, outcome: 'exit' };
    deps.execs.push(entry);
    const send = (channel: number, text: string): void => {
      const data = Buffer.from(text);
      for (let i = 0; i < data.length || i === 0; i += CHUNK) ws.send(Buffer.concat([Buffer.from([channel]), data.subarray(i, i + CHUNK)]));
    };
    const exit = (code: number): void => {
      entry.exitCode = code;
      ws.send(statusFrame(code, argv));
      ws.close(1000);
    };
    if (url.searchParams.get('tty') === 'true') return shell(ws, url, entry, send, exit);
    const checked = allowlistedTail(argv);
    if (url.searchParams.get('container') !== 'proxyscope' || url.searchParams.get('stdin') !== 'true') {
      entry.outcome = 'refused';
      entry.refusal = 'container must be proxyscope and stdin open (the node-side watcher reads it)';
      send(2, `fixture: ${entry.refusal}\n`);
      return exit(126);
    }
    if ('refusal' in checked) {
      entry.outcome = 'refused';
      entry.refusal = checked.refusal;
      send(2, `fixture: refused: ${checked.refusal}\n`);
      return exit(126);
    }
    const program = checked.tail[0];
    const programs = deps.hosts.get(node ?? '')?.programs ?? {};
    const prog = programs[checked.tail.join(' ')] ?? programs[program];
    if (!prog) {
      send(2, `timeout: failed to run command '${program}': No such file or directory\n`);
      return exit(127);
    }
    if (prog.hang) {
      ws.on('close', () => {
        if (entry.exitCode === undefined) entry.outcome = 'closed-by-client';
      });
      return;
    }
    if (prog.stdout) send(1, prog.stdout);
    if (prog.stderr) send(2, prog.stderr);
    exit(prog.exitCode ?? 0);
  };

  const shell = (ws: WebSocket, url: URL, entry: ExecLog, send: (channel: number, text: string) => void, exit: (code: number) => void): void => {
    entry.tty = true;
    entry.resizes = [];
    entry.stdin = '';
    const q = url.searchParams;
    const argvOk = entry.argv.length === TTY_SHELL.length && entry.argv.every((a, i) => a === TTY_SHELL[i]);
    if (q.get('container') !== 'proxyscope' || q.get('stdin') !== 'true' || q.get('stdout') !== 'true' || !argvOk) {
      entry.outcome = 'refused';
      entry.refusal = argvOk ? 'a tty session needs container proxyscope with stdin and stdout' : `not the terminal shell: ${JSON.stringify(entry.argv)}`;
      send(1, `fixture: refused: ${entry.refusal}\r\n`);
      return exit(126);
    }
    const child = spawn('/bin/sh', [], { cwd: tmpdir(), env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = (c: Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([1]), c]));
    };
    child.stdout.on('data', out);
    child.stderr.on('data', out);
    child.stdin.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const payload = data.subarray(1);
      if (data[0] === 0) {
        entry.stdin += payload.toString('utf8');
        child.stdin.write(payload);
      } else if (data[0] === 4) {
        try {
          entry.resizes?.push(JSON.parse(payload.toString('utf8')));
        } catch {
          entry.resizes?.push({ invalid: payload.toString('utf8') });
        }
      } else if (data[0] === 255) {
        child.stdin.end();
      }
    });
    let exited = false;
    child.on('close', (code, signal) => {
      exited = true;
      if (ws.readyState === ws.OPEN) exit(code ?? (signal ? 128 + 9 : 1));
    });
    ws.on('close', () => {
      if (exited) return;
      entry.outcome = 'closed-by-client';
      child.kill('SIGKILL');
    });
  };

  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const ws of open) ws.terminate();
    wss.close();
  };
}
