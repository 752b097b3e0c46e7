-- The staging judgement of the raw.totals rows (over/under) with id in [p_lo, p_hi], one output
-- row per raw row, in one pass and without writing anything: the cleaned, typed values and a
-- quality score (reason_code NULL), or a reason_code, a message and the raw row as jsonb. Rules,
-- first failing first: staging.snapshot_reason (fields, sportsbook, time, game), the two prices
-- (staging.american_odds_reason), the line (missing_field, invalid_line, line_not_half_step,
-- line_out_of_range: an MLB total is within 4.0..20.0 runs), the overround
-- (staging.overround_reason), then duplicates: of valid rows with the same game, sportsbook
-- key, capture time (as written, trimmed), line and prices,
-- the lowest raw id is staged and the others are duplicate_snapshot. Duplicates are looked up in
-- the whole of raw.totals (raw_totals_snapshot_hash_idx), so the outcome of a row does
-- not depend on how the key space was cut into ranges nor on the order they ran in. Every rule
-- is a function of the columns that key compares, so an equal lower row is also a valid one.
CREATE OR REPLACE FUNCTION staging.classify_totals (p_lo bigint, p_hi bigint) RETURNS TABLE (
  source_raw_id bigint,
  game_id bigint,
  sportsbook text,
  total_line numeric,
  over_odds integer,
  under_odds integer,
  captured_at timestamptz,
  is_live boolean,
  data_quality_score numeric,
  validation_status text,
  reason_code text,
  message text,
  raw_row jsonb
) LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT v.id,
       v.game_id,
       coalesce(v.canonical, v.book),
       v.line_a,
       v.price_a,
       v.price_b,
       v.captured,
       v.captured >= v.game_start,
       k.score,
       CASE WHEN k.score IS NOT NULL THEN staging.market_status(v.canonical, v.overround) END,
       k.code,
       CASE WHEN k.code IS NOT NULL THEN staging.reject_message(k.code, k.field, CASE k.field
         WHEN 'external_game_id' THEN v.external_game_id
         WHEN 'sportsbook' THEN v.sportsbook
         WHEN 'captured_at' THEN v.captured_at
         WHEN 'over_odds' THEN v.over_odds
         WHEN 'under_odds' THEN v.under_odds
         WHEN 'total_line' THEN v.total_line
         WHEN 'overround' THEN to_char(v.overround, 'FM0.0000')
         WHEN 'raw.totals' THEN d.id::text END) END,
       CASE WHEN k.code IS NOT NULL THEN jsonb_build_object(
         'id', v.id, 'external_game_id', v.external_game_id, 'sportsbook', v.sportsbook,
         'total_line', v.total_line, 'over_odds', v.over_odds, 'under_odds', v.under_odds, 'captured_at', v.captured_at,
         'ingested_at', to_char(v.ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END
  FROM (SELECT p.*,
               g.id AS game_id,
               g.game_start,
               staging.overround(p.price_a, p.price_b) AS overround,
               CASE
                 WHEN s.reason IS NOT NULL THEN s.reason
                 WHEN p.price_a IS NULL THEN staging.american_odds_reason(p.over_odds) || ':over_odds'
                 WHEN p.price_b IS NULL THEN staging.american_odds_reason(p.under_odds) || ':under_odds'
                 WHEN staging.total_line_reason(p.total_line, p.line_a) IS NOT NULL
                   THEN staging.total_line_reason(p.total_line, p.line_a)
                 ELSE staging.overround_reason(p.price_a, p.price_b) || ':overround'
               END AS reason
          FROM (SELECT r.*,
                       bk.book,
                       bk.canonical,
                       bk.reliability_points,
                       staging.parse_american_odds(r.over_odds) AS price_a,
                       staging.parse_american_odds(r.under_odds) AS price_b,
                       staging.parse_line(r.total_line) AS line_a,
                       staging.parse_timestamp(r.captured_at) AS captured
                  FROM raw.totals r
                  -- a range names a few dozen books: normalise each distinct name once
                  LEFT JOIN (SELECT n.name, n.book, a.sportsbook AS canonical, b.reliability_points
                               FROM (SELECT x.name, staging.normalize_sportsbook(x.name) AS book
                                       FROM (SELECT DISTINCT sportsbook AS name FROM raw.totals
                                              WHERE id BETWEEN p_lo AND p_hi) x) n
                               LEFT JOIN staging.sportsbook_aliases a ON a.alias = n.book
                               LEFT JOIN staging.sportsbooks b ON b.name = a.sportsbook) bk ON bk.name = r.sportsbook
                 WHERE r.id BETWEEN p_lo AND p_hi
                OFFSET 0) p
          -- an index lookup per row (staging.games is keyed by external_game_id): as cheap as a
          -- hash join over a large range, and no scan of every game for a one-row range
          LEFT JOIN LATERAL (SELECT sg.id, sg.game_start FROM staging.games sg
                              WHERE sg.external_game_id = btrim(p.external_game_id) LIMIT 1) g ON TRUE
         CROSS JOIN LATERAL (SELECT staging.snapshot_reason(p.external_game_id, p.sportsbook, p.book,
                                      p.captured_at, p.captured, g.game_start) AS reason) s
        OFFSET 0) v
  LEFT JOIN LATERAL (
        SELECT o.id
          FROM raw.totals o
         WHERE v.reason IS NULL
           AND raw.snapshot_hash(o.external_game_id, o.sportsbook, o.captured_at)
               = raw.snapshot_hash(v.external_game_id, v.book, v.captured_at)
           AND o.id < v.id
           AND btrim(o.external_game_id) = btrim(v.external_game_id)
           AND btrim(o.captured_at) = btrim(v.captured_at)
           AND staging.normalize_sportsbook(o.sportsbook) = v.book
           AND staging.parse_american_odds(o.over_odds) = v.price_a
           AND staging.parse_american_odds(o.under_odds) = v.price_b
           AND staging.parse_line(o.total_line) = v.line_a
         ORDER BY o.id
         LIMIT 1) d ON TRUE
 CROSS JOIN LATERAL (
        SELECT nullif(split_part(x.reason, ':', 1), '') AS code,
               split_part(x.reason, ':', 2) AS field,
               CASE WHEN x.reason IS NULL THEN staging.market_quality_score(v.overround, v.captured, v.game_start,
                   v.reliability_points,
                   staging.market_repairs((v.external_game_id <> btrim(v.external_game_id) OR v.sportsbook <> btrim(v.sportsbook)
                    OR v.over_odds <> btrim(v.over_odds) OR v.under_odds <> btrim(v.under_odds)
                    OR v.total_line <> btrim(v.total_line)
                    OR v.captured_at <> btrim(v.captured_at)),
                   v.book, v.canonical, v.captured_at)) END AS score
          FROM (SELECT coalesce(v.reason, CASE WHEN d.id IS NOT NULL THEN 'duplicate_snapshot:raw.totals' END) AS reason) x
        OFFSET 0) k
$$;
