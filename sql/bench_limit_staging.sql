-- The benchmark's speed-of-light baseline for the staging phase (`npm run bench`, modes `limit`
-- and `limit_n`): the staging transformation as one plain INSERT ... SELECT per table and key
-- range, valid rows only. The rules are not written again here: the statement selects from the
-- procedures' own classification (staging.classify_<table>, which PostgreSQL inlines), so the
-- limit cannot drift from the procedures (the bench also checks that both stage the same rows,
-- by checksum). What it leaves out is what pgphase adds: batches, the ledger, savepoints, the
-- quarantine writes, run ids, upserts. ($1, $2) is the key range: the whole table for `limit`
-- (one connection), a share of the keys per connection for `limit_n` (N connections).
-- bench/modes/limit.ts runs each `-- table:` section as one statement, in this order (market
-- rows look their game up in staging.games).
-- table: games
INSERT INTO
  staging.games (
    source_raw_id,
    external_game_id,
    home_team,
    away_team,
    game_start,
    data_quality_score,
    validation_status
  )
SELECT
  c.source_raw_id,
  c.external_game_id,
  c.home_team,
  c.away_team,
  c.game_start,
  c.data_quality_score,
  c.validation_status
FROM
  staging.classify_games ($1, $2) AS c
WHERE
  c.reason_code IS NULL;

-- table: moneylines
INSERT INTO
  staging.moneylines (
    source_raw_id,
    game_id,
    sportsbook,
    home_odds,
    away_odds,
    captured_at,
    is_live,
    data_quality_score,
    validation_status
  )
SELECT
  c.source_raw_id,
  c.game_id,
  c.sportsbook,
  c.home_odds,
  c.away_odds,
  c.captured_at,
  c.is_live,
  c.data_quality_score,
  c.validation_status
FROM
  staging.classify_moneylines ($1, $2) AS c
WHERE
  c.reason_code IS NULL;

-- table: spreads
INSERT INTO
  staging.spreads (
    source_raw_id,
    game_id,
    sportsbook,
    home_line,
    home_odds,
    away_line,
    away_odds,
    captured_at,
    is_live,
    data_quality_score,
    validation_status
  )
SELECT
  c.source_raw_id,
  c.game_id,
  c.sportsbook,
  c.home_line,
  c.home_odds,
  c.away_line,
  c.away_odds,
  c.captured_at,
  c.is_live,
  c.data_quality_score,
  c.validation_status
FROM
  staging.classify_spreads ($1, $2) AS c
WHERE
  c.reason_code IS NULL;

-- table: totals
INSERT INTO
  staging.totals (
    source_raw_id,
    game_id,
    sportsbook,
    total_line,
    over_odds,
    under_odds,
    captured_at,
    is_live,
    data_quality_score,
    validation_status
  )
SELECT
  c.source_raw_id,
  c.game_id,
  c.sportsbook,
  c.total_line,
  c.over_odds,
  c.under_odds,
  c.captured_at,
  c.is_live,
  c.data_quality_score,
  c.validation_status
FROM
  staging.classify_totals ($1, $2) AS c
WHERE
  c.reason_code IS NULL;
