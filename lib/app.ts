/**
 * This folder: the CDK app and its stack (constructs/ one per concern), the
 * deploy settings, AWS prices, the `switchyard` CLI (cli/), the cost audit
 * (audit/) and the classifier's evaluation (eval/).
 */
import { App, Tags, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { readDeployConfig } from './deploy-config';
import { SwitchyardStack } from './switchyard-stack';
import type { CfnTemplate } from './audit/aws-bill';

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

/**
 * The stack's CloudFormation template for the given `-c` settings, without
 * bundling the functions or running cdk-nag: what the cost audit reads the
 * AWS bill from (a few seconds).
 */
export function synthesizeTemplate(context: Readonly<Record<string, unknown>> = {}): CfnTemplate {
  const key = JSON.stringify(context);
  const known = synthesized.get(key);
  if (known) return known;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = readDeployConfig((key) => app.node.tryGetContext(key));
  const stack = new SwitchyardStack(app, config.stackName, { config, env: { region: config.region } });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  synthesized.set(key, template);
  return template;
}

/** Templates already synthesized in this process, by their settings: a template depends on nothing else. */
const synthesized = new Map<string, CfnTemplate>();
