-- The staging phase (issue 3): what procedures/staging_load_*.sql need from the schema.
--
-- 1. Duplicate lookups against raw. A raw row's fate must not depend on how the runner cut the
--    key space, so a snapshot is judged a duplicate by looking in the whole raw table for a
--    lower id with the same key, not only in the range being loaded. The keys are hashed into one
--    bigint (a 20,000-character value would not fit in a btree entry) by the two IMMUTABLE
--    functions below; the procedures recheck the real values, so a collision costs a lookup,
--    never a wrong answer. They live here, not in procedures/, because indexes are built on them:
--    changing them means rebuilding those indexes, which is a versioned change.
--    raw.sportsbook_key is also the lexical half of staging.normalize_sportsbook.
-- 2. The sportsbook reference: canonical names (the lower-case names curated.sportsbook_tiers
--    uses), a sharp/soft tier, reliability points for the quality score, and aliases keyed by
--    raw.sportsbook_key (case, spaces and punctuation already folded).
-- 3. raw.generator_steam_truth: the coordinated moves `pgphase generate` planted, so that steam
--    detection can be tested against a known answer.
-- The raw indexes are built in this transaction (not CONCURRENTLY): on a loaded production raw
-- table build them CONCURRENTLY by hand first (IF NOT EXISTS then makes this a no-op).
-- Up Migration
-- squawk-ignore-file require-concurrent-index-creation, prefer-bigint-over-smallint, prefer-identity -- built before the first staging run, when the tables are small
CREATE FUNCTION raw.sportsbook_key (p_name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT replace(replace(replace(replace(replace(replace(lower(p_name), ' ', ''), '.', ''), '&', ''), '''', ''), '_', ''), '-', '')
$$;

COMMENT ON FUNCTION raw.sportsbook_key (text) IS 'A sportsbook name folded: lower case, without spaces and . & '' _ - (" Draft-Kings " -> draftkings). Indexed through raw.snapshot_hash: do not change without rebuilding those indexes.';

CREATE FUNCTION raw.game_hash (p_game text) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT hashtextextended(coalesce(btrim(p_game), ''), 0)
$$;

COMMENT ON FUNCTION raw.game_hash (text) IS 'Hash of a trimmed external game id: the key of the duplicate-game lookup.';

CREATE FUNCTION raw.snapshot_hash (p_game text, p_book text, p_captured text) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT hashtextextended(coalesce(btrim(p_game), '') || chr(31) || coalesce(raw.sportsbook_key(p_book), '')
                          || chr(31) || coalesce(btrim(p_captured), ''), 0)
$$;

COMMENT ON FUNCTION raw.snapshot_hash (text, text, text) IS 'Hash of (trimmed game id, folded sportsbook, trimmed capture time): the key of the duplicate-snapshot lookup.';

CREATE INDEX IF NOT EXISTS raw_games_game_hash_idx ON raw.games (raw.game_hash (external_game_id), id);

CREATE INDEX IF NOT EXISTS raw_moneylines_snapshot_hash_idx ON raw.moneylines (
  raw.snapshot_hash (external_game_id, sportsbook, captured_at),
  id
);

CREATE INDEX IF NOT EXISTS raw_spreads_snapshot_hash_idx ON raw.spreads (
  raw.snapshot_hash (external_game_id, sportsbook, captured_at),
  id
);

CREATE INDEX IF NOT EXISTS raw_totals_snapshot_hash_idx ON raw.totals (
  raw.snapshot_hash (external_game_id, sportsbook, captured_at),
  id
);

CREATE TABLE staging.sportsbooks (
  name text PRIMARY KEY CHECK (name = raw.sportsbook_key (name)),
  display_name text NOT NULL,
  tier text NOT NULL CHECK (tier IN ('sharp', 'soft')),
  reliability_points smallint NOT NULL CHECK (reliability_points BETWEEN 0 AND 25)
);

COMMENT ON TABLE staging.sportsbooks IS 'Known sportsbooks: canonical name, tier, and the reliability points they add to a data_quality_score (docs/staging.md).';

CREATE TABLE staging.sportsbook_aliases (
  alias text PRIMARY KEY CHECK (alias = raw.sportsbook_key (alias)),
  sportsbook text NOT NULL REFERENCES staging.sportsbooks (name) ON UPDATE CASCADE ON DELETE CASCADE
);

COMMENT ON TABLE staging.sportsbook_aliases IS 'Other names of a known sportsbook, folded by raw.sportsbook_key. Every canonical name is also its own alias.';

INSERT INTO
  staging.sportsbooks (name, display_name, tier, reliability_points)
VALUES
  ('pinnacle', 'Pinnacle', 'sharp', 25),
  ('circa', 'Circa Sports', 'sharp', 25),
  ('draftkings', 'DraftKings', 'soft', 20),
  ('fanduel', 'FanDuel', 'soft', 20),
  ('betmgm', 'BetMGM', 'soft', 18),
  ('caesars', 'Caesars Sportsbook', 'soft', 18),
  ('bet365', 'bet365', 'soft', 18),
  ('pointsbet', 'PointsBet', 'soft', 14),
  ('betrivers', 'BetRivers', 'soft', 14),
  ('wynnbet', 'WynnBET', 'soft', 12),
  ('unibet', 'Unibet', 'soft', 12),
  ('barstool', 'Barstool Sportsbook', 'soft', 12);

INSERT INTO
  staging.sportsbook_aliases (alias, sportsbook)
SELECT
  name,
  name
FROM
  staging.sportsbooks
UNION ALL
SELECT
  alias,
  sportsbook
FROM
  (
    VALUES
      ('pinnaclesports', 'pinnacle'),
      ('pinny', 'pinnacle'),
      ('circasports', 'circa'),
      ('dk', 'draftkings'),
      ('draftkingssportsbook', 'draftkings'),
      ('fd', 'fanduel'),
      ('fanduelsportsbook', 'fanduel'),
      ('mgm', 'betmgm'),
      ('caesarssportsbook', 'caesars'),
      ('williamhill', 'caesars'),
      ('czr', 'caesars'),
      ('b365', 'bet365'),
      ('pointsbetus', 'pointsbet'),
      ('pb', 'pointsbet'),
      ('sugarhouse', 'betrivers'),
      ('br', 'betrivers'),
      ('wynn', 'wynnbet'),
      ('unibetus', 'unibet'),
      ('barstoolsportsbook', 'barstool'),
      ('espnbet', 'barstool')
  ) AS a (alias, sportsbook);

CREATE TABLE raw.generator_steam_truth (
  id bigserial PRIMARY KEY,
  external_game_id text NOT NULL,
  market text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total')),
  side text NOT NULL CHECK (side IN ('home', 'away', 'over', 'under')),
  planted_at timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  books TEXT[] NOT NULL,
  fair_move double precision NOT NULL,
  line_move numeric(3, 1) NOT NULL DEFAULT 0,
  seed bigint NOT NULL,
  UNIQUE (external_game_id, market)
);

COMMENT ON TABLE raw.generator_steam_truth IS 'Steam moves planted by pipeline.generate_sample: from planted_at to window_end (<= 30 min) every book in books first shows a price moved toward side by fair_move in fair probability (and line_move on the line). See docs/staging.md.';

-- Down Migration
DROP TABLE raw.generator_steam_truth;

DROP TABLE staging.sportsbook_aliases;

DROP TABLE staging.sportsbooks;

DROP INDEX raw.raw_totals_snapshot_hash_idx;

DROP INDEX raw.raw_spreads_snapshot_hash_idx;

DROP INDEX raw.raw_moneylines_snapshot_hash_idx;

DROP INDEX raw.raw_games_game_hash_idx;

DROP FUNCTION raw.snapshot_hash (text, text, text);

DROP FUNCTION raw.game_hash (text);

DROP FUNCTION raw.sportsbook_key (text);
