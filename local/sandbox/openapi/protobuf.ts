/**
 * Encodes an OpenAPI v2 (swagger) JSON document as the gnostic `openapi.v2.Document`
 * protobuf message. kubectl (client-go discovery `OpenAPISchema`) only ever asks /openapi/v2
 * for `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and proto-decodes the
 * body, and `kubectl apply/create` fetch it whenever validation is on (the default), so the
 * sandbox has to speak this encoding. Field numbers follow gnostic's OpenAPIv2.proto.
 * Vendor extensions, defaults and enums travel as `Any{yaml}`; JSON text is valid YAML.
 */
import type { SchemaNode, SwaggerDocument } from './swagger.ts';

/**
 * The response Content-Type. Clients ask with the deprecated `...spec.v2@v1.0+protobuf` form,
 * but '@' is not a valid MIME token, so kube-openapi answers with this one (Go's mime parser,
 * used by kubectl explain's v2 path, rejects the '@' form).
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const INITIAL_BUFFER_BYTES = 1 << 20;
const MAX_VARINT_BYTES = 10;

/**
 * A protobuf writer over one growable buffer. Sub-messages are written in place and their
 * length prefix inserted afterwards, so encoding the 4 MB spec allocates a handful of
 * buffers instead of millions of tiny ones (which grew the heap by >100 MB).
 */
class ProtoWriter {
  private buf = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  private varint(value: number): void {
    this.ensure(MAX_VARINT_BYTES);
    let v = value;
    while (v > 0x7f) {
      this.buf[this.length++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private bytes(value: string): void {
    const size = Buffer.byteLength(value, 'utf8');
    this.varint(size);
    this.ensure(size);
    this.length += this.buf.write(value, this.length, 'utf8');
  }

  string(field: number, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    this.tag(field, WIRE_LENGTH);
    this.bytes(value);
  }

  strings(field: number, values: unknown): void {
    if (!Array.isArray(values)) return;
    for (const v of values) {
      if (typeof v !== 'string') continue;
      this.tag(field, WIRE_LENGTH);
      this.bytes(v);
    }
  }

  bool(field: number, value: unknown): void {
    if (value !== true) return;
    this.tag(field, WIRE_VARINT);
    this.varint(1);
  }

  int64(field: number, value: unknown): void {
    if (typeof value !== 'number' || value <= 0 || !Number.isInteger(value)) return;
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  double(field: number, value: unknown): void {
    if (typeof value !== 'number' || value === 0) return;
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  /** Writes a sub-message; empty messages are still written when `always` (oneof members). */
  message(field: number, build: (w: ProtoWriter) => void, always = false): void {
    const start = this.length;
    build(this);
    const size = this.length - start;
    if (size === 0 && !always) return;
    // Encode tag + length at the end, then rotate them in front of the content.
    this.tag(field, WIRE_LENGTH);
    this.varint(size);
    const prefixLength = this.length - start - size;
    const prefix = Buffer.from(this.buf.subarray(start + size, this.length));
    this.buf.copyWithin(start + prefixLength, start, start + size);
    prefix.copy(this.buf, start);
  }

  finish(): Uint8Array {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

type Json = Record<string, any>;

function writeAny(w: ProtoWriter, field: number, value: unknown): void {
  if (value === undefined) return;
  w.message(field, (a) => a.string(2, `${JSON.stringify(value)}\n`), true);
}

function writeVendorExtensions(w: ProtoWriter, field: number, node: Json): void {
  for (const [key, value] of Object.entries(node)) {
    if (!key.startsWith('x-')) continue;
    w.message(field, (n) => {
      n.string(1, key);
      writeAny(n, 2, value);
    });
  }
}

function writeSchema(w: ProtoWriter, s: SchemaNode): void {
  w.string(1, s.$ref);
  w.string(2, s.format);
  w.string(3, s.title);
  w.string(4, s.description);
  writeAny(w, 5, s.default);
  w.double(6, s.multipleOf);
  w.double(7, s.maximum);
  w.bool(8, s.exclusiveMaximum);
  w.double(9, s.minimum);
  w.bool(10, s.exclusiveMinimum);
  w.int64(11, s.maxLength);
  w.int64(12, s.minLength);
  w.string(13, s.pattern);
  w.int64(14, s.maxItems);
  w.int64(15, s.minItems);
  w.bool(16, s.uniqueItems);
  w.int64(17, s.maxProperties);
  w.int64(18, s.minProperties);
  w.strings(19, s.required);
  for (const e of s.enum ?? []) writeAny(w, 20, e);
  if (s.additionalProperties !== undefined) {
    const ap = s.additionalProperties;
    w.message(
      21,
      (a) => {
        if (typeof ap === 'boolean') a.bool(2, ap);
        else a.message(1, (x) => writeSchema(x, ap), true);
      },
      true,
    );
  }
  if (typeof s.type === 'string') w.message(22, (t) => t.strings(1, [s.type]));
  if (s.items) w.message(23, (i) => i.message(1, (x) => writeSchema(x, s.items!), true), true);
  for (const sub of s.allOf ?? []) w.message(24, (x) => writeSchema(x, sub), true);
  if (s.properties) {
    w.message(
      25,
      (p) => {
        for (const [name, prop] of Object.entries(s.properties!)) {
          p.message(
            1,
            (n) => {
              n.string(1, name);
              n.message(2, (x) => writeSchema(x, prop), true);
            },
            true,
          );
        }
      },
      true,
    );
  }
  w.string(26, s.discriminator);
  w.bool(27, s.readOnly);
  writeAny(w, 30, s.example);
  writeVendorExtensions(w, 31, s);
}

/** Query and form-data sub-schemas share one numbering, path and header another. */
function writeNonBodyParameter(w: ProtoWriter, p: Json): void {
  const queryLike = p.in === 'query' || p.in === 'formData';
  const oneofField = { header: 1, formData: 2, query: 3, path: 4 }[p.in as string] ?? 3;
  w.message(
    oneofField,
    (s) => {
      const o = queryLike ? 1 : 0; // query/formData have allow_empty_value at 5, shifting later fields by one
      s.bool(1, p.required);
      s.string(2, p.in);
      s.string(3, p.description);
      s.string(4, p.name);
      if (queryLike) s.bool(5, p.allowEmptyValue);
      s.string(5 + o, p.type);
      s.string(6 + o, p.format);
      s.string(8 + o, p.collectionFormat);
      writeAny(s, 9 + o, p.default);
      s.bool(19 + o, p.uniqueItems);
      for (const e of p.enum ?? []) writeAny(s, 20 + o, e);
      writeVendorExtensions(s, 22 + o, p);
    },
    true,
  );
}

function writeParameter(w: ProtoWriter, p: Json): void {
  if (p.in === 'body') {
    w.message(
      1,
      (b) => {
        b.string(1, p.description);
        b.string(2, p.name);
        b.string(3, p.in);
        b.bool(4, p.required);
        if (p.schema) b.message(5, (x) => writeSchema(x, p.schema), true);
        writeVendorExtensions(b, 6, p);
      },
      true,
    );
  } else {
    w.message(2, (nb) => writeNonBodyParameter(nb, p), true);
  }
}

function writeParametersItem(w: ProtoWriter, p: Json): void {
  if (typeof p.$ref === 'string') w.message(2, (r) => r.string(1, p.$ref), true);
  else w.message(1, (x) => writeParameter(x, p), true);
}

function writeOperation(w: ProtoWriter, op: Json): void {
  w.strings(1, op.tags);
  w.string(2, op.summary);
  w.string(3, op.description);
  w.string(5, op.operationId);
  w.strings(6, op.produces);
  w.strings(7, op.consumes);
  for (const p of op.parameters ?? []) w.message(8, (x) => writeParametersItem(x, p), true);
  if (op.responses) {
    w.message(
      9,
      (rs) => {
        for (const [code, resp] of Object.entries(op.responses as Json)) {
          if (code.startsWith('x-')) continue;
          rs.message(
            1,
            (n) => {
              n.string(1, code);
              n.message(
                2,
                (rv) => {
                  rv.message(
                    1,
                    (r) => {
                      r.string(1, (resp as Json).description);
                      const schema = (resp as Json).schema;
                      if (schema) r.message(2, (si) => si.message(1, (x) => writeSchema(x, schema), true), true);
                      writeVendorExtensions(r, 5, resp as Json);
                    },
                    true,
                  );
                },
                true,
              );
            },
            true,
          );
        }
      },
      true,
    );
  }
  w.strings(10, op.schemes);
  w.bool(11, op.deprecated);
  writeVendorExtensions(w, 13, op);
}

const PATH_ITEM_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** The whole document as `openapi.v2.Document` bytes. */
export function encodeOpenApiV2(doc: SwaggerDocument): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  const info = doc.info as Json;
  w.message(2, (i) => {
    i.string(1, info.title);
    i.string(2, info.version);
    i.string(3, info.description);
  });
  w.message(
    8,
    (paths) => {
      for (const [path, item] of Object.entries(doc.paths)) {
        paths.message(
          2,
          (n) => {
            n.string(1, path);
            n.message(
              2,
              (pi) => {
                for (const [method, field] of Object.entries(PATH_ITEM_FIELDS)) {
                  if (item[method]) pi.message(field, (op) => writeOperation(op, item[method]), true);
                }
                for (const p of item.parameters ?? []) pi.message(9, (x) => writeParametersItem(x, p), true);
                writeVendorExtensions(pi, 10, item);
              },
              true,
            );
          },
          true,
        );
      }
    },
    true,
  );
  w.message(9, (defs) => {
    for (const [name, schema] of Object.entries(doc.definitions)) {
      defs.message(
        1,
        (n) => {
          n.string(1, name);
          n.message(2, (x) => writeSchema(x, schema), true);
        },
        true,
      );
    }
  });
  w.message(10, (params) => {
    for (const [name, p] of Object.entries(doc.parameters ?? {})) {
      params.message(
        1,
        (n) => {
          n.string(1, name);
          n.message(2, (x) => writeParameter(x, p), true);
        },
        true,
      );
    }
  });
  for (const req of (doc.security as Json[] | undefined) ?? []) {
    w.message(
      12,
      (sr) => {
        for (const [name, scopes] of Object.entries(req)) {
          sr.message(
            1,
            (n) => {
              n.string(1, name);
              n.message(2, (sa) => sa.strings(1, scopes), true);
            },
            true,
          );
        }
      },
      true,
    );
  }
  const securityDefinitions = doc.securityDefinitions as Json | undefined;
  if (securityDefinitions) {
    w.message(13, (sd) => {
      for (const [name, def] of Object.entries(securityDefinitions)) {
        sd.message(
          1,
          (n) => {
            n.string(1, name);
            n.message(
              2,
              (item) => {
                item.message(
                  2,
                  (k) => {
                    k.string(1, def.type);
                    k.string(2, def.name);
                    k.string(3, def.in);
                    k.string(4, def.description);
                  },
                  true,
                );
              },
              true,
            );
          },
          true,
        );
      }
    });
  }
  return w.finish();
}
