/**
 * The configuration commands, named as people say them: `conveyor env`, `lifecycle`,
 * `project`, `account`, `target`, `roles`. Definitions only (see shared.ts); the work is in
 * cli/commands/.
 */
import { type Command, Option } from 'commander';
import { apiAction, apiCommand, collect, type Outcome } from './shared.ts';

/** The API's account kinds and roles (functions/api/schemas/accounts.ts, roles.ts), for choices and completion without loading the schemas. */
const ACCOUNT_KINDS = ['token', 'basic', 'certificate', 'eks'];
const ROLES = ['Admin', 'ReleaseManager', 'Deployer', 'Approver', 'Auditor'];
const GROUP = 'Configuration:';

const secretOptions = (command: Command, what: string) =>
  command.option('--secret-file <path>', `read the ${what} from this file (never give it on the command line)`).option('--secret-stdin', `read the ${what} from standard input`);

export function addConfigCommands(program: Command, outcome: Outcome): void {
  const environments = () => import('../commands/environments.ts');
  const env = program.command('env').alias('environment').helpGroup(GROUP).description('environments: the ordered stages releases go through (Development, Test, Production)');
  apiCommand(env, 'list', 'every environment, in dashboard order').action(apiAction(outcome, environments, (m) => m.list));
  apiCommand(env, 'show <id>', 'one environment').action(apiAction(outcome, environments, (m) => m.show));
  apiCommand(env, 'create <id>', 'create an environment (Admin)')
    .option('--name <name>', 'what people read (default: the id)')
    .option('--order <n>', 'position on the dashboard, lower first (default: after the last)')
    .option('--description <text>', 'a description')
    .action(apiAction(outcome, environments, (m) => m.create));
  apiCommand(env, 'update <id>', 'change an environment (Admin)')
    .option('--name <name>', 'a new name')
    .option('--order <n>', 'a new position')
    .option('--description <text>', 'a new description')
    .action(apiAction(outcome, environments, (m) => m.update));
  apiCommand(env, 'delete <id>', 'delete an environment no lifecycle, target or role names (Admin)').action(apiAction(outcome, environments, (m) => m.remove));

  const lifecycles = () => import('../commands/lifecycles.ts');
  const lifecycle = program.command('lifecycle').helpGroup(GROUP).description('lifecycles: the phases a release is promoted through, automatic or manual');
  apiCommand(lifecycle, 'list', 'every lifecycle').action(apiAction(outcome, lifecycles, (m) => m.list));
  apiCommand(lifecycle, 'show <id>', 'one lifecycle and its phases').action(apiAction(outcome, lifecycles, (m) => m.show));
  apiCommand(lifecycle, 'create <id>', 'create a lifecycle from --phase flags, in order (Admin)')
    .option('--name <name>', 'what people read (default: the id)')
    .option('--phase <spec>', 'NAME=ENV[,ENV...][:automatic|:manual][:min=N]; repeatable, in order (default entry: manual)', collect)
    .action(apiAction(outcome, lifecycles, (m) => m.create));
  apiCommand(lifecycle, 'apply', 'create or replace the lifecycle a YAML/JSON file defines (Admin)')
    .requiredOption('-f, --file <path>', "the lifecycle: {id, name, phases: [{name, environments, entry, minimumEnvironmentsBeforePromotion}]}; '-' reads stdin")
    .action(apiAction(outcome, lifecycles, (m) => m.apply));
  apiCommand(lifecycle, 'delete <id>', 'delete a lifecycle no project follows (Admin)').action(apiAction(outcome, lifecycles, (m) => m.remove));

  const projects = () => import('../commands/projects.ts');
  const project = program.command('project').helpGroup(GROUP).description('projects: an application, its lifecycle, deployment process, variables and channels');
  apiCommand(project, 'list', 'every project').action(apiAction(outcome, projects, (m) => m.list));
  apiCommand(project, 'show <id>', 'one project: process and variables (sensitive values never shown)').action(apiAction(outcome, projects, (m) => m.show));
  apiCommand(project, 'apply', 'create or replace the project a YAML/JSON file defines (Admin)')
    .requiredOption(
      '-f, --file <path>',
      "the project: {id, name, lifecycleId, process, variables, channels}; a manifest may give `file: PATH` (relative to this file) for its content; '-' reads stdin",
    )
    .action(apiAction(outcome, projects, (m) => m.apply));
  apiCommand(project, 'delete <id>', 'delete a project without releases (Admin)').action(apiAction(outcome, projects, (m) => m.remove));

  const accounts = () => import('../commands/accounts.ts');
  const account = program.command('account').helpGroup(GROUP).description('accounts: how targets authenticate; secret material goes to the secret store and is never shown');
  apiCommand(account, 'list', 'every account, without secrets').action(apiAction(outcome, accounts, (m) => m.list));
  apiCommand(account, 'show <id>', 'one account, without its secret').action(apiAction(outcome, accounts, (m) => m.show));
  secretOptions(
    apiCommand(account, 'create <id>', 'create an account (Admin); its secret from a file or stdin, never from the command line')
      .addOption(new Option('--kind <kind>', 'token, basic (username/password), certificate (client certificate and key) or eks').choices(ACCOUNT_KINDS).makeOptionMandatory())
      .option('--name <name>', 'what people read (default: the id)')
      .option('--username <name>', 'basic: the user name')
      .option('--certificate <path>', 'certificate: the client certificate, PEM (the key is the secret)')
      .option('--cluster <name>', 'eks: the EKS cluster name')
      .option('--cluster-region <region>', "eks: the cluster's region")
      .option('--role-arn <arn>', 'eks: a role to assume (under /conveyor-deployers/)'),
    'token, password or client key',
  ).action(apiAction(outcome, accounts, (m) => m.create));
  secretOptions(
    apiCommand(account, 'update <id>', 'rename an account, rotate its secret, or change its fields (Admin); what is not given is kept')
      .option('--name <name>', 'a new name')
      .option('--username <name>', 'basic: a new user name')
      .option('--certificate <path>', 'certificate: a new client certificate, PEM')
      .option('--cluster <name>', 'eks: a new cluster name')
      .option('--cluster-region <region>', 'eks: a new region')
      .option('--role-arn <arn>', 'eks: a new role to assume'),
    'new token, password or client key',
  ).action(apiAction(outcome, accounts, (m) => m.update));
  apiCommand(account, 'delete <id>', 'delete an account no target uses (Admin)').action(apiAction(outcome, accounts, (m) => m.remove));

  addTargetCommands(program, outcome);
  addRoleCommands(program, outcome);
}

function addTargetCommands(program: Command, outcome: Outcome): void {
  const targets = () => import('../commands/targets.ts');
  const target = program.command('target').helpGroup(GROUP).description('targets: a cluster, a namespace and an account, the boundary a deploy step works in');
  const boundaryOptions = (command: Command) =>
    command
      .option('-n, --namespace <ns>', 'the namespace objects are confined to')
      .option('--admin', 'an admin target: any namespace and cluster-scoped kinds')
      .option('--ca-file <path>', "the API server's CA bundle, PEM (default: the system's CAs)")
      .option('--skip-tls-verify', 'turn TLS verification off (only when said explicitly)');
  apiCommand(target, 'list', 'every target').action(apiAction(outcome, targets, (m) => m.list));
  apiCommand(target, 'show <id>', 'one target').action(apiAction(outcome, targets, (m) => m.show));
  boundaryOptions(
    apiCommand(target, 'create <id>', 'create a target (Admin)')
      .option('--url <url>', 'the API server (may be left out for an EKS account: found with DescribeCluster)')
      .requiredOption('--account <id>', 'the account it authenticates with'),
  )
    .requiredOption('--environment <id>', 'an environment it serves; repeatable', collect)
    .requiredOption('--tag <tag>', 'a tag steps pick it by; repeatable', collect)
    .action(apiAction(outcome, targets, (m) => m.create));
  boundaryOptions(apiCommand(target, 'update <id>', 'change a target (Admin); what is not given is kept').option('--url <url>', 'a new API server').option('--account <id>', 'another account'))
    .option('--environment <id>', 'the environments it serves (replacing them); repeatable', collect)
    .option('--tag <tag>', 'its tags (replacing them); repeatable', collect)
    .action(apiAction(outcome, targets, (m) => m.update));
  apiCommand(target, 'delete <id>', 'delete a target (Admin)').action(apiAction(outcome, targets, (m) => m.remove));
  apiCommand(target, 'check <id>', "connect with the target's account: reachable, who the cluster sees, what it may do (exit 3 when it cannot connect)").action(
    apiAction(outcome, targets, (m) => m.check),
  );
  apiCommand(target, 'import', 'create an account and a target from a kubeconfig context (token, basic, client certificate, or exec `aws eks get-token` as an EKS account)')
    .requiredOption('--kubeconfig <path>', 'the kubeconfig to read')
    .option('--context <name>', 'the context (default: its current context)')
    .option('--id <id>', 'the target id (default: from the context name)')
    .option('--account-id <id>', 'the account id (default: the target id)')
    .option('--name <name>', "the account's name (default: the context name)")
    .option('-n, --namespace <ns>', "the namespace (default: the context's, else default)")
    .option('--admin', 'an admin target: any namespace and cluster-scoped kinds')
    .requiredOption('--environment <id>', 'an environment it serves; repeatable', collect)
    .requiredOption('--tag <tag>', 'a tag steps pick it by; repeatable', collect)
    .action(apiAction(outcome, targets, (m) => m.importTarget));
}

function addRoleCommands(program: Command, outcome: Outcome): void {
  const roles = () => import('../commands/roles.ts');
  const role = program.command('roles').alias('role').helpGroup(GROUP).description('who may do what: IAM principals bound to Admin, ReleaseManager, Deployer, Approver, Auditor');
  const principal = '<principal-arn>';
  apiCommand(role, 'list', 'every role binding (Admin)').action(apiAction(outcome, roles, (m) => m.list));
  apiCommand(role, 'show <principal-arn>', "a principal's roles (Admin)").action(apiAction(outcome, roles, (m) => m.show));
  for (const [verb, description, pick] of [
    ['grant', 'give a principal a role, in some environments only for Deployer and Approver (Admin)', (m: Awaited<ReturnType<typeof roles>>) => m.grant],
    ['revoke', 'take a role (or some of its environments) from a principal (Admin)', (m: Awaited<ReturnType<typeof roles>>) => m.revoke],
  ] as const) {
    apiCommand(role, `${verb} ${principal}`, description)
      .addOption(new Option('--role <role>', 'the role').choices(ROLES).makeOptionMandatory())
      .option('--environment <id>', 'Deployer, Approver: only in this environment; repeatable', collect)
      .action(apiAction(outcome, roles, pick));
  }
  apiCommand(role, `delete ${principal}`, "remove a principal's binding, every role (Admin)").action(apiAction(outcome, roles, (m) => m.remove));
}
