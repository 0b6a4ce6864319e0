import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPassphrases, readHidden } from '../../cli/passphrases';
import { describeWithTools } from '../helpers/requireTool';

describeWithTools(['ssh-keygen'], 'collectPassphrases (scan -i with an encrypted key)', () => {
  let dir: string;
  let encrypted: string;
  let plain: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'proxyscope-passphrase-'));
    encrypted = join(dir, 'id_enc');
    plain = join(dir, 'id_plain');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-f', encrypted]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plain]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const io = (answers: (string | null)[]) => {
    const asked: string[] = [];
    const notes: string[] = [];
    return {
      asked,
      notes,
      io: {
        ask: async (q: string) => {
          asked.push(q);
          return answers.shift() ?? null;
        },
        note: (t: string) => notes.push(t),
      },
    };
  };

  it.each([
    ['asks again after a wrong passphrase and keeps the one that opens the key', ['nope', 'open sesame'], { enc: 'open sesame' }, 2, /Wrong passphrase/],
    ['gives up after three wrong tries and says the key is left out', ['a', 'b', 'c'], {}, 3, /wrong passphrase for .*id_enc; scanning without this key/],
    ['says to use ssh-agent when there is no terminal to ask on', [null], {}, 1, /no terminal to ask for its passphrase; load it into ssh-agent/],
  ] as const)('%s', async (_name, answers, expected, asks, note) => {
    const t = io([...answers]);
    const got = await collectPassphrases([encrypted, plain, join(dir, 'missing')], t.io);
    expect(got).toEqual(Object.fromEntries(Object.entries(expected).map(([, v]) => [encrypted, v])));
    expect(t.asked).toHaveLength(asks);
    expect(t.asked[0]).toBe(`Passphrase for ${encrypted}: `);
    expect(t.notes.join('\n')).toMatch(note);
    // The passphrase never appears in what is printed.
    expect(t.notes.join('\n')).not.toContain('open sesame');
  });

  it('never asks for a key that needs no passphrase', async () => {
    const t = io([]);
    expect(await collectPassphrases([plain, plain], t.io)).toEqual({});
    expect(t.asked).toEqual([]);
  });
});

describe('readHidden', () => {
  const tty = () => {
    const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (on: boolean) => void; raw: boolean[] };
    input.isTTY = true;
    input.raw = [];
    input.setRawMode = (on: boolean) => void input.raw.push(on);
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d) => (printed += String(d)));
    return { input, output, printed: () => printed };
  };

  it.each([
    ['reads a line without echoing it, with backspace', 'se\u007fcret\r', 'scret'],
    ['stops at a newline', 'abc\nrest', 'abc'],
    ['cancels on Ctrl-C', 'ab\u0003', null],
    ['cancels on Ctrl-D', '\u0004', null],
  ] as const)('%s', async (_name, typed, expected) => {
    const t = tty();
    const answer = readHidden(t.input as unknown as NodeJS.ReadStream, t.output, 'Passphrase: ');
    t.input.write(typed);
    expect(await answer).toBe(expected);
    expect(t.printed()).toBe('Passphrase: \n');
    expect(t.input.raw).toEqual([true, false]);
  });

  it('asks nothing when input is not a terminal', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    expect(await readHidden(input as unknown as NodeJS.ReadStream, output, 'Passphrase: ')).toBeNull();
  });
});
