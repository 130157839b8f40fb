/** An embeddings request after its surface parsed it: what the attempt and the answer read. */

export interface EmbeddingsRequest {
  readonly model: string;
  readonly inputs: readonly string[];
  readonly dimensions: number | undefined;
  readonly encodingFormat: 'float' | 'base64';
  /** Parameters accepted and not sent (`user`): named in `x-switchyard-dropped-params`. */
  readonly dropped: readonly string[];
}
