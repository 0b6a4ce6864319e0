#!/usr/bin/env node
// Electronegativity (Doyensec's Electron security linter) over the Electron sources (electron/)
// and the built bundles (out/main, out/preload; built first when missing). Each scan writes a
// SARIF report; any HIGH or MEDIUM finding that security/electronegativity-triage.json does not
// list (rule id + file + reason) fails the run. LOW/INFORMATIONAL findings are printed only.
//
// Uses the package's programmatic entry (the same code `npx electronegativity -i DIR -o F.sarif -r`
// runs), because SARIF carries no severity and the CLI exits 0 whatever it finds. Offline-safe:
// the check that downloads Electron's release list from GitHub (AvailableSecurityFixesGlobalCheck)
// is excluded (keeping Electron current is Dependabot's job, not a code property), and the Electron
// version is taken from node_modules/electron so version-dependent defaults are judged correctly.
// "Could not retrieve updated translations" on stderr is harmless (no network for locale files).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const TRIAGE_FILE = join(ROOT, 'security', 'electronegativity-triage.json');
const BLOCKING = new Set(['HIGH', 'MEDIUM']);
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

// The bundles are scanned together, as one app: the global checks (navigation limits,
// permission handler, CSP) look for app-wide handlers that live in main, not in the preload.
function targets(outDir) {
  const built = join(outDir, 'out');
  for (const part of ['main', 'preload']) cpSync(join(ROOT, 'out', part), join(built, part), { recursive: true });
  return [
    { name: 'sources', dir: join(ROOT, 'electron'), prefix: 'electron' },
    { name: 'built main + preload', dir: built, prefix: 'out' },
  ];
}

function ensureBuilt() {
  if (existsSync(join(ROOT, 'out', 'main', 'index.js')) && existsSync(join(ROOT, 'out', 'preload', 'index.js'))) return;
  console.log('electronegativity: out/main or out/preload missing, running `npx electron-vite build`');
  execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

function loadTriage() {
  const raw = JSON.parse(readFileSync(TRIAGE_FILE, 'utf8'));
  const entries = Array.isArray(raw.entries) ? raw.entries : [];
  for (const e of entries) {
    if (typeof e.rule !== 'string' || typeof e.file !== 'string' || typeof e.reason !== 'string' || e.reason.trim().length < 20) {
      throw new Error(`${relative(ROOT, TRIAGE_FILE)}: every entry needs rule, file and a real reason: ${JSON.stringify(e)}`);
    }
  }
  return entries;
}

/** The SARIF the run wrote (electronegativity writes it with a callback, after run() resolves). */
async function sarifResults(file) {
  for (let i = 0; i < 100; i++) {
    try {
      const sarif = JSON.parse(readFileSync(file, 'utf8'));
      return (sarif.runs ?? []).flatMap((r) => r.results ?? []);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`electronegativity did not write ${file}`);
}

async function main() {
  ensureBuilt();
  const triage = loadTriage();
  const used = new Set();
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const run = require('@doyensec/electronegativity');
  const outDir = mkdtempSync(join(tmpdir(), 'proxyscope-electronegativity-'));
  const blocking = [];
  let total = 0;

  for (const target of targets(outDir)) {
    const output = join(outDir, `${target.name.replace(/\W+/g, '-')}.sarif`);
    const result = await run({
      input: target.dir,
      output,
      isSarif: true,
      isRelative: true,
      customScan: [],
      excludeFromScan: EXCLUDED_CHECKS,
      electronVersionOverride: electronVersion,
    });
    const inSarif = (await sarifResults(output)).length;
    const prefix = target.prefix;
    console.log(`\n== ${target.name} (${prefix}/): ${result.issues.length} findings, ${result.globalChecks + result.atomicChecks} checks, SARIF ${output} (${inSarif} results)`);
    for (const err of result.errors) if (!err.tolerable) console.log(`  parse error in ${err.file}: ${err.message}`);
    for (const issue of result.issues) {
      total++;
      const file = `${prefix}/${String(issue.file).replace(/\\/g, '/')}`;
      const sev = issue.severity.name;
      const where = `${file}:${issue.location.line}:${issue.location.column}`;
      const entry = triage.find((t) => t.rule === issue.id && t.file === file);
      let verdict;
      if (entry) {
        used.add(entry);
        verdict = `triaged: ${entry.reason}`;
      } else if (BLOCKING.has(sev)) {
        verdict = 'UNTRIAGED';
        blocking.push(`${issue.id} ${sev} ${where}: ${issue.description}`);
      } else {
        verdict = 'informational';
      }
      console.log(`  ${sev.padEnd(13)} ${issue.confidence.name.padEnd(9)} ${issue.id.padEnd(40)} ${where}  [${verdict}]`);
    }
  }

  const stale = triage.filter((t) => !used.has(t));
  console.log(`\nelectronegativity: ${total} findings, ${blocking.length} untriaged HIGH/MEDIUM, ${triage.length - stale.length}/${triage.length} triage entries used`);
  for (const t of stale) console.log(`  note: triage entry no longer matches anything: ${t.rule} ${t.file}`);
  if (blocking.length > 0) {
    console.error('\nUntriaged HIGH/MEDIUM findings (fix the code, or add an entry with an honest reason to security/electronegativity-triage.json):');
    for (const b of blocking) console.error(`  ${b}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`electronegativity failed to run: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
