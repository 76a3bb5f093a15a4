/**
 * Errors of the protobuf body decoder. A body kubectl sent that we cannot decode is the
 * client's problem as far as the API is concerned, so this is an ApiError carrying the
 * 400 BadRequest Status kube-apiserver answers for an undecodable body; the HTTP layer
 * turns it into a response without knowing about protobuf.
 */
import { ApiError } from '../errors.ts';

const BAD_REQUEST = 400;

export class ProtobufDecodeError extends ApiError {
  constructor(message: string, options?: ErrorOptions) {
    super(BAD_REQUEST, 'BadRequest', `unable to decode protobuf body: ${message}`, undefined, options);
    this.name = 'ProtobufDecodeError';
  }
}
