import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

// Packaging config checked without an Electron binary: electron-builder.yml against
// app-builder-lib's own JSON schema (with the validator app-builder-lib uses), the fuse hook,
// the icons, the release workflow, and the electron-vite output package.json points at.

const ROOT = join(__dirname, '..', '..', '..');
const require = createRequire(__filename);
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
type Cfg = Record<string, unknown> & {
  files: string[];
  linux: { target: string[]; category: string; icon: string };
  mac: { target: string[] };
  win: { target: string[] };
  extraResources: { from: string; to: string }[];
  asarUnpack: string[];
};
const config = yaml.load(read('electron-builder.yml')) as Cfg;

// Parsed once: app-builder-lib caches the compiled validator per schema object (compiling takes seconds).
let schema: unknown;
function validate(cfg: unknown): void {
  const { validateSchema } = require('app-builder-lib/out/util/config/schemaValidator.js') as {
    validateSchema(schema: unknown, data: unknown, opts: { name: string }): void;
  };
  schema ??= JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
  validateSchema(schema, cfg, { name: 'electron-builder.yml' });
}

describe('electron-builder.yml', () => {
  it('matches app-builder-lib scheme.json', () => {
    expect(() => validate(structuredClone(config))).not.toThrow();
  });

  it('fails that schema when a field is wrong (the check can fail)', () => {
    expect(() => validate({ ...structuredClone(config), asar: 'maybe' })).toThrow(/asar/);
    expect(() => validate({ ...structuredClone(config), linux: { ...config.linux, notAnOption: true } })).toThrow(/linux/);
  });

  it.each([
    ['appId', 'io.proxyscope.app'],
    ['productName', 'Proxyscope'],
    ['asar', true],
    ['npmRebuild', false],
    ['afterPack', 'scripts/after-pack-fuses.cjs'],
  ])('sets %s to %j', (key, value) => {
    expect(config[key]).toEqual(value);
  });

  it('packs only the build output and package.json, without sources or maps', () => {
    expect((config.directories as { output: string }).output).toBe('release');
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json', '!**/*.map']));
    expect(config.files.some((f) => /^(electron|core|renderer|cli|test)\//.test(f))).toBe(false);
  });

  it('ships the demo snapshot as a resource and unpacks node-pty', () => {
    expect(config.extraResources).toEqual([{ from: 'assets/demo', to: 'demo' }]);
    expect(existsSync(join(ROOT, 'assets/demo/cluster.json'))).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/node-pty/**']));
  });

  it('builds AppImage, deb and rpm on Linux, dmg on macOS and nsis on Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb', 'rpm']);
    expect(config.linux.category).toMatch(/Network/);
    expect(config.linux.category).toMatch(/System/);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(existsSync(join(ROOT, config.linux.icon))).toBe(true);
  });
});

describe('build output', () => {
  const pkg = JSON.parse(read('package.json')) as { main: string };

  it('package.json main is the electron-vite main bundle, and the build produced it', () => {
    expect(pkg.main).toBe('out/main/index.js');
    expect(existsSync(join(ROOT, pkg.main))).toBe(true);
  });

  it('the preload bundle is CommonJS with electron external and no ES module syntax', () => {
    const preload = read('out/preload/index.js');
    expect(preload).toContain('require("electron")');
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    expect(preload).toContain('exposeInMainWorld("proxyscope"');
  });

  it('the main bundle loads electron and node-pty at run time instead of bundling them', () => {
    const main = read('out/main/index.js');
    expect(main).toContain('require("electron")');
    expect(main).toContain('require("node-pty")');
    expect(main).not.toMatch(/^\s*import\s/m);
  });

  it('builds the backend worker next to the main bundle, packed inside the asar with its chunks', () => {
    const worker = read('out/main/backendWorker.js');
    expect(worker).toContain('require("node:worker_threads")');
    expect(worker).not.toMatch(/require\("(electron|node-pty)"\)/);
    for (const chunk of worker.match(/require\("\.\/chunks\/[^"]+"\)/g) ?? []) expect(existsSync(join(ROOT, 'out/main', chunk.slice(9, -2)))).toBe(true);
    expect(config.files).toContain('out/main/**');
    // Loaded from the asar (Electron sets up asar support in worker threads): unpacked, it could not reach out/main/chunks.
    expect(config.asarUnpack.some((p) => p.startsWith('out/'))).toBe(false);
  });
});

describe('after-pack-fuses.cjs', () => {
  const hook = require(join(ROOT, 'scripts/after-pack-fuses.cjs')) as {
    FUSE_SETTINGS: Record<string, boolean>;
    fuseConfig(f: unknown, platform: string, arch: number): Record<string, unknown>;
    electronBinary(ctx: unknown): string;
  };
  const fuses = require('@electron/fuses') as { FuseV1Options: Record<string, number>; FuseVersion: { V1: string } };

  it.each([
    ['RunAsNode', false],
    ['EnableNodeOptionsEnvironmentVariable', false],
    ['EnableNodeCliInspectArguments', false],
    ['OnlyLoadAppFromAsar', true],
    ['EnableEmbeddedAsarIntegrityValidation', true],
    ['EnableCookieEncryption', true],
  ])('sets the %s fuse to %s', (name, value) => {
    const cfg = hook.fuseConfig(fuses, 'linux', 1);
    expect(cfg[fuses.FuseV1Options[name]]).toBe(value);
    expect(cfg.version).toBe(fuses.FuseVersion.V1);
  });

  it('resets the ad-hoc signature only for macOS arm64', () => {
    expect(hook.fuseConfig(fuses, 'darwin', 3).resetAdHocDarwinSignature).toBe(true);
    expect(hook.fuseConfig(fuses, 'darwin', 1).resetAdHocDarwinSignature).toBe(false);
  });

  it.each([
    ['linux', '/r/linux-unpacked/proxyscope-desktop'],
    ['darwin', '/r/linux-unpacked/Proxyscope.app'],
    ['win32', '/r/linux-unpacked/Proxyscope.exe'],
  ])('finds the packed Electron binary on %s', (platform, expected) => {
    const ctx = { appOutDir: '/r/linux-unpacked', electronPlatformName: platform, packager: { appInfo: { productFilename: 'Proxyscope' }, executableName: 'proxyscope-desktop' } };
    expect(hook.electronBinary(ctx)).toBe(expected);
  });
});

describe('icons', () => {
  const pngSize = (p: string): [number, number] => {
    const b = readFileSync(join(ROOT, p));
    expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(b.subarray(12, 16).toString('ascii')).toBe('IHDR');
    return [b.readUInt32BE(16), b.readUInt32BE(20)];
  };
  it.each([16, 24, 32, 48, 64, 128, 256, 512])('has a %ipx PNG', (n) => {
    expect(pngSize(`assets/icons/${n}x${n}.png`)).toEqual([n, n]);
  });
  it('has icon.png at 512x512', () => {
    expect(pngSize('assets/icons/icon.png')).toEqual([512, 512]);
  });
});

describe('release workflow', () => {
  const wf = yaml.load(read('.github/workflows/release.yml')) as {
    on: { push: { tags: string[] } };
    jobs: { package: { strategy: { matrix: { os: string[] } }; steps: { run?: string; uses?: string }[] } };
  };
  it('runs on tag pushes on Linux, macOS and Windows', () => {
    expect(wf.on.push.tags.length).toBeGreaterThan(0);
    expect(wf.jobs.package.strategy.matrix.os).toEqual(['ubuntu-latest', 'macos-latest', 'windows-latest']);
  });
  it('installs, builds, packages without publishing and uploads the packages', () => {
    const steps = wf.jobs.package.steps;
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('npx electron-builder --publish never');
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact'))).toBe(true);
  });
});
