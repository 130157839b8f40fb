import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { inferenceProfileOf } from '../../lambda/policy/model-ids';
import { bedrockApiOf } from '../../lambda/providers/bedrock/bedrock-provider';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Policy } from '../../lambda/policy/policy';
import { DEFAULT_LEDGER_RETENTION_DAYS, DEFAULT_REQUEST_TIMEOUT_MS, ENVIRONMENT } from '../../lambda/contract/deployment';
import type { CostLedger } from './cost-ledger';
import { createNodeFunction, withPolicyFile } from './node-function';
import type { ProviderSecrets } from './provider-secrets';
import { KEY_PREFIXES } from '../../lambda/adapters/dynamodb/ledger-table';
import { ROUTER_MEMORY_MB } from '../deploy-config';

export interface ProviderFunctionProps {
  /** The ledger partitions (by key prefix) the function writes, and those it only reads: IAM holds it to them (dynamodb:LeadingKeys). */
  readonly ledgerAccess: LedgerAccess;
  /** The handler file to bundle: the router or the fallback's attempt task. */
  readonly entry: string;
  /** Names the function in logs and metrics, e.g. `router`. */
  readonly serviceName: string;
  /** The validated routing policy: decides which Bedrock models the function may invoke. */
  readonly policy: Policy;
  /** The policy file, copied into the bundle as `policy.json`. */
  readonly policyFile: string;
  readonly ledger: CostLedger;
  /** Where external providers' keys live. @default no external providers */
  readonly providerSecrets?: ProviderSecrets;
  /** API Gateway's integration timeout; the function gets one second more. @default 29000 */
  readonly requestTimeoutMs?: number;
  /** @default 90 */
  readonly ledgerRetentionDays?: number;
  /**
   * Memory, billed for the whole time a provider takes to answer. The router's
   * own work is well under a millisecond (see npm run bench), so little is needed.
   * @default 256
   */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Whether the function serves `POST /v1/embeddings`, and so may invoke the
   * policy's Bedrock embedding models. The fallback's attempt task never does.
   * @default true
   */
  readonly servesEmbeddings?: boolean;
  /** Whether it sends Messages requests on to Bedrock's Messages API (the router and the fallback attempts; not the shadow worker). @default true */
  readonly servesMessagesApi?: boolean;
}

/**
 * A Lambda function that calls model providers: the router, and the fallback
 * workflow's attempt task. It carries the policy in its bundle, may write and
 * read the ledger (records, attempt counters, circuits), read the provider
 * secret, and invoke exactly the policy's Bedrock models, streaming or not.
 */
/** Partitions of the ledger table a function may write, and more it may read. */
export interface LedgerAccess {
  readonly write: readonly string[];
  readonly read: readonly string[];
}

/**
 * What each function that calls providers needs of the ledger: every one
 * records attempts (`REQ#`), reserves budgets and keeps circuits; the router
 * also keeps sessions and feedback, and reads usage and shadow results; the
 * shadow worker stores its comparisons. None may touch managed keys
 * (`APIKEY`), aggregates, alert claims or summaries.
 */
export const LEDGER_ACCESS = {
  router: {
    write: [KEY_PREFIXES.request, KEY_PREFIXES.budget, KEY_PREFIXES.circuit, KEY_PREFIXES.session, KEY_PREFIXES.feedback],
    read: [KEY_PREFIXES.aggregate, KEY_PREFIXES.shadow],
  },
  attempt: { write: [KEY_PREFIXES.request, KEY_PREFIXES.budget, KEY_PREFIXES.circuit], read: [] },
  shadow: { write: [KEY_PREFIXES.request, KEY_PREFIXES.budget, KEY_PREFIXES.circuit, KEY_PREFIXES.shadow], read: [] },
} as const satisfies Record<string, LedgerAccess>;

export class ProviderFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ProviderFunctionProps) {
    super(scope, id);
    const requestTimeoutMs = props.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });

    this.function = createNodeFunction(this, 'Function', {
      entry: props.entry,
      memorySize: props.memorySize ?? ROUTER_MEMORY_MB.lambda,
      timeout: Duration.millis(requestTimeoutMs + 1000),
      logGroup,
      environment: {
        [ENVIRONMENT.ledgerTableName]: props.ledger.table.tableName,
        [ENVIRONMENT.ledgerRetentionDays]: String(props.ledgerRetentionDays ?? DEFAULT_LEDGER_RETENTION_DAYS),
        [ENVIRONMENT.requestTimeoutMs]: String(requestTimeoutMs),
        POWERTOOLS_SERVICE_NAME: `switchyard-${props.serviceName}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Switchyard',
        ...(props.providerSecrets ? { [ENVIRONMENT.providerSecretArns]: Stack.of(this).toJsonString(props.providerSecrets.arnsByName()) } : {}),
      },
      commandHooks: withPolicyFile(props.policyFile),
    });

    const { read, write } = props.ledgerAccess;
    props.ledger.grantWrite(this.function, { onlyKeysStartingWith: write });
    props.ledger.grantRead(this.function, { onlyKeysStartingWith: [...new Set([...write, ...read])] });
    props.providerSecrets?.grantRead(this.function);
    this.grantBedrock(props.policy, props.servesEmbeddings ?? true, props.servesMessagesApi ?? true);
  }

  /**
   * Bedrock on exactly the policy's models. A model served through an
   * inference profile is granted twice over: the profile in the stack's
   * Region, and the model in any Region only when the call names one of those
   * profiles (`bedrock:InferenceProfileArn`). So the role cannot call the
   * model directly in a Region the profile does not route to: an EU stack's
   * prompts stay where its EU profiles send them, by IAM and not only by code.
   */
  private grantBedrock(policy: Policy, servesEmbeddings: boolean, servesMessagesApi: boolean): void {
    const stack = Stack.of(this);
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    const empty = () => ({ direct: new Set<string>(), profiles: new Set<string>(), throughProfiles: new Set<string>() });
    const resources = { chat: empty(), messages: empty(), embedding: empty() };
    const crossRegion = new Set<string>();
    for (const model of policy.models.values()) {
      const provider = policy.providers[model.provider];
      if (provider?.kind !== 'bedrock' || (model.type === 'embedding' && !servesEmbeddings)) continue;
      const region = provider.region ?? stack.region;
      const { profile, model: baseModel } = inferenceProfileOf(model.providerModelId);
      const grant = model.type === 'embedding' ? resources.embedding : servesMessagesApi && bedrockApiOf(model) === 'messages' ? resources.messages : resources.chat;
      if (profile !== undefined) {
        grant.profiles.add(`arn:${stack.partition}:bedrock:${region}:${stack.account}:inference-profile/${model.providerModelId}`);
        grant.throughProfiles.add(`arn:${stack.partition}:bedrock:*::foundation-model/${baseModel}`);
        crossRegion.add(baseModel);
      } else {
        grant.direct.add(`arn:${stack.partition}:bedrock:${region}::foundation-model/${model.providerModelId}`);
      }
    }
    // Every chat answer is read as a stream (ConverseStream), whole or not: it is how a hung model is told from a slow one.
    // Bedrock's Messages API (Claude 5 and later) is authorised as InvokeModel, its streamed answers perhaps as
    // InvokeModelWithResponseStream: AWS's page names the first only, so those models get both.
    // Embedding models answer InvokeModel, and only they may be invoked so.
    const actions = {
      chat: ['bedrock:InvokeModelWithResponseStream'],
      messages: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      embedding: ['bedrock:InvokeModel'],
    } as const;
    for (const type of ['chat', 'messages', 'embedding'] as const) {
      const { direct, profiles, throughProfiles } = resources[type];
      const allowed = [...direct, ...profiles].sort();
      if (allowed.length > 0) this.function.addToRolePolicy(new PolicyStatement({ actions: [...actions[type]], resources: allowed }));
      if (throughProfiles.size === 0) continue;
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: [...actions[type]], resources: [...throughProfiles].sort(), conditions: { StringEquals: { 'bedrock:InferenceProfileArn': [...profiles].sort() } } }),
      );
    }
    for (const baseModel of crossRegion) {
      Validations.of(this.function).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:bedrock:*::foundation-model/${baseModel}]`,
        reason: `An inference profile routes ${baseModel} to the Regions it names; the model ARN's Region is a wildcard only for calls through the profile (bedrock:InferenceProfileArn).`,
      });
    }
  }

}
