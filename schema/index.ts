// Assembles the schema from its domain modules.
import { builder } from './builder.js';
import './backup-job.js';
import './aws.js';
import './sailpoint.js';
import './jobs.js';
import './sources.js';

export const schema = builder.toSchema({ sortSchema: true });
