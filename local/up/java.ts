/**
 * The Java that DynamoDB Local needs (AWS's own jar runs on Java 17 or later). The project's
 * rule is that the setup installs it when a machine lacks it (`.ci/run` does); `conveyor up`
 * never runs a package manager itself: it says exactly what to run, and stops.
 */
import { spawnSync } from 'node:child_process';

export const MIN_JAVA_MAJOR = 17;
/** What installs it on Debian and Ubuntu, the distributions `.ci/run` supports. */
export const JAVA_INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless';

/** Java is missing or too old: the stack cannot start its DynamoDB. The message says how to install it. */
export class JavaMissingError extends Error {
  constructor(found: string) {
    super(
      `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or later on the PATH (${found}). Install it, then start again:\n` +
        `  ${JAVA_INSTALL_COMMAND}\n` +
        `(on other systems: any OpenJDK ${MIN_JAVA_MAJOR}+ with \`java\` on the PATH; .ci/run installs it on a fresh machine)`,
    );
    this.name = 'JavaMissingError';
  }
}

/** The major version of `java` on the PATH; JavaMissingError when there is none or it is older than 17. */
export function requireJava(command = 'java'): number {
  const out = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (out.error) throw new JavaMissingError(`none found: ${(out.error as NodeJS.ErrnoException).code ?? out.error.message}`);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) throw new JavaMissingError('`java -version` named no version');
  // Java 8 and older report "1.8.0".
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  if (major < MIN_JAVA_MAJOR) throw new JavaMissingError(`found Java ${major}`);
  return major;
}
