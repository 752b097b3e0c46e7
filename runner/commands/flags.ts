/**
 * Flags are parsed one way: each command's input is a zod schema built from these helpers, and
 * `usageError` turns the first failure into a UsageError naming the flag as the user typed it
 * (`--workers must be a whole number from 1 to 1024, not "abc"`) with a hint. Values arrive as
 * the strings commander collected; numbers are ASCII digits only (no sign, exponent, hex, spaces).
 */
import { z } from 'zod';
import { showInput, UsageError } from '../errors.js';

/** Issue params: `full` when the message names what it is about itself; `example` a valid value. */
interface FlagIssue {
  readonly full?: boolean;
  readonly example?: string;
  readonly hint?: string;
}

const fail = (ctx: z.RefinementCtx, message: string, params: FlagIssue = {}) => {
  ctx.addIssue({ code: 'custom', message, params: { ...params } });
  return z.NEVER;
};

/** A whole number in [min, max], from ASCII digits. */
export const whole = (min: number, max: number) =>
  z.string().transform((value, ctx) => {
    const n = /^[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
    if (n >= min && n <= max) return n;
    return fail(ctx, `must be a whole number from ${min} to ${max}, not ${showInput(value)}`, { example: String(Math.max(min, Math.min(max, 4))) });
  });

/** Any whole number, negative too (a seed). */
export const anyWhole = () =>
  z
    .string()
    .transform((value, ctx) =>
      /^-?[0-9]{1,15}$/.test(value) ? Number(value) : fail(ctx, `must be a whole number, not ${showInput(value)}`, { example: '1' }),
    );

/** A share from 0 to 1 (0.05 is 5%). */
export const share = () =>
  z
    .string()
    .transform((value, ctx) =>
      /^(0|1|0?\.[0-9]{1,6}|1\.0*)$/.test(value) ? Number(value) : fail(ctx, `must be a share from 0 to 1 (0.05 is 5%), not ${showInput(value)}`),
    );

/** A string matching `pattern`, described as `what` ("a reason code such as invalid_odds"). */
export const matching = (pattern: RegExp, what: string, hint?: string) =>
  z.string().transform((value, ctx) => (pattern.test(value) ? value : fail(ctx, `takes ${what}, not ${showInput(value)}`, hint ? { hint } : {})));

/** A run id argument. */
export const runId = () =>
  z
    .string()
    .transform((value, ctx) =>
      /^[0-9]{1,18}$/.test(value)
        ? value
        : fail(ctx, `a run id is a whole number, not ${showInput(value)}`, { full: true, hint: 'List runs with `pgphase status`.' }),
    );

/** A text that must not be blank. */
export const text = () => z.string().refine((v) => v.trim() !== '', { message: 'is empty' });

export const flag = () => z.boolean().optional();

/** A refinement over several flags whose message is complete. */
export function conflict(ctx: z.RefinementCtx, message: string, hint?: string): void {
  ctx.addIssue({ code: 'custom', message, params: { full: true, ...(hint ? { hint } : {}) } });
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The first issue as a UsageError: `--flag-name <message>` and a hint. */
function usageError(error: z.ZodError, command: string, argNames: readonly string[] = []): UsageError {
  const issue = error.issues[0]!;
  const params = ((issue as { params?: FlagIssue }).params ?? {}) as FlagIssue;
  const key = String(issue.path[0] ?? '');
  const label = argNames.includes(key) ? `<${key}>` : `--${kebab(key)}`;
  const message = params.full || !key ? issue.message : `${label} ${issue.message}`;
  const hint =
    params.hint ??
    (params.example && !argNames.includes(key)
      ? `For example ${label} ${params.example}; see \`pgphase ${command} --help\`.`
      : `Run \`pgphase ${command} --help\` for its arguments and flags.`);
  return new UsageError(message, hint);
}

/** Parses a command's raw input with its schema, or throws the UsageError above. */
export function parseInput<I>(schema: z.ZodType<I>, raw: Record<string, unknown>, command: string, argNames: readonly string[] = []): I {
  const result = schema.safeParse(raw);
  if (!result.success) throw usageError(result.error, command, argNames);
  return result.data;
}
