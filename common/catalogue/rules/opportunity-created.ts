import type { LinkageRule } from '../types';

/** An opportunity is only recorded in the data lake. */
export const opportunityCreated: LinkageRule = {
  eventType: 'crm.opportunity.created',
  workflow: 'GenericEventWorkflow',
  summary: 'data lake only',
  lakeTable: 'opportunities',
  keys: [],
  steps: [],
};
