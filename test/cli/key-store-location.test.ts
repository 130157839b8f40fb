/** Where `npx switchyard keys` finds the key store, and what it says when it cannot. */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../../lambda/core/base/errors';
import { locateKeyStore } from '../../lib/cli/key-store-location';

describe('locateKeyStore', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  afterEach(() => cloudFormation.reset());
  afterAll(() => cloudFormation.restore());

  it('says to give AWS credentials when there are none, rather than to deploy the stack', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const refused = await locateKeyStore({ region: 'eu-west-1' }, {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toBe(
      "No AWS credentials to read the stack Switchyard with: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or use --local for npm start's keys.",
    );
  });

  it('says to deploy, or to name the stack or table, when the stack cannot be read', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Switchyard does not exist'), { name: 'ValidationError' }));
    await expect(locateKeyStore({ region: 'eu-west-1' }, {})).rejects.toThrow(/Cannot read the stack Switchyard: Stack with id Switchyard does not exist\. Deploy it, or pass --stack NAME/);
  });
});
