export { freePort, freePorts } from '../../common/ports';
