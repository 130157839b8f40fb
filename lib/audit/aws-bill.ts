/**
 * Switchyard's own AWS bill for a month of traffic, read line by line from
 * the stack's synthesized CloudFormation template: each function's memory,
 * architecture and tracing, the table's backups and the ledger's retention,
 * the log groups and what writes to them, the trace sampling rule, the
 * alarms' metrics, the dashboard, keys, secrets, schedules and WAF. A change
 * to the stack moves the figure; a resource of a type this file does not
 * know fails the test that reads every deploy mode's template.
 *
 * What the template cannot say (how long the model takes, how many bytes a
 * request logs) is in {@link AwsUsageAssumptions}, each with where it came from.
 */
import type { NanoUsd } from '../../lambda/core/accounting/money';
import { PART_TAG } from '../deploy-config';
import { HOURS_PER_MONTH, priced, type AwsPriceName } from '../aws-prices';
import { FLEET, fleetAssumption, fleetInstances, fleetQuantities, natQuantities } from './fleet';
import { PUBLISHED_METRICS_METADATA } from '../constructs/operations-dashboard';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

/** A month (or any span) of traffic, as the audit sees it. */
export interface Traffic {
  readonly requests: number;
  /** Attempts beyond the first: each is a fallback through Step Functions. */
  readonly fallbacks: number;
  /** Total model latency over all requests, in ms (the router waits for it, and is billed). */
  readonly modelLatencyMs: number;
  /** Requests a route or tier shadows (a candidate model and a judge answer in the shadow workflow). @default 0 */
  readonly shadowed?: number;
  /** The span the traffic came in, in months: what is billed by the month (the dashboard, alarms, keys) is billed for it. @default 1 */
  readonly months?: number;
}

/** What each request does in the stack beyond what the template says, and where each figure comes from. */
export interface AwsUsageAssumptions {
  /** Model latency when a log has none. */
  readonly defaultLatencyMs: number;
  /** Router time per request besides the model's: its CPU at 256 MB (`npm run bench`, section d) and a DynamoDB write (~10 ms). */
  readonly routerOverheadMs: number;
  /** The authorizer's billed time a call: a cached key lookup (a guess; Lambda bills whole milliseconds). */
  readonly authorizerDurationMs: number;
  /** Write units per attempt: the record (1), and the aggregator's transactions amortised (`npm run simulate:hot-items -- --rate 4 --callers 20 --fallbackShare 0.01 --seconds 3600`, the worked example's rate: 1.01 and 1.53). */
  readonly writeUnitsPerAttempt: number;
  /** Read units per request: the circuit and the session's affinity, eventually consistent (half a unit each); keys and budgets are cached per instance. */
  readonly readUnitsPerRequest: number;
  /** An attempt record's stored size, with DynamoDB's 100 bytes an item (a test checks a typical record fits). */
  readonly ledgerRecordBytes: number;
  /** Aggregator invocations per attempt (the same run: 33,008 a million attempts), and their duration (a guess). */
  readonly aggregatorInvocationsPerAttempt: number;
  readonly aggregatorDurationMs: number;
  /** A rollup run's duration (25 runs a day, a few queries each; a guess). */
  readonly rollupDurationMs: number;
  /** Bytes the router logs a request: its one line (a test checks a typical one fits). */
  readonly routerLogBytes: number;
  /** Bytes the aggregator logs a batch, and the attempt function a fallback (a guess each). */
  readonly aggregatorLogBytes: number;
  readonly attemptLogBytes: number;
  /** Execution environments per request in flight, for the secret reads (each reads its keys every five minutes). */
  readonly environmentsPerConcurrentRequest: number;
  /** Bytes a request sends and receives through a NAT gateway, on Managed Instances: a prompt, its answer and their TLS framing (a guess). */
  readonly natBytesPerRequest: number;
}

export const DEFAULT_AWS_USAGE: AwsUsageAssumptions = {
  defaultLatencyMs: 2000,
  routerOverheadMs: 20,
  authorizerDurationMs: 5,
  writeUnitsPerAttempt: 2.54,
  readUnitsPerRequest: 1,
  ledgerRecordBytes: 600,
  aggregatorInvocationsPerAttempt: 0.033,
  aggregatorDurationMs: 100,
  rollupDurationMs: 2000,
  routerLogBytes: 1000,
  aggregatorLogBytes: 300,
  attemptLogBytes: 400,
  environmentsPerConcurrentRequest: 1.5,
  natBytesPerRequest: 12_000,
};

export interface AwsCostLine {
  readonly part: string;
  readonly costNanoUsd: NanoUsd;
  /** How the line was computed, in words. */
  readonly basis: string;
  /** The template's logical ids this line bills. */
  readonly resources: readonly string[];
}

const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const DAYS_PER_MONTH = 365 / 12;
/** CloudWatch Logs bills each event's bytes and 26 more. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
/** X-Ray's default rule, which Lambda applies to a function no traced caller invoked: a request a second, and 5% more. */
const DEFAULT_SAMPLING = { reservoirPerSecond: 1, fixedRate: 0.05 };

/** Switchyard's AWS bill for `traffic` on the stack `template` describes, line by line, at list prices. */
export function awsBillOf(template: CfnTemplate, traffic: Traffic, usage: AwsUsageAssumptions = DEFAULT_AWS_USAGE): AwsCostLine[] {
  const stack = readStack(template);
  const attempts = traffic.requests + traffic.fallbacks;
  const shadowed = traffic.shadowed ?? 0;
  const months = traffic.months ?? 1;
  const latencyMs = traffic.requests > 0 ? traffic.modelLatencyMs / traffic.requests : usage.defaultLatencyMs;
  const apiSampled = stack.traced ? sampledShare(traffic.requests, stack.apiSampling) : 0;
  const lines: AwsCostLine[] = [];
  const line = (part: string, resources: readonly string[], basis: string, ...costs: [AwsPriceName, number][]) => {
    if (resources.length === 0) return;
    lines.push({ part, resources, basis, costNanoUsd: costs.reduce((sum, [price, quantity]) => sum + priced(price, quantity), 0n) });
  };

  line('API Gateway', stack.api, `${traffic.requests} requests`, ['apiGatewayRestRequest', traffic.requests]);

  // Each function: how often it runs and for how long, at the memory and architecture the template gives it.
  const runs: Record<string, { label: string; invocations: number; ms: number; why: string }> = {
    router: { label: 'Router Lambda', invocations: traffic.requests, ms: latencyMs + usage.routerOverheadMs, why: `a request, for the model's ${Math.round(latencyMs)} ms and ${usage.routerOverheadMs} ms of its own` },
    authorizer: {
      label: 'Authorizer Lambda',
      invocations: stack.authorizerCacheSeconds > 0 ? 0 : traffic.requests,
      ms: usage.authorizerDurationMs,
      why: stack.authorizerCacheSeconds > 0 ? 'once per caller and cache period (left out)' : `a request, ${usage.authorizerDurationMs} ms`,
    },
    attempt: { label: 'Attempt Lambda (fallbacks)', invocations: traffic.fallbacks, ms: latencyMs, why: `a fallback, for the model's ${Math.round(latencyMs)} ms` },
    aggregator: { label: 'Aggregator Lambda', invocations: attempts * usage.aggregatorInvocationsPerAttempt, ms: usage.aggregatorDurationMs, why: `${usage.aggregatorInvocationsPerAttempt} batches an attempt, ${usage.aggregatorDurationMs} ms each` },
    rollup: { label: 'Rollup Lambda', invocations: stack.scheduledRunsPerMonth * months, ms: usage.rollupDurationMs, why: `${Math.round(stack.scheduledRunsPerMonth * months)} scheduled runs, ${usage.rollupDurationMs} ms each` },
    shadow: { label: 'Shadow worker Lambda', invocations: shadowed, ms: 2 * latencyMs, why: 'a shadowed request, for a candidate and a judge' },
  };
  for (const fn of stack.functions) {
    const run = runs[fn.part] ?? { label: `${fn.part} Lambda`, invocations: 0, ms: 0, why: 'not run by requests' };
    if (fn.managedInstances) {
      line(`${run.label} (Managed Instances)`, [fn.id], `${run.why}: the request charge only; its instances bill below`, ['lambdaRequest', run.invocations]);
      continue;
    }
    const gbSeconds = (run.invocations * Math.ceil(run.ms)) / 1000 * (fn.memoryMb / 1024);
    line(run.label, [fn.id], `${fn.memoryMb} MB ${fn.arm ? 'arm64' : 'x86'}, ${run.why}`, ['lambdaRequest', run.invocations], [fn.arm ? 'lambdaArmGbSecond' : 'lambdaX86GbSecond', gbSeconds]);
  }
  const meanInFlight = (traffic.requests * (latencyMs + usage.routerOverheadMs)) / 1000 / (SECONDS_PER_MONTH * months);
  const instances = fleetInstances(meanInFlight);
  const ownRoutesOut = stack.natGateways.length === 0 ? "; the VPC's own routes out (NAT or endpoints) bill apart" : '';
  line('Lambda Managed Instances', stack.capacityProviders, `${fleetAssumption(instances)}; ${meanInFlight.toFixed(1)} on average${ownRoutesOut}`, ...fleetQuantities(instances, months));
  const natGb = (traffic.requests * usage.natBytesPerRequest) / 1024 ** 3;
  line('NAT gateways', [...stack.natGateways, ...stack.publicAddresses], `${stack.natGateways.length} gateways, each with a public IPv4 address, and ${usage.natBytesPerRequest} bytes a request processed (DynamoDB goes through a free gateway endpoint)`, ...natQuantities(stack.natGateways.length, stack.publicAddresses.length, natGb, months));
  for (const machine of stack.stateMachines) {
    const executions = machine.part === 'shadow' ? shadowed : traffic.fallbacks;
    // Express bills 64 MB at least, in 100 ms steps: an execution waits for its model.
    const gbSeconds = (executions * Math.ceil((machine.part === 'shadow' ? 2 * latencyMs : latencyMs) / 100) * 0.1) * (64 / 1024);
    line(machine.part === 'shadow' ? 'Step Functions (shadow)' : 'Step Functions (fallbacks)', [machine.id], `an Express execution a ${machine.part === 'shadow' ? 'shadowed request' : 'fallback'}, 64 MB`, ['stepFunctionsExpressRequest', executions], ['stepFunctionsExpressGbSecond', gbSeconds]);
  }

  const tables = stack.tables.map((table) => table.id);
  const storedGb = (attempts * usage.ledgerRecordBytes * (stack.ledgerRetentionDays / DAYS_PER_MONTH)) / 1024 ** 3;
  line('DynamoDB writes', tables, `${usage.writeUnitsPerAttempt} write units an attempt (the record, and the aggregator's transactions amortised)`, ['dynamoWriteUnit', attempts * usage.writeUnitsPerAttempt]);
  line('DynamoDB reads', tables, `${usage.readUnitsPerRequest} read units a request`, ['dynamoReadUnit', traffic.requests * usage.readUnitsPerRequest]);
  line('DynamoDB storage', tables, `${stack.ledgerRetentionDays} days of ${usage.ledgerRecordBytes}-byte records: ${storedGb.toFixed(2)} GB held`, ['dynamoStorageGbMonth', storedGb]);
  line('DynamoDB backups (point-in-time recovery)', stack.tables.filter((table) => table.pitr).map((table) => table.id), `the same ${storedGb.toFixed(2)} GB`, ['dynamoPitrGbMonth', storedGb]);

  // Logs: each group's writer, its events a month and their bytes.
  const perFunction: Record<string, [events: number, bytes: number]> = {
    router: [traffic.requests, usage.routerLogBytes],
    attempt: [traffic.fallbacks, usage.attemptLogBytes],
    aggregator: [attempts * usage.aggregatorInvocationsPerAttempt, usage.aggregatorLogBytes],
  };
  let ingestedGb = 0;
  let storedLogGb = 0;
  const groups: string[] = [];
  const described: string[] = [];
  for (const group of stack.logGroups) {
    groups.push(group.id);
    const [events, bytes] = group.writer === 'access' ? [traffic.requests, stack.accessLogBytes] : (perFunction[group.writer] ?? [0, 0]);
    const gb = (events * (bytes + LOG_EVENT_OVERHEAD_BYTES)) / 1024 ** 3;
    ingestedGb += gb;
    // Held for the group's retention; a group kept forever is counted as ten years, not without end.
    storedLogGb += gb * Math.min(group.retentionDays / DAYS_PER_MONTH, 120);
    if (events > 0) described.push(`${group.writer} ${bytes} B`);
  }
  line('CloudWatch Logs', groups, `an event's bytes and 26 more: ${described.join(', ')} (others: errors only); ${ingestedGb.toFixed(1)} GB a month, kept ${stack.logGroups[0]?.retentionDays ?? 0} days (billed as written; CloudWatch bills archived logs compressed)`, ['logsIngestGb', ingestedGb], ['logsStorageGbMonth', storedLogGb]);

  const metrics = stack.publishedMetrics + stack.metricFilters.length + stack.detailedApiMetrics;
  line('CloudWatch metrics', [...stack.dashboards, ...stack.metricFilters], `${metrics} custom metrics${stack.detailedApiMetrics ? `, ${stack.detailedApiMetrics} of them API Gateway's per-method` : ''}`, ['customMetricMonth', metrics * months]);
  line('CloudWatch dashboard', stack.dashboards, `${stack.dashboards.length} dashboard`, ['dashboardMonth', stack.dashboards.length * months]);
  line('CloudWatch alarms', stack.alarms.map((alarm) => alarm.id), `${stack.alarms.length} alarms reading ${sum(stack.alarms.map((alarm) => alarm.metrics))} metrics`, ['alarmMetricMonth', sum(stack.alarms.map((alarm) => alarm.metrics)) * months]);

  // Traces: the API's share of requests (the router and any fallback follow it), and Lambda's own rule for functions nothing traced calls.
  const selfTraced = stack.functions.filter((fn) => fn.active && (fn.part === 'aggregator' || fn.part === 'rollup'));
  const selfTraces = sum(selfTraced.map((fn) => sampledShare(runs[fn.part]!.invocations, DEFAULT_SAMPLING) * runs[fn.part]!.invocations));
  const traces = apiSampled * traffic.requests + selfTraces;
  line('X-Ray', stack.traced ? [...stack.samplingRules, ...stack.api] : [], `${(apiSampled * 100).toFixed(1)}% of requests sampled${selfTraces > 0 ? `, and ${Math.round(selfTraces)} traces of functions no request calls` : ''}`, ['xrayTrace', traces]);

  line('KMS', stack.keys, `${stack.keys.length} customer managed key (alerts and dead letters: a few requests)`, ['kmsKeyMonth', stack.keys.length * months]);
  const onInstances = stack.functions.some((fn) => fn.part === 'router' && fn.managedInstances);
  const environments = onInstances ? instances * FLEET.environmentsPerInstance : Math.ceil(meanInFlight * usage.environmentsPerConcurrentRequest);
  const secretReads = stack.secrets.length * environments * HOURS_PER_MONTH * months * 12;
  line('Secrets Manager', stack.secrets, `${stack.secrets.length} secret, read every five minutes by each of about ${environments} router environments`, ['secretMonth', stack.secrets.length * months], ['secretsApiCall', secretReads]);
  line('SNS and SQS', [...stack.topics, ...stack.queues], 'alerts and dead letters: a few messages a day', ['snsPublish', 0]);
  line('EventBridge Scheduler', stack.schedules, `${Math.round(stack.scheduledRunsPerMonth * months)} runs`, ['schedulerInvocation', stack.scheduledRunsPerMonth * months]);
  line('WAF', stack.webAcls.map((acl) => acl.id), `${stack.webAcls.length} web ACL with ${sum(stack.webAcls.map((acl) => acl.rules))} rules`, ['wafWebAclMonth', stack.webAcls.length * months], ['wafRuleMonth', sum(stack.webAcls.map((acl) => acl.rules)) * months], ['wafRequest', stack.webAcls.length > 0 ? traffic.requests : 0]);
  return lines;
}

interface StackShape {
  readonly api: string[];
  readonly traced: boolean;
  readonly apiSampling: { readonly reservoirPerSecond: number; readonly fixedRate: number };
  readonly samplingRules: string[];
  readonly accessLogBytes: number;
  readonly detailedApiMetrics: number;
  readonly authorizerCacheSeconds: number;
  readonly functions: { id: string; part: string; memoryMb: number; arm: boolean; active: boolean; managedInstances: boolean }[];
  readonly capacityProviders: string[];
  readonly natGateways: string[];
  readonly publicAddresses: string[];
  readonly stateMachines: { id: string; part: string }[];
  readonly tables: { id: string; pitr: boolean }[];
  readonly ledgerRetentionDays: number;
  readonly logGroups: { id: string; writer: string; retentionDays: number }[];
  readonly metricFilters: string[];
  readonly publishedMetrics: number;
  readonly dashboards: string[];
  readonly alarms: { id: string; metrics: number }[];
  readonly keys: string[];
  readonly secrets: string[];
  readonly topics: string[];
  readonly queues: string[];
  readonly schedules: string[];
  readonly scheduledRunsPerMonth: number;
  readonly webAcls: { id: string; rules: number }[];
}

/* eslint-disable @typescript-eslint/no-explicit-any -- a template is untyped JSON */
export function readStack(template: CfnTemplate): StackShape {
  const all = Object.entries(template.Resources);
  const of = (type: string) => all.filter(([, resource]) => resource.Type === type) as [string, { Properties: any; Metadata?: any }][];
  const ids = (type: string) => of(type).map(([id]) => id);
  const tag = (properties: any) => (properties?.Tags as { Key: string; Value: string }[] | undefined)?.find((entry) => entry.Key === PART_TAG)?.Value ?? 'unknown';
  // A reference to a log group by Ref or GetAtt, whichever the writer uses.
  const groupOf = (reference: any): string | undefined => reference?.Ref ?? reference?.['Fn::GetAtt']?.[0];

  const functions = of('AWS::Lambda::Function').map(([id, { Properties }]) => ({
    id,
    part: tag(Properties),
    memoryMb: Number(Properties.MemorySize ?? 128),
    arm: (Properties.Architectures ?? []).includes('arm64'),
    active: Properties.TracingConfig?.Mode === 'Active',
    managedInstances: Properties.CapacityProviderConfig !== undefined,
    logGroup: groupOf(Properties.LoggingConfig?.LogGroup),
    retentionDays: Number(Properties.Environment?.Variables?.LEDGER_RETENTION_DAYS),
  }));
  const stages = of('AWS::ApiGateway::Stage');
  const writers = new Map<string, string>();
  for (const fn of functions) if (fn.logGroup) writers.set(fn.logGroup, fn.part);
  for (const [, { Properties }] of stages) {
    const group = groupOf(Properties.AccessLogSetting?.DestinationArn);
    if (group) writers.set(group, 'access');
  }
  const accessFormat = stages.map(([, { Properties }]) => Properties.AccessLogSetting?.Format as string | undefined).find(Boolean);
  const rule = of('AWS::XRay::SamplingRule').map(([, { Properties }]) => Properties.SamplingRule).find((entry: any) => entry?.ServiceType === 'AWS::ApiGateway::Stage');
  const methods = of('AWS::ApiGateway::Method').filter(([, { Properties }]) => Properties.HttpMethod !== 'OPTIONS').length;
  const detailed = stages.some(([, { Properties }]) => (Properties.MethodSettings ?? []).some((setting: any) => setting.MetricsEnabled === true));
  const ttl = of('AWS::ApiGateway::Authorizer').map(([, { Properties }]) => Number(Properties.AuthorizerResultTtlInSeconds ?? 300));
  const schedules = of('AWS::Scheduler::Schedule');

  return {
    api: [...ids('AWS::ApiGateway::RestApi'), ...stages.map(([id]) => id)],
    traced: stages.some(([, { Properties }]) => Properties.TracingEnabled === true),
    apiSampling: rule ? { reservoirPerSecond: Number(rule.ReservoirSize), fixedRate: Number(rule.FixedRate) } : DEFAULT_SAMPLING,
    samplingRules: ids('AWS::XRay::SamplingRule'),
    accessLogBytes: accessFormat ? accessLineBytes(accessFormat) : 0,
    // Count, 4XXError, 5XXError, Latency and IntegrationLatency, for each method.
    detailedApiMetrics: detailed ? methods * 5 : 0,
    authorizerCacheSeconds: ttl.length > 0 ? Math.min(...ttl) : 0,
    functions,
    capacityProviders: ids('AWS::Lambda::CapacityProvider'),
    natGateways: ids('AWS::EC2::NatGateway'),
    publicAddresses: ids('AWS::EC2::EIP'),
    stateMachines: of('AWS::StepFunctions::StateMachine').map(([id, { Properties }]) => ({ id, part: tag(Properties) })),
    tables: of('AWS::DynamoDB::GlobalTable').map(([id, { Properties }]) => ({
      id,
      pitr: (Properties.Replicas ?? []).some((replica: any) => replica.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true),
    })),
    ledgerRetentionDays: functions.find((fn) => fn.part === 'router' && Number.isFinite(fn.retentionDays))?.retentionDays ?? 0,
    logGroups: of('AWS::Logs::LogGroup').map(([id, { Properties }]) => ({ id, writer: writers.get(id) ?? 'workflow', retentionDays: Number(Properties.RetentionInDays ?? 3653) })),
    metricFilters: ids('AWS::Logs::MetricFilter'),
    publishedMetrics: sum(of('AWS::CloudWatch::Dashboard').map(([, { Metadata }]) => (Metadata?.[PUBLISHED_METRICS_METADATA] as unknown[] | undefined)?.length ?? 0)),
    dashboards: ids('AWS::CloudWatch::Dashboard'),
    // An alarm on metric math bills each metric it reads, not the expression.
    alarms: of('AWS::CloudWatch::Alarm').map(([id, { Properties }]) => ({ id, metrics: Properties.Metrics ? Properties.Metrics.filter((entry: any) => entry.MetricStat).length : 1 })),
    keys: ids('AWS::KMS::Key'),
    secrets: ids('AWS::SecretsManager::Secret'),
    topics: ids('AWS::SNS::Topic'),
    queues: ids('AWS::SQS::Queue'),
    schedules: schedules.map(([id]) => id),
    scheduledRunsPerMonth: sum(schedules.map(([, { Properties }]) => runsPerMonth(String(Properties.ScheduleExpression)))),
    webAcls: of('AWS::WAFv2::WebACL').map(([id, { Properties }]) => ({ id, rules: (Properties.Rules ?? []).length })),
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The share of `count` requests a month a sampling rule traces: its reservoir a second, then its rate of the rest. */
function sampledShare(count: number, rule: { readonly reservoirPerSecond: number; readonly fixedRate: number }): number {
  if (count <= 0) return 0;
  const reserved = Math.min(count, rule.reservoirPerSecond * SECONDS_PER_MONTH);
  return (reserved + (count - reserved) * rule.fixedRate) / count;
}

/** A schedule's runs a month: `rate(N unit)`, or a cron expression (daily, unless its hours field says more). */
function runsPerMonth(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const minutes = Number(rate[1]) * (rate[2]!.startsWith('minute') ? 1 : rate[2]!.startsWith('hour') ? 60 : 1440);
    return (DAYS_PER_MONTH * 1440) / minutes;
  }
  const hours = /^cron\(\S+ (\S+) /.exec(expression)?.[1] ?? '0';
  return DAYS_PER_MONTH * (hours === '*' ? 24 : hours.split(',').length);
}

/** Typical values of the access log's variables, for the bytes of one line. */
const ACCESS_LOG_VALUES: Readonly<Record<string, string>> = {
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  'identity.sourceIp': '203.0.113.10',
  'identity.user': '-',
  requestTime: '05/Dec/2026:15:30:08 +0000',
  httpMethod: 'POST',
  resourcePath: '/chat/completions',
  status: '200',
  protocol: 'HTTP/1.1',
  responseLength: '1024',
};

function accessLineBytes(format: string): number {
  return Buffer.byteLength(format.replace(/\$context\.([A-Za-z.]+)/g, (_match, name: string) => ACCESS_LOG_VALUES[name] ?? 'value-of-typical-length')) + 1;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
