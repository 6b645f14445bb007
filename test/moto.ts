// moto_server on loopback for EventBridge, SQS and Secrets Manager; each test file starts and stops its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './helpers.js';

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`moto_server could not start (is it installed?): ${error.message}`)),
    ),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await Promise.race([
      fetch(`${endpoint}/moto-api/`).then(
        (response) => response.ok,
        () => false,
      ),
      spawnError,
    ]);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('moto_server did not answer within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
