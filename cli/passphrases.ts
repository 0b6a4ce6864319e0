import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { keyProtection, passphraseOpens } from '../core/node/ssh/sshAuth';

// `proxyscope scan -i KEY` with a passphrase-protected key and no ssh-agent: ask for the
// passphrase once, up front, on the terminal without echo (like ssh does), check that it opens the
// key, and hand it to the scan in memory only. Without a terminal nothing is asked: the node then
// reports auth-failed saying a passphrase is needed.

export interface PassphraseIo {
  /** Prompts and reads one line without echo; null when there is no terminal to ask on. */
  ask(question: string): Promise<string | null>;
  note(text: string): void;
}

const TRIES = 3;

/** Passphrases by absolute key path, for the encrypted keys among `files`. */
export async function collectPassphrases(files: readonly string[], io: PassphraseIo): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of files) {
    const path = resolve(file);
    if (path in out) continue;
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch {
      continue; // the scan reports unreadable keys itself
    }
    if (keyProtection(data) !== 'encrypted') continue;
    for (let i = 0; i < TRIES; i++) {
      const answer = await io.ask(`Passphrase for ${path}: `);
      if (answer === null) {
        io.note(`proxyscope: ${path} is encrypted and there is no terminal to ask for its passphrase; load it into ssh-agent instead`);
        break;
      }
      if (passphraseOpens(data, answer)) {
        out[path] = answer;
        break;
      }
      io.note(i < TRIES - 1 ? 'Wrong passphrase, try again.' : `proxyscope: wrong passphrase for ${path}; scanning without this key`);
    }
  }
  return out;
}

/** Reads a line from a TTY in raw mode without echoing it. Ctrl-C or Ctrl-D cancel (null). */
export function readHidden(input: NodeJS.ReadStream, output: NodeJS.WritableStream, question: string): Promise<string | null> {
  if (input.isTTY !== true || typeof input.setRawMode !== 'function') return Promise.resolve(null);
  output.write(question);
  return new Promise((done) => {
    let text = '';
    const finish = (value: string | null): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      done(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish(text);
        if (ch === '\u0003' || ch === '\u0004') return finish(null);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
