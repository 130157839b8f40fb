/**
 * This folder: the CDK app and its stack (constructs/ one per concern), the
 * deploy settings, AWS prices, the `switchyard` CLI (cli/), the cost audit
 * (audit/) and the classifier's evaluation (eval/).
 */
import { App, Tags, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { readDeployConfig } from './deploy-config';
import { SwitchyardStack } from './switchyard-stack';

/**
 * The Switchyard CDK app with cdk-nag's AwsSolutions and Serverless packs:
 * synthesis fails on any finding that has not been acknowledged with a reason.
 */
export function createSwitchyardApp(props: AppProps = {}): { app: App; stack: SwitchyardStack } {
  const app = new App(props);
  const config = readDeployConfig((key) => app.node.tryGetContext(key));
  const stack = new SwitchyardStack(app, config.stackName, {
    config,
    description: 'Switchyard: zero-markup LLM router (API Gateway, Lambda, DynamoDB)',
    env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: config.region },
    // On the stack itself (cdk.json's explicitStackTags) and, through it, on every resource that takes tags.
    tags: { ...config.tags },
  });
  for (const [key, value] of Object.entries(config.tags)) Tags.of(stack).add(key, value);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}
