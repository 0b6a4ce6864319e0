import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killQuietly } from './processes';

// Other peers for the SSH tests: a TCP listener that accepts and never sends the SSH banner
// (security test plan S9), and a real ssh-agent holding one key.

const run = promisify(execFile);

export interface StallServer {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startStallServer(): Promise<StallServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const srv = createServer((sock) => {
    count++;
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    accepted: () => count,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

export interface Agent {
  socket: string;
  stop(): void;
}

/** `ssh-agent -D -a <dir>/agent.sock`, then `ssh-add` of the given keys. */
export async function startAgent(dir: string, keyPaths: string[]): Promise<Agent> {
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('ssh-agent did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const key of keyPaths) await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  return { socket, stop: () => killQuietly(child.pid!, 'SIGTERM') };
}
