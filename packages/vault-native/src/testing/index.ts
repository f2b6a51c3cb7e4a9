// @lockstep/vault-native/testing: test doubles and the OpenBao outage scenario, shared with bench/.
export { type OutageFigures, openBaoOutageScenario } from '../e2e/openbao-outage-scenario.ts';
export { type FakeLease, FakeLeaseBackend } from '../lease/testing/fake-lease-backend.ts';
