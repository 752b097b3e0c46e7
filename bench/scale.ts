/**
 * The scaling series: pgphase_n at each size, regenerating the data for each (untimed), to show
 * that the cost per row does not grow with the table. A size equal to the main run's reuses its
 * pgphase_n figure instead of generating the same data again.
 */
import { load } from './machine.js';
import type { ModeContext, ModeResult } from './modes/types.js';
import { pgphaseMode } from './modes/pgphase.js';
import { resetStaging } from './reset.js';
import type { BenchResult } from './result.js';

type Point = NonNullable<BenchResult['scale']>['points'][number];

export async function runScale(
  sizes: readonly number[],
  ctx: ModeContext,
  repeat: number,
  regenerate: (rows: number) => Promise<number>,
  reuse: { requested: number; result: ModeResult; load: readonly [number, number] } | undefined,
): Promise<Point[]> {
  const points: Point[] = [];
  // Sizes equal to the data already loaded first, so it is not generated twice.
  const ordered = [...sizes].sort((a, b) => Number(b === reuse?.requested) - Number(a === reuse?.requested) || a - b);
  for (const size of ordered) {
    if (reuse && size === reuse.requested && !reuse.result.skipped) {
      const { rows, seconds } = reuse.result;
      points.push({ rows, seconds, secondsPerRow: seconds / rows, rowsPerSec: reuse.result.rowsPerSec, load: reuse.load });
      continue;
    }
    ctx.say(`scale ${size.toLocaleString('en-US')}: generating (untimed)`);
    const rows = await regenerate(size);
    let best: Point | undefined;
    for (let i = 0; i < repeat; i++) {
      await resetStaging(ctx.url);
      const before = load()[0]!;
      const result = await pgphaseMode('pgphase_n').run({ ...ctx, rows });
      const point: Point = {
        rows: result.rows,
        seconds: Math.round(result.seconds * 1000) / 1000,
        secondsPerRow: result.seconds / result.rows,
        rowsPerSec: result.rowsPerSec,
        load: [before, load()[0]!],
      };
      ctx.say(`scale ${size.toLocaleString('en-US')}: ${point.seconds.toFixed(2)} s, ${point.rowsPerSec.toLocaleString('en-US')} rows/s`);
      if (!best || point.seconds < best.seconds) best = point;
    }
    points.push(best!);
  }
  return points.sort((a, b) => a.rows - b.rows);
}
