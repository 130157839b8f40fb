/**
 * Contract: what the deployment and the code must agree on, in a module that
 * lib/ and lambda/ both import.
 *
 * The contract between the CDK constructs and the handlers: the environment
 * variables the constructs write and the handlers read, and the defaults both
 * sides assume. Each is written once here and imported on both sides, so a
 * rename cannot leave one side reading a variable the other no longer sets.
 */

export const ENVIRONMENT = {
  ledgerTableName: 'LEDGER_TABLE_NAME',
  ledgerRetentionDays: 'LEDGER_RETENTION_DAYS',
  /** A JSON object of key names (the policy's `apiKeyName`) to the ARNs of the secrets holding them. */
  providerSecretArns: 'PROVIDER_SECRET_ARNS',
  fallbackStateMachineArn: 'FALLBACK_STATE_MACHINE_ARN',
  /** The shadow workflow, started after an answer for sampled requests. Unset: no shadow traffic. */
  shadowStateMachineArn: 'SHADOW_STATE_MACHINE_ARN',
  policyFile: 'POLICY_FILE',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** The authorizer's mode: `managed` or `apiKey`. */
  authMode: 'AUTH_MODE',
  /** The usage plan's key that every managed key is metered under (not a secret). */
  usagePlanKey: 'USAGE_PLAN_KEY',
} as const;

/** API Gateway REST's default integration timeout: the whole request's deadline. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 29_000;

/** How long attempt records stay in the ledger before DynamoDB's TTL removes them. */
export const DEFAULT_LEDGER_RETENTION_DAYS = 90;

/** How long the functions', the workflow's and the API's logs are kept. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** The routing policy's file name beside each bundled handler. */
export const BUNDLED_POLICY_FILE = 'policy.json';
