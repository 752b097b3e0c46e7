import { describe, expect, it } from 'vitest';
import { phaseTables } from '../../runner/health/phaseTables.js';
import { PHASES } from '../../runner/odds/phases.js';

describe('phaseTables', () => {
  it("lists each step's source and each output in the schema the run writes it to, once", () => {
    const shadow = new Map([['curated', 'curated__build7']]);
    expect(phaseTables(PHASES, shadow)).toEqual([
      'raw.games',
      'raw.moneylines',
      'raw.spreads',
      'raw.totals',
      'staging.games',
      'curated__build7.market_snapshots',
      'curated__build7.book_market_features',
      'curated__build7.market_consensus',
      'curated__build7.steam_moves',
      'curated__build7.game_market_features',
      'curated__build7.game_features',
    ]);
  });

  it('keeps an output in its own schema when the run writes it in place', () => {
    const copy = { name: 'copy', description: '', dependsOn: [], steps: [{ source: 'fixture.src', procedure: 'fixture.copy_rows', key: 'id' }] };
    expect(phaseTables([{ ...copy, outputs: ['fixture.dst'] }, copy], new Map())).toEqual(['fixture.src', 'fixture.dst']);
  });
});
