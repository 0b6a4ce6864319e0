import { startApp } from './app';

// Entry point of the Electron main process (electron-vite builds it to out/main/index.js,
// package.json `main`). Everything lives in app.ts so tests can start it against a stub electron.
startApp();
