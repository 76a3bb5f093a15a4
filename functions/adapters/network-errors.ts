/**
 * Node's socket and DNS error codes of a connection that failed or broke, whoever made it (the
 * AWS SDK's handler or client-node's undici): the request may work when tried again.
 */
export const NETWORK_ERROR_CODES: readonly string[] = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED'];
