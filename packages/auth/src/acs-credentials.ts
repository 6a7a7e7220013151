import { registerSecret } from '@kakehashi/sse-core';
import { assertNonEmptyString, assertOptionalString } from './options-validation';

/** The AccessKey fields both Alibaba signers (ACS3 and RPC v1) take. */
export interface AcsCredentialFields {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Checks a signer's AccessKey fields, and registers the secret and the STS token for redaction first
 * of all, so that no later error can show them.
 */
export function checkAcsCredentials(options: AcsCredentialFields): void {
  assertNonEmptyString(options.accessKeySecret, 'accessKeySecret');
  registerSecret(options.accessKeySecret);
  assertOptionalString(options.securityToken, 'securityToken');
  if (options.securityToken) registerSecret(options.securityToken);
  assertNonEmptyString(options.accessKeyId, 'accessKeyId');
}
