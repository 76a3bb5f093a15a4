/**
 * Cuts a manifest file into its YAML documents before anything else happens. Variable
 * substitution works on text (so that `replicas: #{Replicas}` becomes a number), and it must
 * know which document and line each `#{...}` sits on; cutting first keeps document numbers
 * and line numbers those of the file the user wrote, whatever the values contain.
 *
 * A `.json` file (any case) is one JSON value, so it is one document: a `---` line in it is
 * not a separator but an error of the JSON (json.ts).
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
const JSON_FILE = /\.json$/i;
/** Only JSON's whitespace (line ends are normalized to LF first). */
const JSON_BLANK = /^[ \t\n]*$/;

/** Whether a file is read as strict JSON rather than YAML: its name ends in `.json`, any case. */
export function isJsonFile(name: string): boolean {
  return JSON_FILE.test(name);
}

function withoutByteOrderMark(content: string): string {
  return content.startsWith(BYTE_ORDER_MARK) ? content.slice(1) : content;
}

/**
 * Splits `content` at separator lines. Text before the first separator is a document only
 * if it has content: `# header\n---\nkind: ...` holds one document, as YAML says.
 * Empty documents are returned (they keep their number) and skipped later.
 */
export function splitDocuments(content: string): DocumentText[] {
  const lines = withoutByteOrderMark(content).replace(/\r\n?/g, '\n').split('\n');
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

/** The documents of a file: a JSON file's whole text (none when it is blank), a YAML file's split. */
export function documentsOf(name: string, content: string): DocumentText[] {
  if (!isJsonFile(name)) return splitDocuments(content);
  const text = withoutByteOrderMark(content).replace(/\r\n?/g, '\n');
  return JSON_BLANK.test(text) ? [] : [{ document: 1, line: 1, text }];
}
