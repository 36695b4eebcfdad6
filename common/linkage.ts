/**
 * Naming shared by the poller and the workflows (pure, workflow-safe): the workflow id of an event and the
 * business keys that find a document's runs in the Web UI. Which workflow runs an event and which keys it
 * has come from its rule in the catalogue (common/catalogue).
 */
export { linkageWorkflowId, pollerWorkflowId } from './workflow-ids';
export { businessKey, businessKeysOf, documentKey } from './catalogue';
