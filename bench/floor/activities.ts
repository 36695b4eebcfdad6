/** The floor workflow's local activity (bench/floor/workflow.ts): returns at once. */
export interface FloorActivities {
  benchNoop(): Promise<void>;
}

export const floorActivities: FloorActivities = {
  async benchNoop() {
    return undefined;
  },
};
