// A partly rejected update: when Intercom refuses a change of several fields (400/422, say "Invalid
// email" for one of them), each field is sent alone, so the valid ones still reach Intercom and only
// the refused ones are parked, each with Intercom's reason.
import { IntercomApiError } from '../../intercom/errors.js';

export interface RejectedField {
  /** A column, or `custom_attributes.<key>`. */
  readonly field: string;
  readonly reason: string;
}

export interface SplitUpdate<Answer> {
  /** The last answer of an accepted call (the record as Intercom then had it). */
  readonly answer: Answer;
  readonly rejected: readonly RejectedField[];
  readonly calls: number;
}

/** Intercom refused the request's content (not the record's state, not a conflict, not a fault). */
export function isContentRejection(error: unknown): error is IntercomApiError {
  return (
    error instanceof IntercomApiError &&
    !error.retryable &&
    (error.status === 400 || error.status === 422) &&
    !error.conflictId
  );
}

/**
 * Sends `fields` in one call; if Intercom refuses their content and there is more than one, sends
 * each alone and reports the refused ones. Throws the first error when every field is refused (or
 * on any other error).
 * @example const { answer, rejected } = await updateSplittingRejects((f) => client.contacts.update(id, nest(f)), fields);
 */
export async function updateSplittingRejects<Answer>(
  send: (fields: Readonly<Record<string, unknown>>) => Promise<Answer>,
  fields: Readonly<Record<string, unknown>>,
): Promise<SplitUpdate<Answer>> {
  try {
    return { answer: await send(fields), rejected: [], calls: 1 };
  } catch (error) {
    const names = Object.keys(fields);
    if (!isContentRejection(error) || names.length < 2) throw error;
    let answer: Answer | undefined;
    let calls = 1;
    const rejected: RejectedField[] = [];
    for (const field of names) {
      calls++;
      try {
        answer = await send({ [field]: fields[field] });
      } catch (single) {
        if (!isContentRejection(single)) throw single;
        rejected.push({ field, reason: single.message });
      }
    }
    if (answer === undefined) throw error;
    return { answer, rejected, calls };
  }
}
