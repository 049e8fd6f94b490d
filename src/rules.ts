import type * as z from 'zod';

/**
 * A value through one schema rule (the environment's, src/env-rules.ts; integrations.yml's,
 * src/catalogue/schema.ts): what it gives, or the sentence its first problem says.
 */
export function applyRule<T>(
  rule: z.ZodType<T>,
  raw: unknown,
): { ok: true; value: T } | { ok: false; problem: string } {
  const result = rule.safeParse(raw);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problem: result.error.issues[0]?.message ?? 'is not valid.' };
}

/** The sentence a rule gives for `value`, or undefined when it passes. */
export function ruleProblem(rule: z.ZodType, value: unknown): string | undefined {
  const result = applyRule(rule, value);
  return result.ok ? undefined : result.problem;
}
