import { printTable } from './table';

/** One quality bar from the bench issue, judged on figures measured in this run. */
export interface Target {
  name: string;
  /** What was measured, in words (e.g. "261k vs ws 248k"). */
  measured: string;
  met: boolean;
}

export const verdict = (met: boolean) => (met ? 'met' : 'not met');

export function printTargets(title: string, targets: readonly Target[]): void {
  printTable(
    title,
    ['target', 'measured', 'result'],
    targets.map((t) => [t.name, t.measured, verdict(t.met)]),
  );
}
