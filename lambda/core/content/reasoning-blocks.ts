/** Reasoning blocks assembled from a stream's pieces. */
import type { ReasoningBlock } from '../model/reasoning';

/** Streamed reasoning pieces assembled into blocks: text accumulates until a signature closes it. */
export function reasoningCollector() {
  const blocks: ReasoningBlock[] = [];
  let text = '';
  return {
    add(piece: { readonly text?: string | undefined; readonly signature?: string | undefined; readonly redacted?: string | undefined }): void {
      if (piece.redacted !== undefined) blocks.push({ redacted: piece.redacted });
      if (piece.text !== undefined) text += piece.text;
      if (piece.signature !== undefined) {
        blocks.push({ text, signature: piece.signature });
        text = '';
      }
    },
    blocks: (): ReasoningBlock[] => [...blocks],
  };
}
