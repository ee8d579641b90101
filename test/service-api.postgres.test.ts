import { describe, it } from 'vitest';
import { backendsUnderTest, postgres } from './support/backend.js';
import { serviceApiSuite } from './service-api.suite.js';

if (backendsUnderTest().includes(postgres)) serviceApiSuite(postgres);
else describe.skip('on postgres (set SMARTCOVER_TEST_DATABASE_URL: scripts/test-postgres.sh start)', () => it.skip('needs PostgreSQL', () => {}));
