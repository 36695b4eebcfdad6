/** The bench's workflow bundle for the floor row: every workflow the worker registers, and the floor's. */
export * from '../../workflows';
export { BenchFloorWorkflow } from './workflow';
