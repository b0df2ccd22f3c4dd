import type { Page } from 'playwright-core';

export interface ConsoleError {
  page: string;
  text: string;
  at: number;
}

/**
 * Collects console errors and uncaught page errors of every page it watches. A window can be declared during
 * which some network errors are expected (a deliberate server restart): only messages matching `pattern`
 * within it are tolerated; anything else still counts.
 */
export function watchConsole() {
  const errors: ConsoleError[] = [];
  const windows: { from: number; to: number; pattern: RegExp }[] = [];
  return {
    watch(page: Page, name: string): void {
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push({ page: name, text: message.text(), at: Date.now() });
      });
      page.on('pageerror', (error) =>
        errors.push({ page: name, text: `pageerror: ${error.message}`, at: Date.now() }),
      );
    },
    tolerate(from: number, to: number, pattern: RegExp): void {
      windows.push({ from, to, pattern });
    },
    unexpected(): ConsoleError[] {
      return errors.filter(
        (e) => !windows.some((w) => e.at >= w.from && e.at <= w.to && w.pattern.test(e.text)),
      );
    },
    all: () => errors,
  };
}
