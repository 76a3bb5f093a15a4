/**
 * Reads request bodies with a size limit and decodes them by content type.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '../errors.ts';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from '../protobuf/index.ts';

/** kube-apiserver's default limit for a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** apierrors.NewRequestEntityTooLargeError, as the handlers' limitedReadBody words it. */
function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** The media type without parameters, lower-cased: 'application/json'. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Decodes a JSON, YAML or Kubernetes protobuf body (kubectl's typed clients send protobuf)
 * into a value; a 400 names the decoding problem. Responses are always JSON.
 */
export function decodeBody(raw: Buffer, contentType: string): unknown {
  const type = mediaType(contentType);
  if (type === PROTOBUF_CONTENT_TYPE) return decodeKubernetesProtobuf(raw);
  const text = raw.toString('utf8');
  if (!text.trim()) throw badRequest('the request body is empty');
  if (type.includes('yaml')) {
    try {
      return parseYaml(text);
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}
