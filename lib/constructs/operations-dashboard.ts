import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type CfnDashboard, HorizontalAnnotation, MathExpression, Metric, type Alarm, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Operation, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { thresholdAlarm } from './threshold-alarm';

export interface OperationsDashboardProps {
  readonly router: IFunction;
  /** The API in front of the router: its own counts of 5xx, 4xx (429 included) and latency see what the router cannot, such as a router that crashes. */
  readonly api: RestApi;
  /** The fallback workflow and the function it runs each attempt in. */
  readonly workflow: StateMachine;
  readonly attemptFunction: IFunction;
  /** The ledger table. */
  readonly table: ITableV2;
  /** The API's integration timeout: the latency alarm fires near it. */
  readonly requestTimeoutMs: number;
  /** The API-key authorizer, when the API has one. */
  readonly authorizer?: IFunction | undefined;
  /** Where alarms publish: the budget alerts topic. */
  readonly alertTopic: ITopic;
  /** Names for the per-dimension graphs, from the policy. */
  readonly tiers: readonly string[];
  readonly models: readonly string[];
  readonly routes: readonly string[];
  /** The global daily budget in USD, drawn on the budget graph (the rollup alerts on it). @default none */
  readonly dailyBudgetUsd?: number | undefined;
  /** 5xx share of requests that alarms, over 10 of 15 minutes. @default 5 */
  readonly serverErrorPercent?: number;
  /** Share of requests that needed a fallback that alarms. @default 20 */
  readonly fallbackPercent?: number;
}

const NAMESPACE = 'Switchyard';
/** The calls the gateway makes on the ledger table (the aggregator's transactions included). */
const LEDGER_OPERATIONS = [Operation.GET_ITEM, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.QUERY, Operation.BATCH_WRITE_ITEM, Operation.TRANSACT_WRITE_ITEMS];
const NANO_PER_USD = 1e9;

/** Where the template says which custom metrics the stack's code publishes: the cost audit bills them from it. */
export const PUBLISHED_METRICS_METADATA = 'Switchyard::PublishedMetrics';

/**
 * The custom metrics (name and dimensions) the stack's code publishes in a
 * normal month, each billed as a metric-month: the router's totals and its
 * cost by tier, by model and by route (lambda/handlers/create-router-handler.ts),
 * each function's cold starts, and provider failures by kind, which a month
 * with fallbacks publishes. Circuit openings and skips are published only
 * while a provider is down, and are left out.
 */
export function publishedMetrics(props: Pick<OperationsDashboardProps, 'tiers' | 'models' | 'routes'>): string[] {
  const totals = ['Requests', 'ServerErrors', 'CallerErrors', 'Attempts', 'Fallbacks', 'CostNanoUsd', 'FlagshipCostNanoUsd', 'ProviderLatency', 'GatewayOverhead'];
  return [
    ...totals.map((name) => `${name} service=router`),
    ...props.tiers.map((tier) => `CostNanoUsd service=router Tier=${tier}`),
    ...props.models.map((model) => `CostNanoUsd service=router Model=${model}`),
    ...props.routes.flatMap((route) => ['RouteRequests', 'RouteFallbacks', 'RouteServerErrors'].map((name) => `${name} service=router Route=${route}`)),
    ...['router', 'attempt', 'shadow'].map((service) => `ColdStart service=${service} function_name`),
    ...['router', 'attempt'].flatMap((service) => ['throttled', 'unavailable', 'timeout'].map((kind) => `ProviderFailures service=${service} FailureKind=${kind}`)),
  ];
}

/**
 * The gateway's CloudWatch dashboard (spend by tier and model, saving against
 * the flagship, traffic by route, the gateway's own latency apart from the
 * providers', circuit openings, budget use) and the alarms that publish to
 * the alert topic (docs/deployment.md lists each, its threshold and what to
 * do). Reads the router's EMF metrics (namespace Switchyard, service
 * router) and the metrics of API Gateway, Lambda, Step Functions and DynamoDB.
 * No alarm watches spend: the hourly rollup alerts on budgets from the ledger.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const metric = (name: string, statistic: string, period: Duration, dimensions: Record<string, string> = {}) =>
      new Metric({ namespace: NAMESPACE, metricName: name, statistic, period, dimensionsMap: { service: 'router', ...dimensions } });
    const fiveMinutes = Duration.minutes(5);
    const hour = Duration.hours(1);
    // Metric-math ids must differ within a graph or alarm: each expression names its inputs afresh.
    let ids = 0;
    const nextKey = () => `m${(ids += 1)}`;
    const usd = (source: IMetric, label: string, period: Duration) => {
      const key = nextKey();
      return new MathExpression({ expression: `${key} / ${NANO_PER_USD}`, usingMetrics: { [key]: source }, label, period });
    };
    const rate = (part: IMetric, whole: IMetric, label: string) => {
      const [partKey, wholeKey] = [nextKey(), nextKey()];
      return new MathExpression({
        expression: `IF(${wholeKey} > 0, 100 * ${partKey} / ${wholeKey}, 0)`,
        usingMetrics: { [partKey]: part, [wholeKey]: whole },
        label,
        period: fiveMinutes,
      });
    };

    const requests = metric('Requests', 'Sum', fiveMinutes);
    const serverErrorRate = rate(metric('ServerErrors', 'Sum', fiveMinutes), requests, '5xx %');
    const fallbackRate = rate(metric('Fallbacks', 'Sum', fiveMinutes), requests, 'fallbacks per 100 requests');
    const spendPerHour = usd(metric('CostNanoUsd', 'Sum', hour), 'spend, USD per hour', hour);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({
            title: 'Spend per hour by tier (USD)',
            left: props.tiers.map((tier) => usd(metric('CostNanoUsd', 'Sum', hour, { Tier: tier }), `tier ${tier}`, hour)),
            width: 12,
          }),
          new GraphWidget({
            title: 'Spend per hour by model (USD)',
            left: props.models.map((model) => usd(metric('CostNanoUsd', 'Sum', hour, { Model: model }), model, hour)),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Spend and saving against always-flagship (USD per hour)',
            left: [
              spendPerHour,
              new MathExpression({
                expression: `(flagship - spent) / ${NANO_PER_USD}`,
                usingMetrics: { flagship: metric('FlagshipCostNanoUsd', 'Sum', hour), spent: metric('CostNanoUsd', 'Sum', hour) },
                label: 'saving',
                period: hour,
              }),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Budget use: spend so far today (USD)',
            left: [usd(metric('CostNanoUsd', 'Sum', Duration.days(1)), 'spend today', Duration.days(1))],
            leftAnnotations: props.dailyBudgetUsd === undefined ? [] : [{ value: props.dailyBudgetUsd, label: 'global daily budget' } satisfies HorizontalAnnotation],
            width: 12,
          }),
        ],
        [
          new GraphWidget({ title: 'Requests, 5xx rate and fallback rate', left: [requests], right: [serverErrorRate, fallbackRate], width: 12 }),
          new GraphWidget({
            title: 'By route: requests, fallbacks, 5xx',
            left: props.routes.flatMap((route) => [
              metric('RouteRequests', 'Sum', fiveMinutes, { Route: route }).with({ label: `${route} requests` }),
              metric('RouteFallbacks', 'Sum', fiveMinutes, { Route: route }).with({ label: `${route} fallbacks` }),
              metric('RouteServerErrors', 'Sum', fiveMinutes, { Route: route }).with({ label: `${route} 5xx` }),
            ]),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: "Latency: the gateway's own, apart from the providers' (ms)",
            left: ['p50', 'p99'].flatMap((statistic) => [
              metric('GatewayOverhead', statistic, fiveMinutes).with({ label: `gateway ${statistic}` }),
              metric('ProviderLatency', statistic, fiveMinutes).with({ label: `providers ${statistic}` }),
            ]),
            width: 12,
          }),
          new GraphWidget({
            title: 'Circuit openings by model',
            left: props.models.map((model) => metric('CircuitOpened', 'Sum', fiveMinutes, { Model: model }).with({ label: model })),
            width: 12,
          }),
        ],
      ],
    });
    (this.dashboard.node.defaultChild as CfnDashboard).addMetadata(PUBLISHED_METRICS_METADATA, publishedMetrics(props));

    const alarm = (alarmId: string, description: string, source: IMetric, threshold: number, periods = { evaluation: 1, toAlarm: 1 }) =>
      thresholdAlarm(this, alarmId, { description, metric: source, threshold, periods });
    const sustained = { evaluation: 3, toAlarm: 2 };
    const percentOf = (source: IMetric) => {
      const key = nextKey();
      return new MathExpression({ expression: `100 * ${key}`, usingMetrics: { [key]: source }, period: fiveMinutes });
    };
    const apiRequests = props.api.metricCount({ period: fiveMinutes, statistic: 'Sum' });
    // The router counts every request it answers; requests API Gateway saw that the router never counted (its metric missing, read as 0) mean it is crashing before it answers.
    const [seen, counted] = [nextKey(), nextKey()];
    const uncounted = new MathExpression({
      expression: `IF(${seen} >= 5 AND FILL(${counted}, 0) == 0, 1, 0)`,
      usingMetrics: { [seen]: apiRequests, [counted]: requests },
      period: fiveMinutes,
    });
    const alarms = [
      alarm('ServerErrorRate', `${props.serverErrorPercent ?? 5}% or more of requests answered 5xx, as API Gateway counts them: providers down, or the router failing`, percentOf(props.api.metricServerError({ period: fiveMinutes, statistic: 'Average' })), props.serverErrorPercent ?? 5, sustained),
      alarm('ClientErrorRate', '25% or more of requests refused with 4xx, 429 throttling included: a bad key rollout, a client bug, or traffic over the usage plan', percentOf(props.api.metricClientError({ period: fiveMinutes, statistic: 'Average' })), 25, sustained),
      alarm('LatencyP99', `p99 latency within 10% of the API's ${props.requestTimeoutMs / 1000} s limit: requests are about to time out`, props.api.metricLatency({ period: fiveMinutes, statistic: 'p99' }), 0.9 * props.requestTimeoutMs, sustained),
      alarm('RouterSilent', 'API Gateway passed on requests the router never counted: the router crashes before it answers (see its log group)', uncounted, 1, sustained),
      alarm('FallbackRate', `${props.fallbackPercent ?? 20} or more fallbacks per 100 requests: a provider is failing`, fallbackRate, props.fallbackPercent ?? 20, sustained),
      alarm('RouterErrors', 'the router function failed outside its own error handling', props.router.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1),
      alarm('RouterThrottles', 'Lambda is throttling the router: raise its concurrency', props.router.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), 1),
      alarm('AttemptErrors', 'the fallback attempt function failed outside its own error handling', props.attemptFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1),
      alarm('AttemptThrottles', 'Lambda is throttling the fallback attempt function: fallbacks are failing', props.attemptFunction.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), 1),
      alarm('WorkflowFailures', 'the fallback workflow failed (an exhausted chain ends normally; this is the workflow itself)', props.workflow.metricFailed({ period: fiveMinutes, statistic: 'Sum' }), 1),
      alarm('WorkflowTimeouts', "the fallback workflow timed out: a chain outlasted the API's limit", props.workflow.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }), 1),
      alarm(
        'LedgerThrottles',
        'DynamoDB is throttling the ledger table: records and counters are being retried',
        props.table.metricThrottledRequestsForOperations({ operations: LEDGER_OPERATIONS, period: fiveMinutes }),
        1,
        sustained,
      ),
      alarm(
        'ProviderThrottling',
        'providers are throttling: 10 or more throttled calls in 5 minutes',
        metric('ProviderFailures', 'Sum', fiveMinutes, { FailureKind: 'throttled' }),
        10,
      ),
    ];
    if (props.authorizer) {
      alarms.push(alarm('AuthorizerErrors', 'the API-key authorizer failed: callers get 500s', props.authorizer.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1));
    }
    const action = new SnsAction(props.alertTopic);
    for (const each of alarms) each.addAlarmAction(action);
    this.alarms = alarms;
  }
}
