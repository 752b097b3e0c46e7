-- The curated phase's tables (issue 5), filled by procedures/curated_build_features.sql over a
-- range of staging.games ids, and the staging indexes that phase reads through.
-- Every column is defined in docs/features.md. In short:
--   market_snapshots      one priced pre-game snapshot per (game, market, book, captured_at)
--   book_market_features  one row per (game, market, book): open/close, movement, hold, sharp gap, CLV
--   market_consensus      one row per (game, market, checkpoint): median across books, dispersion,
--                         best price per side, best-line overround
--   steam_moves           one row per detected steam event
--   game_market_features  one row per (game, market): the cross-book summary
--   game_features         one row per game: the feature vector an ML job reads
--   settings              the phase's parameters (one row), sportsbook_tiers the sharp/soft tiers
-- Markets are two-way: side a is home (moneyline, spread) or over (total), side b away or under;
-- a fair probability of side b is 1 minus that of side a under every method used here.
-- Curated rows carry no run id and no timestamps of their own: recomputing a game gives the
-- same rows whatever run or partitioning computed them. They have no foreign keys to staging
-- (1M-row inserts would pay a check per row); the procedure replaces a game's rows as a whole.
-- The staging indexes are built in this transaction (not CONCURRENTLY): they are created before
-- the curated phase first runs; on a loaded production table build them CONCURRENTLY by hand first
-- (IF NOT EXISTS then makes this a no-op).
-- Up Migration
-- squawk-ignore-file prefer-bigint-over-int, require-concurrent-index-creation -- counts fit in int; indexes built before the curated phase first runs (see above)
CREATE INDEX IF NOT EXISTS idx_staging_moneylines_game_captured ON staging.moneylines (game_id, captured_at);

CREATE INDEX IF NOT EXISTS idx_staging_spreads_game_captured ON staging.spreads (game_id, captured_at);

CREATE INDEX IF NOT EXISTS idx_staging_totals_game_captured ON staging.totals (game_id, captured_at);

CREATE TABLE curated.settings (
  id boolean PRIMARY KEY DEFAULT TRUE CHECK (id),
  fair_method text NOT NULL DEFAULT 'power' CHECK (
    fair_method IN ('multiplicative', 'additive', 'power', 'shin')
  ),
  grid_step interval NOT NULL DEFAULT '15 minutes' CHECK (grid_step > '0'),
  volatility_horizon interval NOT NULL DEFAULT '24 hours' CHECK (volatility_horizon >= '0'),
  momentum_window interval NOT NULL DEFAULT '3 hours' CHECK (momentum_window >= '0'),
  move_min double precision NOT NULL DEFAULT 0.005 CHECK (move_min >= 0),
  line_move_min numeric NOT NULL DEFAULT 0.5 CHECK (line_move_min > 0),
  steam_window interval NOT NULL DEFAULT '30 minutes' CHECK (steam_window >= '0'),
  steam_min_books integer NOT NULL DEFAULT 3 CHECK (steam_min_books >= 1),
  steam_theta double precision NOT NULL DEFAULT 0.02 CHECK (steam_theta >= 0),
  steam_line_theta numeric NOT NULL DEFAULT 0.5 CHECK (steam_line_theta > 0)
);

INSERT INTO
  curated.settings
DEFAULT VALUES;

CREATE TABLE curated.sportsbook_tiers (
  sportsbook text PRIMARY KEY CHECK (sportsbook = lower(sportsbook)),
  tier text NOT NULL CHECK (tier IN ('sharp', 'soft'))
);

INSERT INTO
  curated.sportsbook_tiers (sportsbook, tier)
VALUES
  ('pinnacle', 'sharp'),
  ('circa', 'sharp'),
  ('draftkings', 'soft'),
  ('fanduel', 'soft'),
  ('betmgm', 'soft'),
  ('caesars', 'soft'),
  ('pointsbet', 'soft'),
  ('bet365', 'soft'),
  ('betrivers', 'soft'),
  ('wynnbet', 'soft'),
  ('unibet', 'soft'),
  ('barstool', 'soft');

CREATE TABLE curated.market_snapshots (
  game_id bigint NOT NULL,
  market text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total')),
  sportsbook text NOT NULL,
  captured_at timestamptz NOT NULL,
  source_id bigint NOT NULL,
  game_start timestamptz NOT NULL,
  minutes_before double precision NOT NULL,
  line numeric(4, 1),
  odds_a integer NOT NULL,
  odds_b integer NOT NULL,
  implied_a double precision NOT NULL,
  implied_b double precision NOT NULL,
  decimal_a double precision NOT NULL,
  decimal_b double precision NOT NULL,
  overround double precision NOT NULL,
  hold double precision NOT NULL,
  fair_mult_a double precision NOT NULL,
  fair_add_a double precision NOT NULL,
  fair_power_a double precision,
  power_k double precision,
  fair_shin_a double precision,
  shin_z double precision,
  fair_a double precision,
  fair_move double precision,
  line_move numeric,
  data_quality_score numeric(5, 2)
);

-- Unique on (game_id, market, sportsbook, captured_at) by construction (the procedure keeps one
-- row per key), but not by a unique index: the phase deletes and re-inserts a range in one
-- transaction, and a unique index would check every re-inserted key against its own deleted row.
CREATE INDEX market_snapshots_game_idx ON curated.market_snapshots (game_id);

CREATE TABLE curated.book_market_features (
  game_id bigint NOT NULL,
  market text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total')),
  sportsbook text NOT NULL,
  tier text NOT NULL,
  n_snapshots integer NOT NULL,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz NOT NULL,
  open_odds_a integer NOT NULL,
  open_odds_b integer NOT NULL,
  close_odds_a integer NOT NULL,
  close_odds_b integer NOT NULL,
  open_line numeric(4, 1),
  close_line numeric(4, 1),
  line_move numeric,
  open_fair_a double precision,
  close_fair_a double precision,
  fair_move double precision,
  close_overround double precision NOT NULL,
  close_hold double precision NOT NULL,
  mean_hold double precision NOT NULL,
  volatility double precision,
  line_volatility double precision,
  momentum double precision,
  fair_a_15m double precision,
  fair_a_1h double precision,
  fair_a_3h double precision,
  fair_a_24h double precision,
  line_15m numeric(4, 1),
  line_1h numeric(4, 1),
  line_3h numeric(4, 1),
  line_24h numeric(4, 1),
  odds_a_15m integer,
  odds_b_15m integer,
  odds_a_1h integer,
  odds_b_1h integer,
  odds_a_3h integer,
  odds_b_3h integer,
  odds_a_24h integer,
  odds_b_24h integer,
  late_move_15m double precision,
  late_move_1h double precision,
  late_move_3h double precision,
  late_line_move_15m numeric,
  late_line_move_1h numeric,
  late_line_move_3h numeric,
  consensus_dev double precision,
  consensus_line_dev double precision,
  sharp_gap double precision,
  sharp_line_gap double precision,
  clv_open_a double precision,
  clv_open_b double precision,
  clv_close_a double precision,
  clv_close_b double precision,
  PRIMARY KEY (game_id, market, sportsbook)
);

CREATE TABLE curated.market_consensus (
  game_id bigint NOT NULL,
  market text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total')),
  minutes_before integer NOT NULL,
  as_of timestamptz NOT NULL,
  n_books integer NOT NULL,
  consensus_fair_a double precision,
  mean_fair_a double precision,
  dispersion_sd double precision,
  dispersion_range double precision,
  consensus_line double precision,
  sharp_fair_a double precision,
  soft_fair_a double precision,
  quote_line numeric(4, 1),
  quote_books integer NOT NULL,
  best_odds_a integer NOT NULL,
  best_book_a text NOT NULL,
  best_odds_b integer NOT NULL,
  best_book_b text NOT NULL,
  best_decimal_a double precision NOT NULL,
  best_decimal_b double precision NOT NULL,
  best_line_overround double precision NOT NULL,
  arbitrage boolean NOT NULL,
  PRIMARY KEY (game_id, market, minutes_before)
);

CREATE TABLE curated.steam_moves (
  game_id bigint NOT NULL,
  market text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total')),
  kind text NOT NULL CHECK (kind IN ('price', 'line')),
  side text NOT NULL CHECK (side IN ('home', 'away', 'over', 'under')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  minutes_before double precision NOT NULL,
  n_books integer NOT NULL,
  n_moves integer NOT NULL,
  books TEXT[] NOT NULL,
  size double precision NOT NULL,
  max_move double precision NOT NULL,
  PRIMARY KEY (game_id, market, kind, side, started_at)
);

CREATE TABLE curated.game_market_features (
  game_id bigint NOT NULL,
  market text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total')),
  n_books integer NOT NULL,
  n_snapshots integer NOT NULL,
  open_fair_a double precision,
  close_fair_a double precision,
  fair_move double precision,
  open_line double precision,
  close_line double precision,
  line_move double precision,
  volatility double precision,
  line_volatility double precision,
  momentum double precision,
  late_move_15m double precision,
  late_move_1h double precision,
  late_move_3h double precision,
  late_line_move_15m double precision,
  late_line_move_1h double precision,
  late_line_move_3h double precision,
  books_moved_15m integer NOT NULL,
  books_moved_1h integer NOT NULL,
  books_moved_3h integer NOT NULL,
  dispersion_sd double precision,
  dispersion_range double precision,
  best_line_overround double precision,
  arbitrage boolean,
  mean_hold double precision,
  sharp_fair_a double precision,
  soft_fair_a double precision,
  soft_sharp_gap double precision,
  sharp_line double precision,
  sharp_move double precision,
  soft_move double precision,
  sharp_line_move double precision,
  soft_line_move double precision,
  rlm boolean,
  steam_a integer NOT NULL,
  steam_b integer NOT NULL,
  PRIMARY KEY (game_id, market)
);

CREATE TABLE curated.game_features (
  game_id bigint PRIMARY KEY REFERENCES staging.games (id) ON DELETE CASCADE,
  external_game_id text NOT NULL,
  game_start timestamptz NOT NULL,
  data_quality_score numeric(5, 2),
  market_quality_score numeric(5, 2),
  has_pregame boolean NOT NULL,
  live_snapshots integer NOT NULL,
  n_books integer NOT NULL,
  ml_n_books integer NOT NULL,
  ml_fair_home double precision,
  ml_fair_move double precision,
  ml_volatility double precision,
  ml_momentum double precision,
  ml_late_move_15m double precision,
  ml_late_move_1h double precision,
  ml_late_move_3h double precision,
  ml_books_moved_15m integer,
  ml_books_moved_1h integer,
  ml_books_moved_3h integer,
  ml_dispersion_sd double precision,
  ml_dispersion_range double precision,
  ml_best_line_overround double precision,
  ml_arbitrage boolean,
  ml_mean_hold double precision,
  ml_sharp_fair_home double precision,
  ml_soft_sharp_gap double precision,
  ml_rlm boolean,
  ml_steam_home integer,
  ml_steam_away integer,
  sp_n_books integer NOT NULL,
  sp_line double precision,
  sp_line_move double precision,
  sp_fair_home double precision,
  sp_fair_move double precision,
  sp_volatility double precision,
  sp_line_volatility double precision,
  sp_momentum double precision,
  sp_late_line_move_15m double precision,
  sp_late_line_move_1h double precision,
  sp_late_line_move_3h double precision,
  sp_books_moved_15m integer,
  sp_books_moved_1h integer,
  sp_books_moved_3h integer,
  sp_dispersion_sd double precision,
  sp_best_line_overround double precision,
  sp_arbitrage boolean,
  sp_mean_hold double precision,
  sp_sharp_line double precision,
  sp_rlm boolean,
  sp_steam_home integer,
  sp_steam_away integer,
  tot_n_books integer NOT NULL,
  tot_line double precision,
  tot_line_move double precision,
  tot_fair_over double precision,
  tot_fair_move double precision,
  tot_volatility double precision,
  tot_line_volatility double precision,
  tot_momentum double precision,
  tot_late_line_move_15m double precision,
  tot_late_line_move_1h double precision,
  tot_late_line_move_3h double precision,
  tot_books_moved_15m integer,
  tot_books_moved_1h integer,
  tot_books_moved_3h integer,
  tot_dispersion_sd double precision,
  tot_best_line_overround double precision,
  tot_arbitrage boolean,
  tot_mean_hold double precision,
  tot_sharp_line double precision,
  tot_rlm boolean,
  tot_steam_over integer,
  tot_steam_under integer
);

-- Down Migration
DROP TABLE curated.game_features;

DROP TABLE curated.game_market_features;

DROP TABLE curated.steam_moves;

DROP TABLE curated.market_consensus;

DROP TABLE curated.book_market_features;

DROP TABLE curated.market_snapshots;

DROP TABLE curated.sportsbook_tiers;

DROP TABLE curated.settings;

DROP INDEX staging.idx_staging_totals_game_captured;

DROP INDEX staging.idx_staging_spreads_game_captured;

DROP INDEX staging.idx_staging_moneylines_game_captured;
