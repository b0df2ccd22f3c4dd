import type { ChildProcess } from 'node:child_process';

/**
 * The port a server child process reports: the first line of its stdout that is JSON (`{"port": n}`). Rejects
 * with what it wrote to stderr when it exits first, or says nothing within `timeoutMs`. `what` names it in
 * those messages.
 */
export function reportedPort(
  child: ChildProcess,
  timeoutMs: number,
  what: string,
): { port: Promise<number>; stderr: () => string } {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${stderr}`)), timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).port);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${stderr}`)));
  });
  return { port, stderr: () => stderr };
}
