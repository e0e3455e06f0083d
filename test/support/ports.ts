// One way to find free consecutive ports for simulated fleets: the stack's.
export { findPortRun } from "@biometricflow/stack";
