export { freePort, freePorts, freeMetricsPort } from '../../common/ports';
