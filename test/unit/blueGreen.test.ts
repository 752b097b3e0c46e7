/** The pure parts of blue-green phases: names, the phases file's new fields, and failure lines. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blueGreenPhase, parkedSchema, targetOf } from '../../runner/bluegreen/names.js';
import { describeFailures } from '../../runner/bluegreen/verify.js';
import { loadPhases } from '../../runner/phases.js';
import { PHASES } from '../../runner/odds/phases.js';

const step = { source: 's.src', procedure: 's.copy', key: 'id' };
function phasesFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pgphase-phases-')), 'phases.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('blue-green names', () => {
  it('parks a version in <schema>__run<id>, the tables live before the first promote in <schema>__initial', () => {
    expect(parkedSchema('curated', '42')).toBe('curated__run42');
    expect(parkedSchema('curated', null)).toBe('curated__initial');
  });

  it('takes the output schema and tables from the phase, in declared order', () => {
    const curated = PHASES.find((p) => p.name === 'curated')!;
    expect(targetOf(curated)).toEqual({
      phase: 'curated',
      schema: 'curated',
      tables: ['market_snapshots', 'book_market_features', 'market_consensus', 'steam_moves', 'game_market_features', 'game_features'],
    });
    expect(curated.blueGreen).toBe(true);
  });

  it('refuses a phase without outputs, or with outputs in two schemas', () => {
    expect(() => targetOf({ name: 'x', description: '', dependsOn: [], steps: [step] })).toThrow(/phase x declares no output tables/);
    expect(() => targetOf({ name: 'x', description: '', dependsOn: [], steps: [step], outputs: ['a.t', 'b.u'] })).toThrow(/several schemas \(a, b\)/);
  });

  it('names the blue-green phases when asked for one that is unknown or in place', () => {
    expect(blueGreenPhase(PHASES, 'curated').name).toBe('curated');
    expect(() => blueGreenPhase(PHASES, 'staging')).toThrow(/^phase "staging" is not blue-green$/);
    expect(() => blueGreenPhase(PHASES, 'nope')).toThrow(/^unknown phase "nope"$/);
    try {
      blueGreenPhase(PHASES, 'nope');
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe('Blue-green phases: curated.');
    }
  });
});

describe('the phases file', () => {
  it('reads outputs, blueGreen and checks', () => {
    const phases = loadPhases(
      phasesFile([
        {
          name: 'marts',
          steps: [step],
          outputs: ['m.daily', 'm.weekly'],
          blueGreen: true,
          checks: [{ name: 'no negatives', sql: 'SELECT * FROM daily WHERE n < 0' }],
        },
      ]),
    );
    expect(phases[0]).toMatchObject({
      outputs: ['m.daily', 'm.weekly'],
      blueGreen: true,
      checks: [{ name: 'no negatives', sql: 'SELECT * FROM daily WHERE n < 0' }],
    });
  });

  it('refuses a blue-green phase without outputs, outputs in two schemas, and checks on an in-place phase', () => {
    expect(() => loadPhases(phasesFile([{ name: 'a', steps: [step], blueGreen: true }]))).toThrow(/0\.outputs: a blueGreen phase must list its outputs/);
    expect(() => loadPhases(phasesFile([{ name: 'a', steps: [step], outputs: ['x.t', 'y.t'], blueGreen: true }]))).toThrow(
      /output tables must all be in one schema/,
    );
    expect(() => loadPhases(phasesFile([{ name: 'a', steps: [step], outputs: ['x.t'], checks: [{ name: 'c', sql: 'SELECT 1' }] }]))).toThrow(
      /0\.checks: checks run on a blue-green build: set blueGreen/,
    );
    expect(() => loadPhases(phasesFile([{ name: 'a', steps: [step], outputs: [`${'s'.repeat(41)}.t`], blueGreen: true }]))).toThrow(/at most 40 characters/);
  });
});

describe('describeFailures', () => {
  it('names each failed check with its count and sample, or its error; passed checks say nothing', () => {
    const lines = describeFailures([
      { name: 'ok', passed: true, violations: 0, sample: [] },
      { name: 'one per game', passed: false, violations: 2, sample: [{ game_id: 3 }, { game_id: 9 }] },
      { name: 'many', passed: false, violations: 6, sample: [{ a: 1 }] },
      { name: 'broken', passed: false, violations: 0, sample: [], error: '42P01 relation "x" does not exist' },
    ]);
    expect(lines).toEqual([
      'check "one per game" failed: 2 violating row(s), e.g. {"game_id":3} {"game_id":9}',
      'check "many" failed: more than 5 violating row(s), e.g. {"a":1}',
      'check "broken" could not run: 42P01 relation "x" does not exist',
    ]);
  });
});
