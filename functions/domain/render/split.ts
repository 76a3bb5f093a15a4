/**
 * Cuts a manifest file into its YAML documents before anything else happens. Variable
 * substitution works on text (so that `replicas: #{Replicas}` becomes a number), and it must
 * know which document and line each `#{...}` sits on; cutting first keeps document numbers
 * and line numbers those of the file the user wrote, whatever the values contain.
 */

/** One document's text as cut from a file. */
export type DocumentText = {
  /** 1-based document number, counted as YAML counts documents. */
  document: number;
  /** 1-based line in the file of the document's first line (the line after its `---`). */
  line: number;
  text: string;
};

/**
 * A line that separates documents: exactly `---`, optionally followed by blanks or a comment.
 * `--- {inline: content}` is not cut here; YAML then reports the second document clearly.
 */
const SEPARATOR = /^---[ \t]*(?:#.*)?$/;

/** Lines that carry no content: blank, comments, and YAML directives such as `%YAML 1.2`. */
const NO_CONTENT = /^\s*(?:#.*|%.*)?$/;

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Splits `content` at separator lines. Text before the first separator is a document only
 * if it has content: `# header\n---\nkind: ...` holds one document, as YAML says.
 * Empty documents are returned (they keep their number) and skipped later.
 */
export function splitDocuments(content: string): DocumentText[] {
  const text = content.startsWith(BYTE_ORDER_MARK) ? content.slice(1) : content;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const documents: DocumentText[] = [];
  let start = 0;
  let current: string[] = [];
  const close = (): void => {
    const isPreamble = documents.length === 0 && current.every((line) => NO_CONTENT.test(line));
    if (!isPreamble) documents.push({ document: documents.length + 1, line: start + 1, text: current.join('\n') });
  };
  lines.forEach((line, index) => {
    if (SEPARATOR.test(line)) {
      close();
      start = index + 1;
      current = [];
    } else {
      current.push(line);
    }
  });
  close();
  return documents;
}
