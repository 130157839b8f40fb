import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface ThresholdAlarmProps {
  /** Shown in the alarm and its notification, after "Switchyard: ". */
  readonly description: string;
  readonly metric: IMetric;
  /** The alarm fires at or above this. */
  readonly threshold: number;
  /** @default 1 of 1 */
  readonly periods?: { readonly evaluation: number; readonly toAlarm: number };
}

/** An alarm at or above a threshold, quiet when the metric has no data: every Switchyard alarm is one. */
export function thresholdAlarm(scope: Construct, id: string, props: ThresholdAlarmProps): Alarm {
  const periods = props.periods ?? { evaluation: 1, toAlarm: 1 };
  return new Alarm(scope, id, {
    alarmDescription: `Switchyard: ${props.description}`,
    metric: props.metric,
    threshold: props.threshold,
    evaluationPeriods: periods.evaluation,
    datapointsToAlarm: periods.toAlarm,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
