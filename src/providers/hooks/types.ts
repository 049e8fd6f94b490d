import type { HttpResponse } from '../http.js';
import type { Outcome, ValidOutcome } from '../outcome.js';
import type { TokenSecret, ValidationContext } from '../call.js';

/** What a provider needs beyond the table's data. Every member is optional. */
export interface ProviderHook {
  /** Refuses a secret before any network call (e.g. a Harness token of another account). */
  precheck?(ctx: ValidationContext, secret: TokenSecret): Outcome | undefined;
  /** Looks at the raw answer before generic classification (2xx answers that mean failure). */
  inspect?(ctx: ValidationContext, response: HttpResponse): Outcome | undefined;
  /** Refines a generic valid outcome, possibly with more calls. */
  afterValid?(
    ctx: ValidationContext,
    secret: TokenSecret,
    outcome: ValidOutcome,
    response: HttpResponse,
  ): Promise<Outcome> | Outcome;
  /** Replaces the whole flow; `generic` runs the table-driven one. */
  validate?(ctx: ValidationContext, secret: TokenSecret, generic: () => Promise<Outcome>): Promise<Outcome>;
}
