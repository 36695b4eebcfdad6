/**
 * The visibility query of the scenario tenants' linkage runs. A tenant's intake lane carries its tenant too
 * (so the Web UI finds it) but starts runs rather than being one: it is left out of every count of runs.
 */
export function linkageRunsOf(tenants: string[]): string {
  return `LinkageTenant IN (${tenants.map((t) => `"${t}"`).join(', ')}) AND WorkflowType != "TenantLaneWorkflow"`;
}
