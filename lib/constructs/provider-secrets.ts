import { SecretValue, Validations } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ProviderSecretsProps {
  /** Fields the secret holds: the `apiKeyName`s of the policy's external providers. */
  readonly keyNames: readonly string[];
}

/**
 * One Secrets Manager secret holding the external providers' API keys as a
 * JSON object. It is created with empty values; paste the keys in after the
 * first deploy (the README shows the command). The router reads it once per
 * cold start.
 */
export class ProviderSecrets extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: `Switchyard provider API keys: a JSON object with the fields ${props.keyNames.join(', ')}`,
      // Empty placeholders, not secrets: the real keys never pass through CDK or CloudFormation.
      secretObjectValue: Object.fromEntries(props.keyNames.map((name) => [name, SecretValue.unsafePlainText('')])),
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Third-party provider keys are issued by the provider and cannot be rotated by a Lambda of ours; rotate them at the provider and update the secret.',
    });
  }

  grantRead(grantee: IGrantable): Grant {
    return this.secret.grantRead(grantee);
  }
}
