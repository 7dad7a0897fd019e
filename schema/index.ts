// Assembles the schema from its domain modules, as an Apollo Federation v2 subgraph. This is the
// registry of schema files: each kind of source adds the import of its own, after the kinds
// already here (docs/adding-a-source.md).
import { immediateNodeIds } from './backup-job.js';
import { builder } from './builder.js';
import { guardEntityRepresentations } from './federation.js';
import './aws.js';
import './sailpoint.js';
import './jobs.js';
import './summary.js';
import './sources.js';
import './live.js';

/** The newest Federation v2 version the composition library knows (entity interfaces need 2.3 or later). */
const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.14';

export const schema = immediateNodeIds(guardEntityRepresentations(builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK, sortSchema: true })));
