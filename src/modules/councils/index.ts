export { CouncilsService, CouncilsError, type Council, type CouncilSettings } from './councils.service.ts';
