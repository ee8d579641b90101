import { sqlite } from './support/backend.js';
import { serviceApiSuite } from './service-api.suite.js';

serviceApiSuite(sqlite);
