/** Tests keep the SDK's own logs to errors; the runtime is process-wide, so install it once. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed by an earlier suite in this process.
}
