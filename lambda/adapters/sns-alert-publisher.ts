/**
 * Adapters: the AWS services behind the core's interfaces (DynamoDB in
 * dynamodb/, SNS, Step Functions, X-Ray). Besides the handlers, only this
 * folder calls an AWS SDK.
 *
 * Budget alerts on SNS: a subject and a plain-text body an e-mail client shows
 * well, and message attributes subscribers can filter on (severity, budget,
 * threshold, day).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertPublisher } from '../core/accounting/rollup';

export function createSnsAlertPublisher(options: { client: SNSClient; topicArn: string }): AlertPublisher {
  return {
    async publish(alert) {
      const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
      await options.client.send(
        new PublishCommand({
          TopicArn: options.topicArn,
          Subject: alert.subject,
          Message: alert.message,
          MessageAttributes: {
            severity: attribute(alert.severity),
            budget: attribute(alert.budgetId),
            threshold: attribute(alert.threshold),
            day: attribute(alert.day),
          },
        }),
      );
    },
  };
}
