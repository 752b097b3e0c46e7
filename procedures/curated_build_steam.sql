-- Curated step 4 of 5: steam moves into steam_moves.
-- A move is one book's change between two consecutive pre-game snapshots:
--   price move: the line is unchanged (or there is none) and the fair probability of side a
--               changed by more than steam_theta; its side is the side that became more likely;
--   line move:  the line changed by at least steam_line_theta points; its side is the side the
--               line moved toward (spread: home line down = home; total: line up = over).
-- (A line move's fair probability change is not a price move: books reset the juice when they move
-- the line.) A move at time t anchors a steam window [t, t + steam_window] when at least
-- steam_min_books distinct books make a move of the same kind and side in it. Anchors of the same
-- (game, market, kind, side) less than steam_window apart are one event; the event covers its first
-- anchor up to its last anchor + steam_window, and its size is the mean over its books of each
-- book's summed moves in it (fair probability for price moves, points for line moves).
CREATE OR REPLACE PROCEDURE curated.build_steam (p_lo bigint, p_hi bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_set curated.settings%ROWTYPE;
BEGIN
  SELECT * INTO STRICT v_set FROM curated.settings;

  INSERT INTO steam_moves (
    game_id, market, kind, side, started_at, ended_at, minutes_before,
    n_books, n_moves, books, size, max_move)
  WITH moves AS (
    SELECT ms.game_id, ms.market, ms.sportsbook, ms.captured_at, 'price' AS kind,
           CASE WHEN ms.fair_move > 0 THEN 'a' ELSE 'b' END AS ab,
           abs(ms.fair_move) AS size
      FROM market_snapshots ms
     WHERE ms.game_id BETWEEN p_lo AND p_hi
       AND abs(ms.fair_move) > v_set.steam_theta AND coalesce(ms.line_move, 0) = 0
    UNION ALL
    SELECT ms.game_id, ms.market, ms.sportsbook, ms.captured_at, 'line',
           CASE WHEN (ms.market = 'spread') = (ms.line_move < 0) THEN 'a' ELSE 'b' END,
           abs(ms.line_move)::double precision
      FROM market_snapshots ms
     WHERE ms.game_id BETWEEN p_lo AND p_hi AND abs(ms.line_move) >= v_set.steam_line_theta
  ),
  windows AS (
    SELECT m.game_id, m.market, m.kind, m.ab, m.captured_at,
           array_agg(m.sportsbook) OVER (
             PARTITION BY m.game_id, m.market, m.kind, m.ab ORDER BY m.captured_at
             RANGE BETWEEN CURRENT ROW AND v_set.steam_window FOLLOWING) AS books
      FROM moves m
  ),
  anchors AS (
    SELECT w.*,
           lag(w.captured_at) OVER (PARTITION BY w.game_id, w.market, w.kind, w.ab ORDER BY w.captured_at) AS prev_at
      FROM windows w
     WHERE cardinality(w.books) >= v_set.steam_min_books
       AND (SELECT count(DISTINCT b) FROM unnest(w.books) AS b) >= v_set.steam_min_books
  ),
  numbered AS (
    SELECT a.*,
           count(*) FILTER (WHERE a.prev_at IS NULL OR a.captured_at - a.prev_at > v_set.steam_window)
             OVER (PARTITION BY a.game_id, a.market, a.kind, a.ab ORDER BY a.captured_at) AS event_no
      FROM anchors a
  ),
  events AS (
    SELECT game_id, market, kind, ab, event_no,
           min(captured_at) AS started_at, max(captured_at) + v_set.steam_window AS window_end
      FROM numbered
     GROUP BY game_id, market, kind, ab, event_no
  ),
  per_book AS (
    SELECT e.game_id, e.market, e.kind, e.ab, e.started_at, m.sportsbook,
           count(*) AS n_moves, sum(m.size ORDER BY m.captured_at) AS moved, max(m.size) AS max_move,
           max(m.captured_at) AS last_at
      FROM events e
      JOIN moves m ON m.game_id = e.game_id AND m.market = e.market AND m.kind = e.kind AND m.ab = e.ab
       AND m.captured_at BETWEEN e.started_at AND e.window_end
     GROUP BY e.game_id, e.market, e.kind, e.ab, e.started_at, m.sportsbook
  )
  SELECT p.game_id, p.market, p.kind,
         CASE WHEN p.market = 'total' THEN CASE p.ab WHEN 'a' THEN 'over' ELSE 'under' END
              ELSE CASE p.ab WHEN 'a' THEN 'home' ELSE 'away' END END,
         p.started_at, max(p.last_at),
         extract(epoch FROM min(g.game_start) - p.started_at)::double precision / 60,
         count(*), sum(p.n_moves), array_agg(p.sportsbook ORDER BY p.sportsbook),
         avg(p.moved ORDER BY p.sportsbook), max(p.max_move)
    FROM per_book p
    JOIN staging.games g ON g.id = p.game_id
   GROUP BY p.game_id, p.market, p.kind, p.ab, p.started_at;
END
$$;
