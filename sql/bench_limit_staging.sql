-- The benchmark's speed-of-light baseline for the staging phase (`npm run bench`, mode `limit`):
-- the staging transformation as one plain INSERT ... SELECT per table over the whole raw table,
-- with the procedures' own checks, casts and duplicate rule (the staging.* helper functions,
-- which PostgreSQL inlines, and the same raw.*_hash index lookups as staging.classify_*), valid
-- rows only. What it leaves out is what pgphase adds: key ranges, the ledger, savepoints, the
-- quarantine (rejected rows and their messages and jsonb), run ids, upserts. It must stage the
-- same rows as the procedures: the bench compares the staged counts.
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
  v.id,
  v.gid,
  v.home,
  v.away,
  v.start,
  v.score,
  CASE
    WHEN v.score >= 90 THEN 'validated'
    ELSE 'warning'
  END
FROM
  (
    SELECT
      r.id,
      btrim(r.external_game_id) AS gid,
      p.home,
      p.away,
      p.start,
      staging.game_quality_score (
        p.start,
        r.ingested_at,
        (r.external_game_id <> btrim(r.external_game_id))::integer + (
          r.home_team <> p.home
          OR r.away_team <> p.away
        )::integer + (r.game_start <> btrim(r.game_start))::integer + (
          r.game_start !~ '(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?) *$'
        )::integer
      ) AS score
    FROM
      raw.games r
      CROSS JOIN LATERAL (
        SELECT
          staging.clean_team (r.home_team) AS home,
          staging.clean_team (r.away_team) AS away,
          staging.parse_timestamp (r.game_start) AS start
      ) p
    WHERE
      staging.game_reject_reason (
        r.external_game_id,
        r.home_team,
        r.away_team,
        r.game_start,
        r.ingested_at
      ) IS NULL
      AND NOT EXISTS (
        SELECT
          1
        FROM
          raw.games o
        WHERE
          raw.game_hash (o.external_game_id) = raw.game_hash (r.external_game_id)
          AND o.id < r.id
          AND btrim(o.external_game_id) = btrim(r.external_game_id)
          AND staging.game_reject_reason (
            o.external_game_id,
            o.home_team,
            o.away_team,
            o.game_start,
            o.ingested_at
          ) IS NULL
      )
    OFFSET
      0
  ) v;

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
  p.id,
  p.game_id,
  coalesce(p.canonical, p.book),
  p.price_a,
  p.price_b,
  p.captured,
  p.captured >= p.game_start,
  staging.market_quality_score (
    p.overround,
    p.captured,
    p.game_start,
    p.reliability_points,
    (
      p.external_game_id <> btrim(p.external_game_id)
      OR p.sportsbook <> btrim(p.sportsbook)
      OR p.home_odds <> btrim(p.home_odds)
      OR p.away_odds <> btrim(p.away_odds)
      OR p.captured_at <> btrim(p.captured_at)
    )::integer + coalesce(p.book <> p.canonical, FALSE)::integer + (
      p.captured_at !~ '(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?) *$'
    )::integer
  ),
  CASE
    WHEN p.canonical IS NULL
    OR p.overround NOT BETWEEN 0.01 AND 0.10 THEN 'warning'
    ELSE 'validated'
  END
FROM
  (
    SELECT
      q.*,
      g.id AS game_id,
      g.game_start,
      a.sportsbook AS canonical,
      b.reliability_points,
      staging.overround (q.price_a, q.price_b) AS overround
    FROM
      (
        SELECT
          r.*,
          staging.normalize_sportsbook (r.sportsbook) AS book,
          staging.parse_american_odds (r.home_odds) AS price_a,
          staging.parse_american_odds (r.away_odds) AS price_b,
          staging.parse_timestamp (r.captured_at) AS captured
        FROM
          raw.moneylines r
        OFFSET
          0
      ) q
      LEFT JOIN staging.games g ON g.external_game_id = btrim(q.external_game_id)
      LEFT JOIN staging.sportsbook_aliases a ON a.alias = q.book
      LEFT JOIN staging.sportsbooks b ON b.name = a.sportsbook
    OFFSET
      0
  ) p
WHERE
  staging.snapshot_reason (
    p.external_game_id,
    p.sportsbook,
    p.book,
    p.captured_at,
    p.captured,
    p.game_start
  ) IS NULL
  AND p.price_a IS NOT NULL
  AND p.price_b IS NOT NULL
  AND staging.overround_reason (p.price_a, p.price_b) IS NULL
  AND NOT EXISTS (
    SELECT
      1
    FROM
      raw.moneylines o
    WHERE
      raw.snapshot_hash (o.external_game_id, o.sportsbook, o.captured_at) = raw.snapshot_hash (p.external_game_id, p.sportsbook, p.captured_at)
      AND o.id < p.id
      AND btrim(o.external_game_id) = btrim(p.external_game_id)
      AND btrim(o.captured_at) = btrim(p.captured_at)
      AND staging.normalize_sportsbook (o.sportsbook) = p.book
      AND staging.parse_american_odds (o.home_odds) = p.price_a
      AND staging.parse_american_odds (o.away_odds) = p.price_b
  );

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
  p.id,
  p.game_id,
  coalesce(p.canonical, p.book),
  p.home_l,
  p.price_a,
  p.away_l,
  p.price_b,
  p.captured,
  p.captured >= p.game_start,
  staging.market_quality_score (
    p.overround,
    p.captured,
    p.game_start,
    p.reliability_points,
    (
      p.external_game_id <> btrim(p.external_game_id)
      OR p.sportsbook <> btrim(p.sportsbook)
      OR p.home_odds <> btrim(p.home_odds)
      OR p.away_odds <> btrim(p.away_odds)
      OR p.home_line <> btrim(p.home_line)
      OR p.away_line <> btrim(p.away_line)
      OR p.captured_at <> btrim(p.captured_at)
    )::integer + coalesce(p.book <> p.canonical, FALSE)::integer + (
      p.captured_at !~ '(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?) *$'
    )::integer
  ),
  CASE
    WHEN p.canonical IS NULL
    OR p.overround NOT BETWEEN 0.01 AND 0.10 THEN 'warning'
    ELSE 'validated'
  END
FROM
  (
    SELECT
      q.*,
      g.id AS game_id,
      g.game_start,
      a.sportsbook AS canonical,
      b.reliability_points,
      staging.overround (q.price_a, q.price_b) AS overround
    FROM
      (
        SELECT
          r.*,
          staging.normalize_sportsbook (r.sportsbook) AS book,
          staging.parse_american_odds (r.home_odds) AS price_a,
          staging.parse_american_odds (r.away_odds) AS price_b,
          staging.parse_line (r.home_line) AS home_l,
          staging.parse_line (r.away_line) AS away_l,
          staging.parse_timestamp (r.captured_at) AS captured
        FROM
          raw.spreads r
        OFFSET
          0
      ) q
      LEFT JOIN staging.games g ON g.external_game_id = btrim(q.external_game_id)
      LEFT JOIN staging.sportsbook_aliases a ON a.alias = q.book
      LEFT JOIN staging.sportsbooks b ON b.name = a.sportsbook
    OFFSET
      0
  ) p
WHERE
  staging.snapshot_reason (
    p.external_game_id,
    p.sportsbook,
    p.book,
    p.captured_at,
    p.captured,
    p.game_start
  ) IS NULL
  AND p.price_a IS NOT NULL
  AND p.price_b IS NOT NULL
  AND p.home_l IS NOT NULL
  AND p.away_l IS NOT NULL
  AND p.home_l % 0.5 = 0
  AND p.away_l % 0.5 = 0
  AND abs(p.home_l) BETWEEN 0.5 AND 5.5
  AND abs(p.away_l) BETWEEN 0.5 AND 5.5
  AND p.home_l = - p.away_l
  AND staging.overround_reason (p.price_a, p.price_b) IS NULL
  AND NOT EXISTS (
    SELECT
      1
    FROM
      raw.spreads o
    WHERE
      raw.snapshot_hash (o.external_game_id, o.sportsbook, o.captured_at) = raw.snapshot_hash (p.external_game_id, p.sportsbook, p.captured_at)
      AND o.id < p.id
      AND btrim(o.external_game_id) = btrim(p.external_game_id)
      AND btrim(o.captured_at) = btrim(p.captured_at)
      AND staging.normalize_sportsbook (o.sportsbook) = p.book
      AND staging.parse_american_odds (o.home_odds) = p.price_a
      AND staging.parse_american_odds (o.away_odds) = p.price_b
      AND staging.parse_line (o.home_line) = p.home_l
      AND staging.parse_line (o.away_line) = p.away_l
  );

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
  p.id,
  p.game_id,
  coalesce(p.canonical, p.book),
  p.line,
  p.price_a,
  p.price_b,
  p.captured,
  p.captured >= p.game_start,
  staging.market_quality_score (
    p.overround,
    p.captured,
    p.game_start,
    p.reliability_points,
    (
      p.external_game_id <> btrim(p.external_game_id)
      OR p.sportsbook <> btrim(p.sportsbook)
      OR p.over_odds <> btrim(p.over_odds)
      OR p.under_odds <> btrim(p.under_odds)
      OR p.total_line <> btrim(p.total_line)
      OR p.captured_at <> btrim(p.captured_at)
    )::integer + coalesce(p.book <> p.canonical, FALSE)::integer + (
      p.captured_at !~ '(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?) *$'
    )::integer
  ),
  CASE
    WHEN p.canonical IS NULL
    OR p.overround NOT BETWEEN 0.01 AND 0.10 THEN 'warning'
    ELSE 'validated'
  END
FROM
  (
    SELECT
      q.*,
      g.id AS game_id,
      g.game_start,
      a.sportsbook AS canonical,
      b.reliability_points,
      staging.overround (q.price_a, q.price_b) AS overround
    FROM
      (
        SELECT
          r.*,
          staging.normalize_sportsbook (r.sportsbook) AS book,
          staging.parse_american_odds (r.over_odds) AS price_a,
          staging.parse_american_odds (r.under_odds) AS price_b,
          staging.parse_line (r.total_line) AS line,
          staging.parse_timestamp (r.captured_at) AS captured
        FROM
          raw.totals r
        OFFSET
          0
      ) q
      LEFT JOIN staging.games g ON g.external_game_id = btrim(q.external_game_id)
      LEFT JOIN staging.sportsbook_aliases a ON a.alias = q.book
      LEFT JOIN staging.sportsbooks b ON b.name = a.sportsbook
    OFFSET
      0
  ) p
WHERE
  staging.snapshot_reason (
    p.external_game_id,
    p.sportsbook,
    p.book,
    p.captured_at,
    p.captured,
    p.game_start
  ) IS NULL
  AND p.price_a IS NOT NULL
  AND p.price_b IS NOT NULL
  AND p.line IS NOT NULL
  AND p.line % 0.5 = 0
  AND p.line BETWEEN 4.0 AND 20.0
  AND staging.overround_reason (p.price_a, p.price_b) IS NULL
  AND NOT EXISTS (
    SELECT
      1
    FROM
      raw.totals o
    WHERE
      raw.snapshot_hash (o.external_game_id, o.sportsbook, o.captured_at) = raw.snapshot_hash (p.external_game_id, p.sportsbook, p.captured_at)
      AND o.id < p.id
      AND btrim(o.external_game_id) = btrim(p.external_game_id)
      AND btrim(o.captured_at) = btrim(p.captured_at)
      AND staging.normalize_sportsbook (o.sportsbook) = p.book
      AND staging.parse_american_odds (o.over_odds) = p.price_a
      AND staging.parse_american_odds (o.under_odds) = p.price_b
      AND staging.parse_line (o.total_line) = p.line
  );
