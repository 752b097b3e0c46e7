export { TEST_MAJORS, testMajor } from '../../runner/testing/testMajor.js';
