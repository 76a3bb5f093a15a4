/** What every local AWS service assumes unless told otherwise: one account and one region, as the local stack runs them. */

/** The account id every local ARN carries. */
export const LOCAL_ACCOUNT = '000000000000';
/** The region of ARNs and signatures when none is given. */
export const DEFAULT_LOCAL_REGION = 'us-east-1';
