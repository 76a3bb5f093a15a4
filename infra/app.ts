/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`): the Conveyor stack, checked by cdk-nag's
 * AwsSolutions pack, whose unacknowledged findings fail the synth. Optional context:
 * `-c deployerAccounts=111111111111,222222222222` lets the EKS functions assume deployer roles in
 * those accounts (default: the stack's own account).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConveyorStack, STACK_NAME } from './stack.ts';

const app = new App();
const deployerAccounts = app.node.tryGetContext('deployerAccounts') as string | undefined;
new ConveyorStack(app, STACK_NAME, {
  description: 'Conveyor: serverless release-promotion pipeline for Kubernetes',
  ...(deployerAccounts ? { eks: { deployerAccounts: deployerAccounts.split(',').map((account) => account.trim()) } } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
