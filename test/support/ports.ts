// Ports for tests: one that nothing listens on, found rather than assumed (port 9 may well be open).
import { createServer } from 'node:net';

/** A port nobody listens on right now: the kernel's pick for a listener opened and closed at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
