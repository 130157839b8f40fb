import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProviderSecrets } from '../../lib/constructs/provider-secrets';
import { createSwitchyardApp } from '../../lib/app';

function secretsTemplate(keyNames: string[]) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new ProviderSecrets(stack, 'Keys', { keyNames });
  return Template.fromStack(stack);
}

describe('ProviderSecrets', () => {
  it('makes one secret per key with a generated placeholder, so the template carries no secret value', () => {
    const template = secretsTemplate(['OPENAI_API_KEY', 'GROQ_API_KEY']);
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets.length).toBe(2);
    for (const secret of secrets) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 32 });
    }
  });

  it('leaves the existing secrets untouched when a redeploy adds a provider', () => {
    const before = secretsTemplate(['OPENAI_API_KEY']).findResources('AWS::SecretsManager::Secret');
    const after = secretsTemplate(['OPENAI_API_KEY', 'GROQ_API_KEY']).findResources('AWS::SecretsManager::Secret');
    for (const [logicalId, resource] of Object.entries(before)) expect(after[logicalId]).toEqual(resource);
    expect(Object.keys(after).length).toBe(2);
  });

  it('never writes a secret value anywhere in the deployed app template', () => {
    const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    const rendered = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(rendered).not.toMatch(/"SecretString"/);
    expect(rendered).toMatch(/"GenerateSecretString"/);
  });
});
