export { freePort, freePorts, freeMetricsPort } from '../../scripts/lib/ports';
