/**
 * The odds warehouse's phases: raw -> staging (validate, clean, type; quarantine bad rows) ->
 * curated (ML features, built blue-green). This is the application pgphase ships with, not the
 * framework: the framework's runner takes any list of phases (runner/phases.ts).
 */
import type { Phase } from '../phases.js';

/** The curated phase's output tables, in the order they are built. */
const CURATED_OUTPUTS = ['market_snapshots', 'book_market_features', 'market_consensus', 'steam_moves', 'game_market_features', 'game_features'].map(
  (t) => `curated.${t}`,
);

export const PHASES: readonly Phase[] = [
  {
    name: 'staging',
    description: 'validate, clean and type raw odds; quarantine every bad row with a reason',
    dependsOn: [],
    steps: [
      { source: 'raw.games', procedure: 'staging.load_games', key: 'id' },
      { source: 'raw.moneylines', procedure: 'staging.load_moneylines', key: 'id', after: ['raw.games'] },
      { source: 'raw.spreads', procedure: 'staging.load_spreads', key: 'id', after: ['raw.games'] },
      { source: 'raw.totals', procedure: 'staging.load_totals', key: 'id', after: ['raw.games'] },
    ],
  },
  {
    name: 'curated',
    description: 'ML features per game and market: fair probabilities, movement, consensus, steam',
    dependsOn: ['staging'],
    steps: [
      {
        source: 'staging.games',
        procedure: 'curated.build_features',
        key: 'id',
        after: ['raw.games', 'raw.moneylines', 'raw.spreads', 'raw.totals'],
      },
    ],
    outputs: CURATED_OUTPUTS,
    blueGreen: true,
    checks: [
      {
        name: 'one feature row per staged game',
        sql: `SELECT g.id AS game_id, g.external_game_id FROM staging.games g
               WHERE NOT EXISTS (SELECT 1 FROM game_features f WHERE f.game_id = g.id) ORDER BY g.id`,
      },
      {
        name: 'fair probabilities within [0, 1]',
        sql: `SELECT game_id, ml_fair_home, sp_fair_home, tot_fair_over FROM game_features
               WHERE ml_fair_home NOT BETWEEN 0 AND 1 OR sp_fair_home NOT BETWEEN 0 AND 1 OR tot_fair_over NOT BETWEEN 0 AND 1
               ORDER BY game_id`,
      },
    ],
  },
];
