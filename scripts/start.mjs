// `npm start`: the desktop app on the built-in demo (or the snapshot given after `--`).
// Electron's binary is downloaded on first use by the electron package; where it cannot be had
// (offline machines, this project's CI), the same UI is served to a browser instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const args = process.argv.slice(2);

function electronBinary() {
  try {
    const bin = require('electron');
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function run(cmd, argv) {
  const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = process.env.PROXYSCOPE_NO_ELECTRON ? null : electronBinary();
if (electron) {
  run(electron, [root, ...args]);
} else {
  console.log('Electron is not available on this machine (its binary could not be downloaded);');
  console.log('serving the same UI to your browser instead. Open the URL below.');
  const snapshot = args.length > 0 ? ['--snapshot', args[0]] : [];
  run(process.execPath, [join(root, 'bin/proxyscope.js'), 'serve', ...snapshot]);
}
