/** The note that stands in for a piece of a message no model on this path takes, so the turn keeps its place. */
export function notSentNote(kind: 'block' | 'part', type: string): string {
  return `[${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} ${kind} was here; this model was not sent it]`;
}
