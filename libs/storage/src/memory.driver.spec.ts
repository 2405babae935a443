import { InMemoryDriver } from './memory.driver';
import { runDriverTestSuite } from './testsuites/driver.testsuite';

runDriverTestSuite('inmemory', async () => ({ driver: new InMemoryDriver(), cleanup: async () => undefined }));
