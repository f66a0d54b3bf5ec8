// The emulator in its own process for bench/logs-tail.ts (so its flood loop has its own core): prints
// {url, masterToken} as one JSON line, runs until stdin closes.
import { startEmulator } from '../emulator/index';

const emu = await startEmulator({ port: 0, quiet: true, seed: 'empty', logBufferSize: 200_000, logPingMs: 5_000 });
process.stdout.write(`${JSON.stringify({ url: emu.url, masterToken: emu.masterToken })}\n`);
const stop = () => void emu.close().then(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
