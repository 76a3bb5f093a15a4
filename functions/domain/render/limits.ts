/**
 * How much input the deploy engine accepts, and why each number. Every limit is checked
 * before the work it bounds (reading, substituting, parsing), so that an endless stream or
 * an exploding variable ends in a clear bad-input error, not in an out-of-memory crash.
 */

const MiB = 1024 * 1024;

/**
 * All manifest input of one step (every file, stdin included), and the whole rendered text
 * after variable substitution. Generous for real manifest sets (the largest public operator
 * bundles are a few MiB), small enough that rendering stays well under 1 GiB of memory.
 */
export const MAX_INPUT_BYTES = 16 * MiB;

/**
 * One YAML/JSON document's text, before and after substitution: kube-apiserver refuses request
 * bodies over 3 MiB (`MaxRequestBodyBytes`), so a larger document could never be applied.
 */
export const MAX_DOCUMENT_BYTES = 3 * MiB;

/**
 * One rendered object, as JSON: etcd's default request limit (`--max-request-bytes`, 1.5 MiB)
 * is what makes a real cluster refuse larger objects.
 */
export const MAX_OBJECT_BYTES = 1.5 * MiB;

/**
 * `#{...}` expressions in one document. Each use of a variable is followed through the check
 * that values keep the manifest's structure, in a text where it is a marker longer than the
 * reference itself; real manifests hold dozens, generated ones a few thousand. A document made
 * of little but references would make that text and its check several times larger than the
 * document, so planning stops at this count.
 */
export const MAX_REFERENCES_PER_DOCUMENT = 50_000;

/** "16 MiB", "1.5 MiB": how limits are named in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}
