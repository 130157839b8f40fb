/** OpenAI's embeddings API as one surface object. Its endpoint parses and encodes with this folder's functions directly, since an embedding is no chat. */
import type { Surface } from '../shared/surface';
import { embeddingsErrorBody } from './error-envelope';

export const EMBEDDINGS: Surface = { name: 'embeddings', errorBody: embeddingsErrorBody };
