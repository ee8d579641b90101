import { sqlite } from './support/backend.js';
import { localFiles, uploadsSuite } from './uploads.suite.js';

uploadsSuite(sqlite, localFiles);
