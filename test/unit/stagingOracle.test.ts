/** The fuzz test's oracle (test/oracle/stagingOracle.ts) on hand-worked cases from docs/reason-codes.md. */
import { describe, expect, it } from 'vitest';
import { bookKey, judgeGames, judgeMarket, lineOf, oddsOf, oddsReason, overroundReason, team, type Times } from '../oracle/stagingOracle.js';

const US = 1_000n;
const at = (iso: string) => BigInt(Date.parse(iso)) * US;

describe('the staging oracle', () => {
  it('reads prices, lines, books and teams as the documents say', () => {
    expect([oddsOf(' +130 '), oddsOf('-110'), oddsOf('99'), oddsOf('-0110'), oddsOf('1e3')]).toEqual([130, -110, null, null, null]);
    expect([oddsReason('50'), oddsReason('-0110'), oddsReason('abc'), oddsReason('  ')]).toEqual([
      'odds_out_of_range',
      ['odds_out_of_range', 'invalid_odds'],
      'invalid_odds',
      'missing_field',
    ]);
    expect([lineOf('-1.5'), lineOf(' 8.25 '), lineOf('1,5')]).toEqual([-1500, 8250, null]);
    expect([bookKey(' Draft-Kings '), bookKey('b;d')]).toEqual(['draftkings', null]);
    expect([team('  New  York '), team('X'), team('a;b')]).toEqual(['New York', null, null]);
    expect([overroundReason(-110, -110), overroundReason(200, 200), overroundReason(-140, -140)]).toEqual([null, 'overround_negative', 'overround_too_high']);
  });

  it('stages the first valid game of an id, and calls the later ones duplicate_game', () => {
    const times: Times = new Map([
      ['2024-06-01T23:05:00Z', at('2024-06-01T23:05:00Z')],
      ['@2024-03-01 00:00:00+00', at('2024-03-01T00:00:00Z')],
    ]);
    const row = (id: string, home: string) => ({
      id,
      external_game_id: ' G1 ',
      home_team: home,
      away_team: 'BOS',
      game_start: '2024-06-01T23:05:00Z',
      ingested_at: '2024-03-01 00:00:00+00',
    });
    const out = judgeGames([row('1', 'BOS'), row('2', 'NYY'), row('3', 'NYY')], times);
    expect(out.get('1')).toEqual({ kind: 'quarantined', reasons: ['same_teams'] });
    expect(out.get('2')).toMatchObject({ kind: 'staged', values: { external_game_id: 'G1', home_team: 'NYY' } });
    expect(out.get('3')).toEqual({ kind: 'quarantined', reasons: ['duplicate_game'] });
  });

  it('judges a market row against its game: unknown game, out of range, live, alias, duplicate', () => {
    const start = at('2024-06-01T23:05:00Z');
    const times: Times = new Map([
      ['2024-06-01T22:00:00Z', at('2024-06-01T22:00:00Z')],
      ['2024-06-03T23:05:00Z', at('2024-06-03T23:05:00Z')],
      ['2024-06-01T23:30:00Z', at('2024-06-01T23:30:00Z')],
    ]);
    const row = (id: string, game: string, captured: string, book = 'DK') => ({
      id,
      external_game_id: game,
      sportsbook: book,
      home_odds: '-120',
      away_odds: '+110',
      captured_at: captured,
    });
    const out = judgeMarket(
      'moneylines',
      [
        row('1', 'G9', '2024-06-01T22:00:00Z'),
        row('2', 'G1', '2024-06-03T23:05:00Z'),
        row('3', 'G1', '2024-06-01T23:30:00Z'),
        row('4', 'G1', '2024-06-01T23:30:00Z', ' dk '),
      ],
      times,
      new Map([['G1', start]]),
      new Map([['dk', 'DraftKings']]),
    );
    expect(out.get('1')).toEqual({ kind: 'quarantined', reasons: ['unknown_game'] });
    expect(out.get('2')).toEqual({ kind: 'quarantined', reasons: ['timestamp_out_of_range'] });
    expect(out.get('3')).toMatchObject({ kind: 'staged', values: { game: 'G1', sportsbook: 'DraftKings', home_odds: -120, away_odds: 110, is_live: true } });
    expect(out.get('4')).toEqual({ kind: 'quarantined', reasons: ['duplicate_snapshot'] });
  });
});
