// electron-builder afterPack hook: flips Electron's fuses on the packed binary (before signing).
// https://www.electronjs.org/docs/latest/tutorial/fuses
//   RunAsNode off                       ELECTRON_RUN_AS_NODE cannot turn the app into a plain node
//   EnableNodeOptionsEnvironmentVariable off, EnableNodeCliInspectArguments off
//                                       NODE_OPTIONS / --inspect cannot inject code or a debugger
//   OnlyLoadAppFromAsar on              no loose app folder next to the archive is picked up
//   EnableEmbeddedAsarIntegrityValidation on   the archive must match the hash in the binary
//   EnableCookieEncryption on           cookies at rest encrypted with the OS keyring key
// GrantFileProtocolExtraPrivileges stays at its default (on): the renderer is loaded from
// file:// and its ES module scripts need it; switching to a custom app:// protocol would allow
// turning it off.
'use strict';
const path = require('node:path');

const FUSE_SETTINGS = {
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  OnlyLoadAppFromAsar: true,
  EnableEmbeddedAsarIntegrityValidation: true,
  EnableCookieEncryption: true,
};

/** The @electron/fuses config for a platform/arch (electron-builder's Arch enum: 3 = arm64). */
function fuseConfig(fuses, platform, arch) {
  const config = { version: fuses.FuseVersion.V1, resetAdHocDarwinSignature: platform === 'darwin' && arch === 3 };
  for (const [name, value] of Object.entries(FUSE_SETTINGS)) {
    const index = fuses.FuseV1Options[name];
    if (typeof index !== 'number') throw new Error(`@electron/fuses does not know the fuse ${name}`);
    config[index] = value;
  }
  return config;
}

/** Path of the Electron binary (or .app bundle) electron-builder just packed. */
function electronBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return path.join(appOutDir, `${name}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName);
}

async function afterPack(context) {
  const fuses = require('@electron/fuses');
  const binary = electronBinary(context);
  await fuses.flipFuses(binary, fuseConfig(fuses, context.electronPlatformName, context.arch));
  console.log(`  • flipped Electron fuses on ${binary}`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSE_SETTINGS = FUSE_SETTINGS;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinary = electronBinary;
