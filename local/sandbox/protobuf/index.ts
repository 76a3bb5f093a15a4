/**
 * Kubernetes protobuf request bodies, decoded to JSON. kubectl's typed clients (create
 * namespace/deployment/token, auth can-i, ...) only speak protobuf on the way in.
 */
export { decodeKubernetesProtobuf, PROTOBUF_MAGIC } from './decode.ts';
export { ProtobufDecodeError } from './errors.ts';

/** The media type kubectl sends typed request bodies in. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
