import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

/** Runs dependency-cruiser with the project's rules and returns the violations it reports. */
function cruise(path: string): Violation[] {
  const run = spawnSync(
    process.execPath,
    [
      'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs',
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'json',
      path,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!run.stdout) throw new Error(`dependency-cruiser did not run: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(report.summary.totalCruised, 'modules cruised').toBeGreaterThan(0);
  return report.summary.violations;
}

const describeViolation = (v: Violation) =>
  `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`;

describe('the layers of docs/architecture.md', () => {
  it('hold in src/: no import breaks a dependency rule', () => {
    const violations = cruise('src');
    expect(violations.map(describeViolation)).toEqual([]);
  });

  it('are enforced: each rule catches the deliberately broken fixture', () => {
    const broken = new Set(cruise('test/fixtures/layering/src').map((v) => v.rule.name));
    expect([...broken].sort()).toEqual([
      'blocks-are-pure',
      'config-only-at-the-edges',
      'domain-holds-no-infrastructure',
      'domain-is-plain-data',
      'http-only-through-services',
      'listeners-only-through-services',
      'no-circular',
      'only-entry-points-compose',
      'production-code-never-uses-the-sandbox',
      'providers-know-no-slack-or-storage',
      'services-use-the-store-interface',
      'sinks-know-no-slack-or-storage',
      'src-never-imports-tests',
    ]);
  });
});
