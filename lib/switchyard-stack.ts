import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { retiredModelWarnings } from '../lambda/policy/retirements';
import { utcDay } from '../lambda/core/base/utc-day';
import { whyNotOffered } from './geography';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BudgetAlerts } from './constructs/budget-alerts';
import { CostLedger } from './constructs/cost-ledger';
import { GatewayApi } from './constructs/gateway-api';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { ProviderSecrets } from './constructs/provider-secrets';
import { FallbackWorkflow } from './constructs/fallback-workflow';
import { ShadowWorker } from './constructs/shadow-worker';
import { LedgerAggregator } from './constructs/ledger-aggregator';
import { RouterCapacity } from './constructs/router-capacity';
import { LEDGER_ACCESS, ProviderFunction } from './constructs/provider-function';
import { LAMBDA_ENTRIES } from './bundling';
import { reservedConcurrency, type DeployConfig } from './deploy-config';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { ENVIRONMENT } from '../lambda/contract/deployment';

export interface SwitchyardStackProps extends StackProps {
  readonly config: DeployConfig;
}

/** Composes the constructs; behaviour lives in them. */
export class SwitchyardStack extends Stack {
  /** The validated settings it was built from, the policy among them. */
  readonly config: DeployConfig;
  readonly ledger: CostLedger;
  readonly router: ProviderFunction;
  readonly fallback: FallbackWorkflow;
  readonly alerts: BudgetAlerts;
  readonly shadow: ShadowWorker;
  readonly aggregator: LedgerAggregator;
  readonly api: GatewayApi;
  readonly providerSecrets: ProviderSecrets | undefined;
  readonly operations: OperationsDashboard;
  /** The router's Managed Instances fleet, with `-c compute=managed-instances`. */
  readonly routerCapacity: RouterCapacity | undefined;

  constructor(scope: Construct, id: string, props: SwitchyardStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const logRetention = retentionOf(config.logRetentionDays);

    this.ledger = new CostLedger(this, 'CostLedger');
    const keyNames = [...new Set(Object.values(config.policy.providers).flatMap((provider) =>
      provider.kind === 'openai-compatible' && provider.apiKeyName ? [provider.apiKeyName] : [],
    ))].sort();
    this.providerSecrets = keyNames.length > 0 ? new ProviderSecrets(this, 'ProviderSecrets', { keyNames }) : undefined;

    const providerCalls = {
      policy: config.policy,
      policyFile: config.policyFile,
      ledger: this.ledger,
      ...(this.providerSecrets ? { providerSecrets: this.providerSecrets } : {}),
      requestTimeoutMs: config.requestTimeoutMs,
      ledgerRetentionDays: config.ledgerRetentionDays,
      memorySize: config.attemptMemoryMb,
      logRetention,
    };
    this.router = new ProviderFunction(this, 'Router', { ...providerCalls, memorySize: config.routerMemoryMb, entry: LAMBDA_ENTRIES.router, serviceName: 'router', ledgerAccess: LEDGER_ACCESS.router });
    this.routerCapacity = config.compute === 'managed-instances' ? new RouterCapacity(this, 'RouterCapacity', { router: this.router.function, network: config.network }) : undefined;
    this.fallback = new FallbackWorkflow(this, 'Fallback', { ...providerCalls, logLevel: config.workflowLogLevel });
    this.router.function.addEnvironment(ENVIRONMENT.fallbackStateMachineArn, this.fallback.stateMachine.stateMachineArn);
    this.fallback.grantStartSync(this.router.function);
    this.api = new GatewayApi(this, 'Gateway', {
      router: this.router.function,
      auth: config.auth,
      ledger: this.ledger,
      throttleRateLimit: config.throttleRateLimit,
      throttleBurstLimit: config.throttleBurstLimit,
      quotaPerDay: config.quotaPerDay,
      detailedMetrics: config.detailedApiMetrics,
      traceSamplePercent: config.traceSamplePercent,
      authorizerCacheSeconds: config.authorizerCacheSeconds,
      requestTimeoutMs: config.requestTimeoutMs,
      logRetention,
      wafRateLimit: config.wafRateLimit,
      customDomain: config.customDomain,
    });

    this.alerts = new BudgetAlerts(this, 'BudgetAlerts', {
      ledger: this.ledger,
      policyFile: config.policyFile,
      ...(config.alertEmail ? { alertEmail: config.alertEmail } : {}),
      dailyAt: config.rollupAt,
      timeZone: config.rollupTimeZone,
      hourly: config.hourlyBudgetCheck,
      logRetention,
    });

    this.aggregator = new LedgerAggregator(this, 'Aggregator', {
      ledger: this.ledger,
      alertTopic: this.alerts.topic,
      ledgerRetentionDays: config.ledgerRetentionDays,
      logRetention,
    });

    this.shadow = new ShadowWorker(this, 'Shadow', { ...providerCalls, alertTopic: this.alerts.topic });
    this.router.function.addEnvironment(ENVIRONMENT.shadowStateMachineArn, this.shadow.stateMachine.stateMachineArn);
    this.shadow.grantStart(this.router.function);

    const { policy } = config;
    const global = policy.budgets.global;
    const reserved = reservedConcurrency(config.throttleRateLimit);
    for (const [fn, count] of [[this.api.authorizerFunction, reserved.authorizer], [this.aggregator.function, reserved.aggregator], [this.alerts.rollupFunction, reserved.rollup]] as const) {
      if (fn) (fn.node.defaultChild as CfnFunction).reservedConcurrentExecutions = count;
    }

    this.operations = new OperationsDashboard(this, 'Operations', {
      router: this.router.function,
      api: this.api.api,
      workflow: this.fallback.stateMachine,
      attemptFunction: this.fallback.attemptFunction.function,
      table: this.ledger.table,
      requestTimeoutMs: config.requestTimeoutMs,
      authorizer: this.api.authorizerFunction,
      alertTopic: this.alerts.topic,
      tiers: ['0', '1', '2', '3', 'passthrough'],
      models: [...policy.models.values()].map((model) => model.id),
      routes: Object.keys(policy.routes),
      dailyBudgetUsd: global ? Number(global.limitNanoUsd) / 1e9 : undefined,
    });

    this.warnAboutModelsNotOffered(config);

    new CfnOutput(this, 'LedgerTableName', { value: this.ledger.table.tableName });
    new CfnOutput(this, 'AlertTopicArn', { description: 'Budget alerts; subscribe here', value: this.alerts.topic.topicArn });
    for (const [name, secret] of this.providerSecrets?.secrets ?? []) {
      new CfnOutput(this, `${name.replace(/[^A-Za-z0-9]/g, '')}SecretArn`, { description: `Put the ${name} key here`, value: secret.secretArn });
    }
  }
  private warnAboutModelsNotOffered(config: DeployConfig): void {
    for (const warning of modelsNotOffered(config)) {
      Annotations.of(this).addWarningV2('@switchyard/model-not-offered', `${warning} Fix the policy (${config.policyFile}), or run npx switchyard doctor.`);
    }
    for (const warning of retiredModelWarnings(config.policy.models.values(), utcDay(Date.now()))) {
      Annotations.of(this).addWarningV2('@switchyard/model-retired', `${warning} Fix the policy (${config.policyFile}).`);
    }
  }
}

/** A warning at synth, not an error: model access and new profiles are the account's to know, and `doctor` asks it. */
function modelsNotOffered(config: DeployConfig): string[] {
  if (config.region === undefined) return [];
  return [...config.policy.models.values()].flatMap((model) => {
    const why = model.providerKind === 'bedrock' ? whyNotOffered(model.providerModelId, config.region!) : undefined;
    return why === undefined ? [] : [`${model.id} may not be callable from ${config.region}: ${why}.`];
  });
}

/** CloudWatch accepts only certain retention periods: pick the shortest that keeps logs at least as long. */
function retentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((value): value is RetentionDays => typeof value === 'number' && value > 0)
    .sort((a, b) => a - b);
  return allowed.find((value) => value >= days) ?? RetentionDays.INFINITE;
}
