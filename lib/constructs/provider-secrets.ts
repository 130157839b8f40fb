import { Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ProviderSecretsProps {
  /** The `apiKeyName`s of the policy's external providers: one secret each. */
  readonly keyNames: readonly string[];
}

/**
 * One Secrets Manager secret per external provider key. Each is created with
 * a random placeholder that CloudFormation generates, so no value is ever in
 * the template: a redeploy, also one that adds a provider, never writes over
 * a key someone has put in. Put each key in after the first deploy (the README
 * shows the command); the router reads it when first needed and again every
 * few minutes.
 */
export class ProviderSecrets extends Construct {
  /** Secrets by key name. */
  readonly secrets: ReadonlyMap<string, Secret>;

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    const secrets = new Map<string, Secret>();
    for (const name of props.keyNames) {
      const secret = new Secret(this, name, {
        description: `Switchyard: the ${name} API key. Replace the generated placeholder with the provider's key.`,
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Third-party provider keys are issued by the provider and cannot be rotated by a Lambda of ours; rotate them at the provider and put the new key in.',
      });
      secrets.set(name, secret);
    }
    this.secrets = secrets;
  }

  /** Key names to secret ARNs, as the router's environment carries them. */
  arnsByName(): Record<string, string> {
    return Object.fromEntries([...this.secrets].map(([name, secret]) => [name, secret.secretArn]));
  }

  grantRead(grantee: IGrantable): void {
    for (const secret of this.secrets.values()) secret.grantRead(grantee);
  }
}
